// SPDX-License-Identifier: LGPL-2.1-or-later
// The attention of one window and head with its keys and values staged in
// shared memory, for the kernels that run a window per workgroup, an
// invocation per query token (attention_wg.comp, attention_qkv.comp).  They
// declare WN and HD4 and include attention_common.glsl first.
shared vec4 ks[WN][HD4];
shared vec4 vs[WN][HD4];
shared int regions[WN];

// Stages part @part of token t's q | k | v row @r of the head @h: a key
// (normalised once here for every query that reads it) or a value in shared
// memory; a query is scaled and stays with the caller.
void stage_part (int part, int t, int h, inout vec4 r[HD4])
{
  float rr = 0.0;
  for (int d = 0; d < HD4; d++)
    rr += dot(r[d], r[d]);
  float f = part == 0 ? query_factor(h, rr) : part == 1 ? key_factor(rr) : 1.0;
  for (int d = 0; d < HD4; d++) {
    r[d] *= f;
    if (part == 1)
      ks[t][d] = r[d];
    else if (part == 2)
      vs[t][d] = r[d];
  }
}

// Stages the shift-mask region of token (ty, tx) of the window at (wy0, wx0).
void stage_region (int t, int ty, int tx, int wy0, int wx0)
{
  regions[t] = window_region(wy0 + ty, wx0 + tx);
}

// Query token t's output, softmax(q K^T + bias + mask) V over the staged
// window, stored as token @tok of the image whose first token is @base.
void attend (int t, int ty, int tx, int tok, int base, int h, vec4 q[HD4])
{
  int n = p.ws * p.ws;
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
  int dst = (base + tok) * (p.C / 4) + h * HD4;
  for (int d = 0; d < HD4; d++)
    outv[dst + d] = o[d];
}
