#version 450
// SPDX-License-Identifier: LGPL-2.1-or-later
// Patch extraction for the patch embedding, which then runs as a GEMM with
// K = Cin * P * P: out[b * Ht * Wt + t, (ci * P + ky) * P + kx] =
// img[b, ci, ty * P + ky, tx * P + kx].  One output value per invocation.
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;  // swin_op_variants.c
#include "grid.glsl"   // after the workgroup size it reads

layout(binding = 0) uniform textureBuffer img;   // NCHW
layout(binding = 1) writeonly buffer Out { float outv[]; };

#include "im2col_push.h"

void main ()
{
  int Ht = p.H / p.P, Wt = p.W / p.P, K = p.Cin * p.P * p.P;
  uint iu = swin_invocation_xy ();
  if (iu >= uint(p.batch * Ht * Wt * K))
    return;
  int i = int(iu);
  int t = i / K, k = i % K;
  int b = t / (Ht * Wt), ty = (t % (Ht * Wt)) / Wt, tx = t % Wt;
  int ci = k / (p.P * p.P), ky = (k / p.P) % p.P, kx = k % p.P;
  outv[i] = texelFetch(img, ((b * p.Cin + ci) * p.H + ty * p.P + ky) * p.W + tx * p.P + kx).r;
}
