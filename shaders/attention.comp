#version 450
// SPDX-License-Identifier: LGPL-2.1-or-later
#extension GL_GOOGLE_include_directive : require
// Window attention for QP query tokens per invocation; the workgroup grid is
// (query blocks, window, batch * heads).  The cyclic shift, the zero padding
// of the map to whole windows and the window partition are folded into the
// loads from qkv, and their reverse into the store: no copy passes.
//   qkv: [B, H*W, 3C] (q | k | v, each [heads, HD]); a padded token has
//        qkv = qkv_bias, since LayerNorm output is zero-padded before the Linear.
//   out: [B, H*W, C]; padded tokens are not stored.
// The key loops walk the window row by row with no integer division: llvmpipe
// has no vector divide, and per-key divisions used to dominate this kernel.
//
// Built twice (shaders/meson.build).  All invocations of a workgroup read
// the same keys and values.  Plain, each fetches every one.  With
// SWIN_SHARE_KV (attention_shuffle) the workgroup is one subgroup, and
// lavapipe's subgroup is one SIMD vector of 8 lanes: lane l fetches keys l,
// 8 + l, ... and subgroupShuffle() hands each key's texels to the others, one
// vector permute per component where each fetch is a call to llvmpipe's
// fetch function (as gemm_shuffle, docs/lavapipe-gemm.md).  It finds its
// keys' window coordinates by one division per 8 keys.
#ifdef SWIN_SHARE_KV
#extension GL_KHR_shader_subgroup_shuffle : require
#endif
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;  // swin_op_variants.c
layout(constant_id = 3) const int WN = 49;  // tokens per window (array bound)
layout(constant_id = 4) const int HD4 = 8;  // head dim / 4
layout(constant_id = 5) const int QP = 2;   // queries per invocation

layout(binding = 0) uniform textureBuffer qkv;
#include "attention_common.glsl"

#ifdef SWIN_SHARE_KV
const int LANES = int(gl_WorkGroupSize.x);   // the subgroup (swin_op_variants.c)
const int KG = (WN + LANES - 1) / LANES;     // groups of LANES keys
const int KS = KG * LANES;                   // key slots: those past the window weigh 0
#else
const int KS = WN;
#endif

void main ()
{
  int n = p.ws * p.ws;
  int q0 = int(gl_GlobalInvocationID.x) * QP;
  int win, b, h;
  if (!window_of_group (win, b, h))
    return;   // uniform across the workgroup
#ifndef SWIN_SHARE_KV
  if (q0 >= n)
    return;
#endif   // else spare invocations fetch keys for the others

  int wy0, wx0;
  window_origin (win, wy0, wx0);
  int C4 = p.C / 4, row4 = 3 * C4, tw = 2 * p.M - 1;
  int base = b * p.H * p.W;
  bool masked = p.shift_h > 0 || p.shift_w > 0;

  // QP queries per invocation share every key and value fetch; a query
  // index past the window repeats the last one and is not stored.
  int qy[QP], qx[QP], qtok[QP], qreg[QP];
  vec4 q[QP][HD4];
  for (int u = 0; u < QP; u++) {
    int qi = min(q0 + u, n - 1);
    qy[u] = qi / p.ws;
    qx[u] = qi % p.ws;
    qreg[u] = window_region(wy0 + qy[u], wx0 + qx[u]);
    qtok[u] = window_token(wy0 + qy[u], wx0 + qx[u]);
    float qq = 0.0;
    for (int d = 0; d < HD4; d++) {
      int o = h * HD4 + d;
      q[u][d] = qtok[u] < 0 ? texelFetch(qkv_bias, o) : texelFetch(qkv, (base + qtok[u]) * row4 + o);
      qq += dot(q[u][d], q[u][d]);
    }
    float f = query_factor(h, qq);
    for (int d = 0; d < HD4; d++)
      q[u][d] *= f;
  }

  float s[QP][KS];
  float mx[QP];
  for (int u = 0; u < QP; u++)
    mx[u] = -3.0e38;
#ifdef SWIN_SHARE_KV
  // Lane l's key of group g: its qkv row (-1: padding), window coordinates
  // and mask region.
  int lane = int(gl_SubgroupInvocationID);
  int kb[KG], kyg[KG], kxg[KG], krg[KG];
  for (int g = 0; g < KG; g++) {
    int jl = min(g * LANES + lane, n - 1);
    kyg[g] = jl / p.ws;
    kxg[g] = jl - kyg[g] * p.ws;
    int tok = window_token(wy0 + kyg[g], wx0 + kxg[g]);
    kb[g] = tok < 0 ? -1 : (base + tok) * row4;
    krg[g] = window_region(wy0 + kyg[g], wx0 + kxg[g]);
  }
  vec4 kbias[HD4];
  for (int d = 0; d < HD4; d++)
    kbias[d] = texelFetch(qkv_bias, C4 + h * HD4 + d);
  for (int g = 0; g < KG; g++) {
    vec4 kl[HD4];
    float kk = 0.0;
    for (int d = 0; d < HD4; d++) {
      vec4 fetched = texelFetch(qkv, max(kb[g], 0) + C4 + h * HD4 + d);
      kl[d] = kb[g] < 0 ? kbias[d] : fetched;
      kk += dot(kl[d], kl[d]);
    }
    float kfl = key_factor(kk);
    for (int t = 0; t < LANES; t++) {
      int j = g * LANES + t;
      float acc[QP];
      for (int u = 0; u < QP; u++)
        acc[u] = 0.0;
      for (int d = 0; d < HD4; d++) {
        vec4 kv = subgroupShuffle(kl[d], t);
        for (int u = 0; u < QP; u++)
          acc[u] += dot(q[u][d], kv);
      }
      float kf = subgroupShuffle(kfl, t);
      int ky = subgroupShuffle(kyg[g], t), kx = subgroupShuffle(kxg[g], t);
      int kreg = subgroupShuffle(krg[g], t);
      for (int u = 0; u < QP; u++) {
        float v = acc[u] * kf + texelFetch(table, ((qy[u] - ky + p.M - 1) * tw + qx[u] - kx + p.M - 1) * p.heads + h).r;
        if (masked && kreg != qreg[u])
          v -= 100.0;
        s[u][j] = j < n ? v : -3.0e38;   // exp() makes a slot past the window 0
        mx[u] = max(mx[u], s[u][j]);
      }
    }
  }
#else
  int vb[WN];
  int j = 0;
  for (int ky = 0; ky < p.ws; ky++) {
    int y = unroll(wy0 + ky, p.shift_h, p.Hp);
    int kreg_y = region(wy0 + ky, p.Hp, p.shift_h) * 3;
    for (int kx = 0; kx < p.ws; kx++, j++) {
      int x = unroll(wx0 + kx, p.shift_w, p.Wp);
      int kbase = (y < p.H && x < p.W) ? (base + y * p.W + x) * row4 : -1;
      int kreg = kreg_y + region(wx0 + kx, p.Wp, p.shift_w);
      vb[j] = kbase;
      float acc[QP];
      float kk = 0.0;
      for (int u = 0; u < QP; u++)
        acc[u] = 0.0;
      for (int d = 0; d < HD4; d++) {
        int o = C4 + h * HD4 + d;
        vec4 kv = kbase < 0 ? texelFetch(qkv_bias, o) : texelFetch(qkv, kbase + o);
        kk += dot(kv, kv);
        for (int u = 0; u < QP; u++)
          acc[u] += dot(q[u][d], kv);
      }
      float kf = key_factor(kk);
      for (int u = 0; u < QP; u++) {
        float v = acc[u] * kf + texelFetch(table, ((qy[u] - ky + p.M - 1) * tw + qx[u] - kx + p.M - 1) * p.heads + h).r;
        if (masked && kreg != qreg[u])
          v -= 100.0;
        s[u][j] = v;
        mx[u] = max(mx[u], v);
      }
    }
  }
#endif
#ifdef SWIN_SHARE_KV
  const int slots = KS;
#else
  const int slots = n;
#endif
  for (int u = 0; u < QP; u++) {
    float sum = 0.0;
    for (int i = 0; i < slots; i++) {
      s[u][i] = exp(s[u][i] - mx[u]);
      sum += s[u][i];
    }
    float inv = 1.0 / sum;
    for (int i = 0; i < slots; i++)
      s[u][i] *= inv;
  }

  // Values two keys at a time: the accumulators spill on lavapipe, so each
  // update of one is a load and a store (docs/lavapipe-gemm.md).
  vec4 o4[QP][HD4];
  for (int u = 0; u < QP; u++)
    for (int d = 0; d < HD4; d++)
      o4[u][d] = vec4(0.0);
  int vo = 2 * C4 + h * HD4;
#ifdef SWIN_SHARE_KV
  vec4 vbias[HD4];
  for (int d = 0; d < HD4; d++)
    vbias[d] = texelFetch(qkv_bias, vo + d);
  for (int g = 0; g < KG; g++) {
    vec4 vl[HD4];
    for (int d = 0; d < HD4; d++) {
      vec4 fetched = texelFetch(qkv, max(kb[g], 0) + vo + d);
      vl[d] = kb[g] < 0 ? vbias[d] : fetched;
    }
    for (int t = 0; t < LANES; t += 2) {
      int j = g * LANES + t;
      for (int d = 0; d < HD4; d++) {
        vec4 v0 = subgroupShuffle(vl[d], t), v1 = subgroupShuffle(vl[d], t + 1);
        for (int u = 0; u < QP; u++)
          o4[u][d] += s[u][j] * v0 + s[u][j + 1] * v1;
      }
    }
  }
#else
  for (j = 0; j + 1 < n; j += 2) {
    for (int d = 0; d < HD4; d++) {
      vec4 v0 = vb[j] < 0 ? texelFetch(qkv_bias, vo + d) : texelFetch(qkv, vb[j] + vo + d);
      vec4 v1 = vb[j + 1] < 0 ? texelFetch(qkv_bias, vo + d) : texelFetch(qkv, vb[j + 1] + vo + d);
      for (int u = 0; u < QP; u++)
        o4[u][d] += s[u][j] * v0 + s[u][j + 1] * v1;
    }
  }
  if (j < n) {
    for (int d = 0; d < HD4; d++) {
      vec4 v0 = vb[j] < 0 ? texelFetch(qkv_bias, vo + d) : texelFetch(qkv, vb[j] + vo + d);
      for (int u = 0; u < QP; u++)
        o4[u][d] += s[u][j] * v0;
    }
  }
#endif
  for (int u = 0; u < QP; u++) {
    if (q0 + u >= n || qtok[u] < 0)
      continue;
    int dst = (base + qtok[u]) * C4 + h * HD4;
    for (int d = 0; d < HD4; d++)
      outv[dst + d] = o4[u][d];
  }
}
