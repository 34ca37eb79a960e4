// SPDX-License-Identifier: LGPL-2.1-or-later
// What gemm.comp and gemm_tiled.comp share beyond their bindings: how a row
// of A is addressed and, with NORM_A, its LayerNorm statistics.  Both
// declare the specialisation constants NORM_A, GATHER and PATCHES before
// including it.
//
// GATHER: A's rows are Swin's 2x2 patch-merging gather, read where they lie
// in the gather_h x gather_w map of K/4 channels instead of being copied
// first: row m = (image, i, j) is the concatenation of the map's pixels
// (2i, 2j), (2i+1, 2j), (2i, 2j+1), (2i+1, 2j+1), each a "part" of K/4 values.
//
// PATCHES: A's rows are the patch embedding's P x P patches (P = p.patch_size, a
// multiple of 4) of a gather_h x gather_w image of K / P^2 channels (NCHW),
// read where they lie instead of being copied by an im2col pass first: row
// m = (image, ty, tx) holds K values in the convolution weight's (ci, ky, kx)
// order, so its part q = (ci, ky) is the P / 4 texels of channel ci's image
// row ty * P + ky from column tx * P.
//
// NORM_A: A's rows are LayerNorm-normalised as the GEMM reads them, the
// LayerNorm's gamma and beta being folded into W and the bias at load time
// (swin_pack_fold_layernorm()): with mean and rstd of the row,
//   out[n] = rstd * (sum_k a_k W'[n][k] - mean * sum_k W'[n][k]) + b'[n],
// so the GEMM needs only the row's sum and sum of squares, accumulated from
// the texels it fetches anyway, and the column sums, which follow the bias.
#include "swin_layernorm_eps.h"

// Parts of a row: K4 / a_parts() texels each, at a_row_base() + a_part_offset()
// (or as AWalk steps through them).
int a_parts ()
{
  return GATHER ? 4 : PATCHES ? p.K / p.patch_size : 1;
}

// Texel index of row m's first part.
int a_row_base (int m, int K4P)
{
  if (GATHER) {
    int w2 = p.gather_w / 2, hw2 = (p.gather_h / 2) * w2;
    int b = m / hw2, i = (m % hw2) / w2, j = m % w2;
    return ((b * p.gather_h + 2 * i) * p.gather_w + 2 * j) * K4P;
  }
  if (PATCHES) {
    int P = p.patch_size, wt = p.gather_w / P, hwt = (p.gather_h / P) * wt;
    int b = m / hwt, ty = (m % hwt) / wt, tx = m % wt;
    return (b * (p.K / (P * P)) * p.gather_h + ty * P) * (p.gather_w / 4) + tx * K4P;
  }
  return m * K4P;
}

// Texel offset of part q from its row's first part (K4P texels a part).
int a_part_offset (int q, int K4P)
{
  if (GATHER)
    return ((q & 1) * p.gather_w + (q >> 1)) * K4P;
  if (PATCHES)   // q = ci * P + ky: image row ci * H + ky further on
    return ((q / p.patch_size) * p.gather_h + q % p.patch_size) * (p.gather_w / 4);
  return 0;
}

// A walk along a row's texels, part by part, for kernels whose every k step
// reads many rows at the same offset from their first part: the part is
// followed, not found by dividing the step by K4P (llvmpipe divides lane by
// lane).  Only the patch embedding's part offset divides, by P, and its parts
// are a texel or two.
struct AWalk {
  int kk, q;   // texel kk of part q
};

AWalk a_walk_start ()
{
  return AWalk(0, 0);
}

// The current texel's offset from the row's first part; then steps on.
int a_walk_next (inout AWalk w, int K4P)
{
  int o = a_part_offset(w.q, K4P) + w.kk;
  if (++w.kk == K4P) {
    w.kk = 0;
    w.q++;
  }
  return o;
}

// Texel index of the first texel of part q of A's row m.
int a_part_base (int m, int q, int K4P)
{
  return a_row_base(m, K4P) + a_part_offset(q, K4P);
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
