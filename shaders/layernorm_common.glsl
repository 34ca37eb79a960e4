// SPDX-License-Identifier: LGPL-2.1-or-later
// Bindings, push constants and the gather of the LayerNorm kernels
// (layernorm.comp: a row per invocation; layernorm_rows.comp: a row per workgroup).
layout(binding = 0) uniform textureBuffer x;       // rgba32f texels
layout(binding = 1) readonly buffer Gamma { vec4 gamma[]; };
layout(binding = 2) readonly buffer Beta { vec4 beta[]; };
layout(binding = 3) writeonly buffer Out { vec4 outv[]; };
layout(binding = 4) readonly buffer Add { vec4 addend[]; };

#include "layernorm_push.h"

// Texel index of channels 4*c4 .. 4*c4+3 of output row r.
int src_index (int r, int c4)
{
  if (p.merge == 0)
    return r * (p.C / 4) + c4;
  int cin4 = p.C / 16;
  int w2 = p.W / 2, hw2 = (p.H / 2) * w2;
  int b = r / hw2, i = (r % hw2) / w2, j = r % w2;
  int part = c4 / cin4;
  int y = 2 * i + (part & 1), xx = 2 * j + (part >> 1);
  return ((b * p.H + y) * p.W + xx) * cin4 + c4 % cin4;
}

// Normalises, scales and shifts texel c4 of row r and stores it.
void store_row_texel (int r, int c4, float mean, float rstd)
{
  int C4 = p.C / 4;
  vec4 o = (texelFetch(x, src_index(r, c4)) - mean) * rstd * gamma[c4] + beta[c4];
  if (p.has_add == 1)
    o += addend[(r % p.L) * C4 + c4];
  outv[r * C4 + c4] = o;
}
