#version 450
// out[r, :] = LayerNorm(x_r) * gamma + beta (+ addend[r % L, :]), one row per
// invocation, two-pass mean/variance (eps 1e-5, biased variance, as PyTorch).
// With merge = 1, row r of the output is the 2x2 patch-merging gather of an
// H x W map of Cin = C/4 channels, in the order x00, x10, x01, x11.
// Everything moves as vec4 (C % 4 == 0): on lavapipe the cost is per fetch.
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 64) in;
#include "layernorm_common.glsl"

void main ()
{
  int r = int(gl_GlobalInvocationID.x);
  int C4 = p.C / 4;
  if (r >= p.rows)
    return;
  vec4 s = vec4(0.0);
  for (int c = 0; c < C4; c++)
    s += texelFetch(x, src_index(r, c));
  float mean = (s.x + s.y + s.z + s.w) / float(p.C);
  vec4 v = vec4(0.0);
  for (int c = 0; c < C4; c++) {
    vec4 d = texelFetch(x, src_index(r, c)) - mean;
    v += d * d;
  }
  float rstd = inversesqrt((v.x + v.y + v.z + v.w) / float(p.C) + 1e-5);
  for (int c = 0; c < C4; c++)
    store_row_texel(r, c, mean, rstd);
}
