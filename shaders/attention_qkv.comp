#version 450
// SPDX-License-Identifier: LGPL-2.1-or-later
#extension GL_GOOGLE_include_directive : require
// The LayerNorm, the qkv Linear and the window attention in one dispatch,
// for GPUs: one workgroup per (window, batch * heads) as attention_wg.comp,
// three invocations per token, which compute the token's query, key and
// value of the workgroup's head from the residual stream x [B, H*W, C], so
// the qkv activations never go to memory.  The heads' columns are disjoint,
// so no product is computed twice.
//   x: its rows are LayerNorm-normalised as they are read (two passes for the
//      statistics, from the row the invocation reads), the LayerNorm's gamma
//      and beta being folded into W and the bias at load time
//      (swin_pack_fold_layernorm()).
//   W: packed [C][3C/4] texels (swin_pack_linear()); the head's 3 x HD4
//      columns are staged in shared memory KC4 texels of K at a time.
// A padded token's q, k, v are the Linear's own bias (qkv_bias), as in
// attention.comp.  Bindings 1-3 and the push constants are attention.comp's.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;  // swin_op_variants.c  // x = 3 * (>= WN)
layout(constant_id = 3) const int WN = 49;   // tokens per window
layout(constant_id = 4) const int HD4 = 8;   // head dim / 4

layout(binding = 0) uniform textureBuffer x;
#include "attention_common.glsl"
layout(binding = 4) uniform textureBuffer W;
layout(binding = 5) readonly buffer GemmBias { vec4 gemm_bias[]; };  // folded (then column sums, unread)
#include "swin_layernorm_eps.h"
#include "attention_window.glsl"

const int KC4 = 4;   // texels of K (16 k steps) per staged chunk of W: 6 KiB at HD4 = 8
shared vec4 wchunk[4 * KC4][3 * HD4];

void main ()
{
  int n = p.ws * p.ws;
  int per_part = int(gl_WorkGroupSize.x) / 3;
  int t = int(gl_LocalInvocationID.x) % per_part;
  int part = int(gl_LocalInvocationID.x) / per_part;   // 0: q, 1: k, 2: v
  int win, b, h;
  if (!window_of_group (win, b, h))
    return;   // uniform across the workgroup
  int wy0, wx0;
  window_origin (win, wy0, wx0);
  int C4 = p.C / 4, N4 = 3 * C4;
  int base = b * p.H * p.W;
  int tok = -1, ty = 0, tx = 0;

  if (t < n) {
    ty = t / p.ws;
    tx = t % p.ws;
    tok = window_token(wy0 + ty, wx0 + tx);
  }
  int src = (base + tok) * C4;
  float mean = 0.0, rstd = 0.0;
  if (tok >= 0) {
    vec4 s = vec4(0.0);
    for (int k4 = 0; k4 < C4; k4++)
      s += texelFetch(x, src + k4);
    mean = (s.x + s.y + s.z + s.w) / float(p.C);
    vec4 d2 = vec4(0.0);
    for (int k4 = 0; k4 < C4; k4++) {
      vec4 d = texelFetch(x, src + k4) - mean;
      d2 += d * d;
    }
    rstd = inversesqrt((d2.x + d2.y + d2.z + d2.w) / float(p.C) + SWIN_LAYERNORM_EPS);
  }

  // This invocation's part of the row: columns part * C4 + h * HD4 ... of W.
  int col = part * HD4;
  vec4 r[HD4];
  for (int d = 0; d < HD4; d++)
    r[d] = vec4(0.0);
  // Every invocation takes part in the staging and its barriers, padding
  // tokens and idle ones too.
  for (int k0 = 0; k0 < C4; k0 += KC4) {
    int kn = min(KC4, C4 - k0);
    barrier();   // the previous chunk is read
    for (int i = int(gl_LocalInvocationID.x); i < 4 * kn * 3 * HD4; i += int(gl_WorkGroupSize.x)) {
      int kk = i / (3 * HD4), j = i % (3 * HD4);
      wchunk[kk][j] = texelFetch(W, (4 * k0 + kk) * N4 + (j / HD4) * C4 + h * HD4 + j % HD4);
    }
    barrier();
    if (tok >= 0)
      for (int c = 0; c < kn; c++) {
        vec4 a = (texelFetch(x, src + k0 + c) - mean) * rstd;
        for (int e = 0; e < 4; e++)
          for (int d = 0; d < HD4; d++)
            r[d] += a[e] * wchunk[4 * c + e][col + d];
      }
  }

  if (t < n) {
    int c0 = part * C4 + h * HD4;
    for (int d = 0; d < HD4; d++)
      r[d] = tok < 0 ? texelFetch(qkv_bias, c0 + d) : r[d] + gemm_bias[c0 + d];
    stage_part (part, t, h, r);
    if (part == 0)
      stage_region (t, ty, tx, wy0, wx0);
  }
  barrier();
  if (part != 0 || tok < 0)
    return;   // keys, values, padding tokens and idle invocations: nothing to store (no barrier follows)
  attend (t, ty, tx, tok, base, h, r);
}
