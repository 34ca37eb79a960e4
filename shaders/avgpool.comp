#version 450
// SPDX-License-Identifier: LGPL-2.1-or-later
// Global average pool over tokens: out[b, c] = mean_t x[b, t, c].
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;  // swin_kernels.c

layout(binding = 0) readonly buffer In { float x[]; };
layout(binding = 1) writeonly buffer Out { float outv[]; };

layout(push_constant) uniform P {
  int batch, L, C;
} p;

void main ()
{
  int i = int(gl_GlobalInvocationID.x);
  if (i >= p.batch * p.C)
    return;
  int b = i / p.C, c = i % p.C;
  float s = 0.0;
  for (int t = 0; t < p.L; t++)
    s += x[(b * p.L + t) * p.C + c];
  outv[i] = s / float(p.L);
}
