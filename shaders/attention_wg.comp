#version 450
// SPDX-License-Identifier: LGPL-2.1-or-later
#extension GL_GOOGLE_include_directive : require
// The window attention of attention.comp for GPUs: one workgroup per
// (window, batch * heads), one invocation per query token.  Each invocation
// first stages its own token's key and value (and mask region) in shared
// memory, so the key loops read shared memory instead of fetching every
// key again for every query.  Bindings, push constants and the folded
// shift/padding/partition are attention.comp's (attention_common.glsl).
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;  // swin_op_variants.c  // x >= WN
layout(constant_id = 3) const int WN = 49;   // tokens per window
layout(constant_id = 4) const int HD4 = 8;   // head dim / 4

#include "attention_common.glsl"

shared vec4 ks[WN][HD4];
shared vec4 vs[WN][HD4];
shared int regions[WN];

void main ()
{
  int n = p.ws * p.ws;
  int t = int(gl_LocalInvocationID.x);
  int win, b, h;
  if (!window_of_group (win, b, h))
    return;   // uniform across the workgroup
  int nww = p.Wp / p.ws;
  int wy0 = (win / nww) * p.ws, wx0 = (win % nww) * p.ws;
  int C4 = p.C / 4, row4 = 3 * C4;
  int base = b * p.H * p.W;
  int tok = -1, ty = 0, tx = 0;
  vec4 q[HD4];

  if (t < n) {
    ty = t / p.ws;
    tx = t % p.ws;
    int sy = unroll(wy0 + ty, p.shift_h, p.Hp), sx = unroll(wx0 + tx, p.shift_w, p.Wp);
    tok = (sy < p.H && sx < p.W) ? sy * p.W + sx : -1;
    int src = (base + tok) * row4 + h * HD4;
    vec4 k[HD4];
    float qq = 0.0, kk = 0.0;
    for (int d = 0; d < HD4; d++) {
      q[d] = tok < 0 ? texelFetch(qkv_bias, h * HD4 + d) : texelFetch(qkv, src + d);
      k[d] = tok < 0 ? texelFetch(qkv_bias, C4 + h * HD4 + d) : texelFetch(qkv, src + C4 + d);
      vs[t][d] = tok < 0 ? texelFetch(qkv_bias, 2 * C4 + h * HD4 + d) : texelFetch(qkv, src + 2 * C4 + d);
      qq += dot(q[d], q[d]);
      kk += dot(k[d], k[d]);
    }
    // each token's key is normalised once, here, for every query that reads it
    float qf = query_factor(h, qq), kf = key_factor(kk);
    for (int d = 0; d < HD4; d++) {
      q[d] *= qf;
      ks[t][d] = k[d] * kf;
    }
    regions[t] = region(wy0 + ty, p.Hp, p.shift_h) * 3 + region(wx0 + tx, p.Wp, p.shift_w);
  }
  barrier();
  if (tok < 0)
    return;   // padding tokens and idle invocations: nothing to store (no barrier follows)

  bool masked = p.shift_h > 0 || p.shift_w > 0;
  int tw = 2 * p.M - 1;
  float s[WN];
  float mx = -3.0e38;
  for (int j = 0; j < n; j++) {
    float acc = 0.0;
    for (int d = 0; d < HD4; d++)
      acc += dot(q[d], ks[j][d]);
    int jy = j / p.ws, jx = j - jy * p.ws;
    acc += texelFetch(table, ((ty - jy + p.M - 1) * tw + tx - jx + p.M - 1) * p.heads + h).r;
    if (masked && regions[j] != regions[t])
      acc -= 100.0;
    s[j] = acc;
    mx = max(mx, acc);
  }
  float sum = 0.0;
  for (int j = 0; j < n; j++) {
    s[j] = exp(s[j] - mx);
    sum += s[j];
  }
  float inv = 1.0 / sum;
  vec4 o[HD4];
  for (int d = 0; d < HD4; d++)
    o[d] = vec4(0.0);
  for (int j = 0; j < n; j++)
    for (int d = 0; d < HD4; d++)
      o[d] += (s[j] * inv) * vs[j][d];
  int dst = (base + tok) * C4 + h * HD4;
  for (int d = 0; d < HD4; d++)
    outv[dst + d] = o[d];
}
