#version 450
// SPDX-License-Identifier: LGPL-2.1-or-later
// out[r, :] = LayerNorm(x_r) * gamma + beta (+ addend[r % L, :]), one row per
// invocation, two-pass mean/variance (SWIN_LAYERNORM_EPS, biased variance, as PyTorch).
// With merge = 1, row r of the output is the 2x2 patch-merging gather of an
// H x W map of Cin = C/4 channels, in the order x00, x10, x01, x11.
// Everything moves as vec4 (C % 4 == 0): on lavapipe the cost is per fetch.
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;  // swin_op_variants.c
#include "grid.glsl"   // after the workgroup size it reads
layout(constant_id = 3) const int C4 = 24;          // channels / 4 when CACHED, else 1
layout(constant_id = 4) const bool CACHED = true;   // the row fits the private cache
#include "layernorm_common.glsl"
#include "swin_layernorm_eps.h"

void main ()
{
  uint ru = swin_invocation_xy ();
  int n4 = p.C / 4;
  if (ru >= uint(p.rows))
    return;
  int r = int(ru);
  // The row is fetched once into private memory where it fits: every fetch
  // is costly on lavapipe, and the two-pass statistics would otherwise read
  // it thrice.  Long rows (a GPU's local memory limit) read it again.
  vec4 xs[C4];
  vec4 s = vec4(0.0);
  for (int c = 0; c < n4; c++) {
    vec4 t = texelFetch(x, src_index(r, c));
    if (CACHED)
      xs[c] = t;
    s += t;
  }
  float mean = (s.x + s.y + s.z + s.w) / float(p.C);
  vec4 v = vec4(0.0);
  for (int c = 0; c < n4; c++) {
    vec4 d = (CACHED ? xs[c] : texelFetch(x, src_index(r, c))) - mean;
    v += d * d;
  }
  float rstd = inversesqrt((v.x + v.y + v.z + v.w) / float(p.C) + SWIN_LAYERNORM_EPS);
  for (int c = 0; c < n4; c++) {
    vec4 o = ((CACHED ? xs[c] : texelFetch(x, src_index(r, c))) - mean) * rstd * gamma[c] + beta[c];
    if (p.has_add == 1)
      o += addend[(r % p.L) * n4 + c];
    outv[r * n4 + c] = o;
  }
}
