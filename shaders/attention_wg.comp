#version 450
// SPDX-License-Identifier: LGPL-2.1-or-later
#extension GL_GOOGLE_include_directive : require
// The window attention of attention.comp for GPUs: one workgroup per
// (window, batch * heads), one invocation per query token.  Each invocation
// first stages its own token's key and value (and mask region) in shared
// memory, so the key loops read shared memory instead of fetching every
// key again for every query (attention_window.glsl).  Bindings, push
// constants and the folded shift/padding/partition are attention.comp's
// (attention_common.glsl).
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;  // swin_op_variants.c  // x >= WN
layout(constant_id = 3) const int WN = 49;   // tokens per window
layout(constant_id = 4) const int HD4 = 8;   // head dim / 4

layout(binding = 0) uniform textureBuffer qkv;
#include "attention_common.glsl"
#include "attention_window.glsl"

void main ()
{
  int n = p.ws * p.ws;
  int t = int(gl_LocalInvocationID.x);
  int win, b, h;
  if (!window_of_group (win, b, h))
    return;   // uniform across the workgroup
  int wy0, wx0;
  window_origin (win, wy0, wx0);
  int C4 = p.C / 4, row4 = 3 * C4;
  int base = b * p.H * p.W;
  int tok = -1, ty = 0, tx = 0;
  vec4 q[HD4];

  if (t < n) {
    ty = t / p.ws;
    tx = t % p.ws;
    tok = window_token(wy0 + ty, wx0 + tx);
    int src = (base + tok) * row4 + h * HD4;
    vec4 k[HD4], v[HD4];
    for (int d = 0; d < HD4; d++) {
      q[d] = tok < 0 ? texelFetch(qkv_bias, h * HD4 + d) : texelFetch(qkv, src + d);
      k[d] = tok < 0 ? texelFetch(qkv_bias, C4 + h * HD4 + d) : texelFetch(qkv, src + C4 + d);
      v[d] = tok < 0 ? texelFetch(qkv_bias, 2 * C4 + h * HD4 + d) : texelFetch(qkv, src + 2 * C4 + d);
    }
    stage_part (0, t, h, q);
    stage_part (1, t, h, k);
    stage_part (2, t, h, v);
    stage_region (t, ty, tx, wy0, wx0);
  }
  barrier();
  if (tok < 0)
    return;   // padding tokens and idle invocations: nothing to store (no barrier follows)
  attend (t, ty, tx, tok, base, h, q);
}
