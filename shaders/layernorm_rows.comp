#version 450
// SPDX-License-Identifier: LGPL-2.1-or-later
// The LayerNorm of layernorm.comp for GPUs: one workgroup per row, so that
// few long rows (patch merging, late stages) still fill the device.  The
// sums are reduced through shared memory (portable to any subgroup size).
// Rows are numbered across a 2D grid (grid.glsl).
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;  // swin_op_variants.c
#include "grid.glsl"   // after the workgroup size it reads
#include "layernorm_common.glsl"
#include "swin_layernorm_eps.h"

const int T = int(gl_WorkGroupSize.x);   // a power of two
shared float partial[T];

float workgroup_sum (float v)
{
  int t = int(gl_LocalInvocationID.x);
  partial[t] = v;
  barrier();
  for (int s = T / 2; s > 0; s >>= 1) {
    if (t < s)
      partial[t] += partial[t + s];
    barrier();
  }
  float total = partial[0];
  barrier();
  return total;
}

void main ()
{
  int r = int(swin_group_xy ());
  int t = int(gl_LocalInvocationID.x);
  int C4 = p.C / 4;
  if (r >= p.rows)
    return;   // uniform across the workgroup: no barrier is skipped by part of it
  vec4 s = vec4(0.0);
  for (int c = t; c < C4; c += T)
    s += texelFetch(x, src_index(r, c));
  float mean = workgroup_sum(s.x + s.y + s.z + s.w) / float(p.C);
  vec4 v = vec4(0.0);
  for (int c = t; c < C4; c += T) {
    vec4 d = texelFetch(x, src_index(r, c)) - mean;
    v += d * d;
  }
  float rstd = inversesqrt(workgroup_sum(v.x + v.y + v.z + v.w) / float(p.C) + SWIN_LAYERNORM_EPS);
  for (int c = t; c < C4; c += T)
    store_row_texel(r, c, mean, rstd);
}
