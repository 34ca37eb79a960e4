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
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;  // swin_op_variants.c
layout(constant_id = 3) const int WN = 49;  // tokens per window (array bound)
layout(constant_id = 4) const int HD4 = 8;  // head dim / 4
layout(constant_id = 5) const int QP = 2;   // queries per invocation

layout(binding = 0) uniform textureBuffer qkv;
#include "attention_common.glsl"

void main ()
{
  int n = p.ws * p.ws;
  int q0 = int(gl_GlobalInvocationID.x) * QP;
  int win, b, h;
  if (!window_of_group (win, b, h))
    return;   // uniform across the workgroup
  if (q0 >= n)
    return;

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

  float s[QP][WN];
  float mx[QP];
  int vb[WN];
  for (int u = 0; u < QP; u++)
    mx[u] = -3.0e38;
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
  for (int u = 0; u < QP; u++) {
    float sum = 0.0;
    for (int i = 0; i < n; i++) {
      s[u][i] = exp(s[u][i] - mx[u]);
      sum += s[u][i];
    }
    float inv = 1.0 / sum;
    for (int i = 0; i < n; i++)
      s[u][i] *= inv;
  }

  // Values two keys at a time: the accumulators spill on lavapipe, so each
  // update of one is a load and a store (docs/lavapipe-gemm.md).
  vec4 o4[QP][HD4];
  for (int u = 0; u < QP; u++)
    for (int d = 0; d < HD4; d++)
      o4[u][d] = vec4(0.0);
  int vo = 2 * C4 + h * HD4;
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
  for (int u = 0; u < QP; u++) {
    if (q0 + u >= n || qtok[u] < 0)
      continue;
    int dst = (base + qtok[u]) * C4 + h * HD4;
    for (int d = 0; d < HD4; d++)
      outv[dst + d] = o4[u][d];
  }
}
