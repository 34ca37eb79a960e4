#version 450
// SPDX-License-Identifier: LGPL-2.1-or-later
// Global average pool over tokens: out[b, c] = mean_t x[b, t, c].
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;  // swin_op.c
#include "grid.glsl"   // after the workgroup size it reads

layout(binding = 0) readonly buffer In { float x[]; };
layout(binding = 1) writeonly buffer Out { float outv[]; };

#include "avgpool_push.h"

void main ()
{
  uint iu = swin_invocation_xy ();
  if (iu >= uint(p.batch * p.C))
    return;
  int i = int(iu);
  int b = i / p.C, c = i % p.C;
  float s = 0.0;
  for (int t = 0; t < p.L; t++)
    s += x[(b * p.L + t) * p.C + c];
  outv[i] = s / float(p.L);
}
