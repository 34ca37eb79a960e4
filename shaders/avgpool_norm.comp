#version 450
// SPDX-License-Identifier: LGPL-2.1-or-later
// The final LayerNorm and the global average pool in one pass, so that the
// normalised tokens are never stored:
//   out[b, c] = gamma[c] * mean_t((x[b, t, c] - mean_t) * rstd_t) + beta[c].
// One workgroup per image.  Its invocations find the statistics of up to
// TOKENS tokens at a time (a token each, two-pass as layernorm.comp) in
// shared memory, then each adds up its channel texels over those tokens.
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;  // swin_op_variants.c
#include "grid.glsl"   // after the workgroup size it reads
layout(constant_id = 3) const int CPI = 1;   // channel texels per invocation (swin_op_variants.c)

layout(binding = 0) uniform textureBuffer x;       // [B, L, C] as rgba32f texels
layout(binding = 1) uniform textureBuffer gamma;
layout(binding = 2) uniform textureBuffer beta;
layout(binding = 3) writeonly buffer Out { vec4 outv[]; };

#include "avgpool_norm_push.h"
#include "swin_layernorm_eps.h"

const int TOKENS = 64;
shared vec2 stats[TOKENS];   // (mean, 1 / std) of the chunk's tokens

void main ()
{
  int b = int(swin_group_yz ());
  if (b >= p.batch)
    return;   // uniform across the workgroup
  int tid = int(gl_LocalInvocationID.x), threads = int(gl_WorkGroupSize.x);
  int C4 = p.C / 4;
  vec4 acc[CPI];
  for (int g = 0; g < CPI; g++)
    acc[g] = vec4(0.0);

  for (int t0 = 0; t0 < p.L; t0 += TOKENS) {
    int n = min(TOKENS, p.L - t0);
    for (int t = tid; t < n; t += threads) {
      int row = (b * p.L + t0 + t) * C4;
      vec4 s = vec4(0.0);
      for (int c = 0; c < C4; c++)
        s += texelFetch(x, row + c);
      float mean = (s.x + s.y + s.z + s.w) / float(p.C);
      vec4 v = vec4(0.0);
      for (int c = 0; c < C4; c++) {
        vec4 d = texelFetch(x, row + c) - mean;
        v += d * d;
      }
      stats[t] = vec2(mean, inversesqrt((v.x + v.y + v.z + v.w) / float(p.C) + SWIN_LAYERNORM_EPS));
    }
    barrier();
    for (int g = 0; g < CPI; g++) {
      int c = tid + g * threads;
      if (c < C4)
        for (int t = 0; t < n; t++)
          acc[g] += (texelFetch(x, (b * p.L + t0 + t) * C4 + c) - stats[t].x) * stats[t].y;
    }
    barrier();   // the next chunk's statistics overwrite these
  }
  for (int g = 0; g < CPI; g++) {
    int c = tid + g * threads;
    if (c < C4)
      outv[b * C4 + c] = acc[g] / float(p.L) * texelFetch(gamma, c) + texelFetch(beta, c);
  }
}
