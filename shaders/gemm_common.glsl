// SPDX-License-Identifier: LGPL-2.1-or-later
// What gemm.comp and gemm_tiled.comp share beyond their bindings: how a row
// of A is addressed and, with NORM_A, its LayerNorm statistics.  Both
// declare the specialisation constants NORM_A and GATHER before including it.
//
// GATHER: A's rows are Swin's 2x2 patch-merging gather, read where they lie
// in the gather_h x gather_w map of K/4 channels instead of being copied
// first: row m = (image, i, j) is the concatenation of the map's pixels
// (2i, 2j), (2i+1, 2j), (2i, 2j+1), (2i+1, 2j+1), each a "part" of K/4 values.
//
// NORM_A: A's rows are LayerNorm-normalised as the GEMM reads them, the
// LayerNorm's gamma and beta being folded into W and the bias at load time
// (swin_pack_fold_layernorm()): with mean and rstd of the row,
//   out[n] = rstd * (sum_k a_k W'[n][k] - mean * sum_k W'[n][k]) + b'[n],
// so the GEMM needs only the row's sum and sum of squares, accumulated from
// the texels it fetches anyway, and the column sums, which follow the bias.
#include "swin_layernorm_eps.h"

const int PARTS = GATHER ? 4 : 1;

// Texel index of the first texel of part q of A's row m (K4P texels a part).
int a_part_base (int m, int q, int K4P)
{
  if (!GATHER)
    return m * K4P;
  int w2 = p.gather_w / 2, hw2 = (p.gather_h / 2) * w2;
  int b = m / hw2, i = (m % hw2) / w2, j = m % w2;
  return ((b * p.gather_h + 2 * i + (q & 1)) * p.gather_w + 2 * j + (q >> 1)) * K4P;
}

// A texel's contribution to its row's (sum, sum of squares).
vec2 row_moments (vec4 a)
{
  return vec2(a.x + a.y + a.z + a.w, dot(a, a));
}

// The row's (mean, 1 / std) from its K values' moments.  The one-pass
// variance loses precision only where the mean is large against the spread,
// which a LayerNorm's inputs in Swin are not (the model tests hold the logits
// to torchvision's).
vec2 row_norm (vec2 moments)
{
  float mean = moments.x / float(p.K);
  float var = max(moments.y / float(p.K) - mean * mean, 0.0);
  return vec2(mean, inversesqrt(var + SWIN_LAYERNORM_EPS));
}

// Columns 4 * n4 .. 4 * n4 + 3 of output row m, from @acc (the sum over K
// of a * W), the bias texel @b and, with NORM_A, the column sums @colsum of
// W and the row's (mean, 1 / std) @norm: activation, then stored or added
// (a residual).
void store_out (int m, int n4, vec4 acc, vec4 b, vec4 colsum, vec2 norm)
{
  vec4 v = NORM_A ? norm.y * (acc - norm.x * colsum) + b : acc + b;
  if (p.act == 1)
    v = gelu4(v);
  if (VEC_OUT) {
    int o = m * (p.N / 4) + n4;
    outv4[o] = p.accumulate == 1 ? outv4[o] + v : v;
  } else {
    for (int e = 0; e < 4 && 4 * n4 + e < p.N; e++) {
      int o = m * p.N + 4 * n4 + e;
      outv[o] = p.accumulate == 1 ? outv[o] + v[e] : v[e];
    }
  }
}
