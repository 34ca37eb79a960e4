/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Weight packing for the GEMM kernels (internal to core). */
#pragma once

#include <glib.h>

/* Floats of a Linear weight [N, K] packed for the GEMM: [K][ceil(N/4) * 4]. */
size_t swin_packed_linear_size (int N, int K);
/* Packs @w [N, K] (PyTorch layout) into @dst, zero-padding the columns. */
void swin_pack_linear (const float *w, int N, int K, float *dst);
/* The same packing in fp16 (round to nearest even), for fp16 weight storage. */
void swin_pack_linear_f16 (const float *w, int N, int K, guint16 *dst);
/* Floats of a bias [N] padded for the GEMM: ceil(N/4) * 4. */
size_t swin_packed_bias_size (int N);

/* A Linear [N, K] (@w, @b: NULL for none) that reads the output of a
 * LayerNorm (@gamma, @beta [K]), rewritten to read the normalised rows
 * before the scale and shift (the GEMM's norm_a): @w_out [N, K] = w * gamma
 * along K; @bias_out [2 * swin_packed_bias_size(N)]: b + w * beta, padded,
 * then each output column's sum of w_out as the GEMM will hold it (rounded
 * to fp16 first with @half, the weights' storage), padded. */
void swin_pack_fold_layernorm (const float *w, const float *b, int N, int K, const float *gamma,
                               const float *beta, gboolean half, float *w_out, float *bias_out);
