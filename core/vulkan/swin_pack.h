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
/* Folds the affine part of a LayerNorm into the Linear that follows it, so
 * that the GEMM only normalises its input rows (swin_k_gemm_full() with row
 * statistics): Linear(LN(x)) = norm(x) * (w diag(gamma))^T + (b + w beta).
 * @w [N, K], @b [N] (NULL: zeros), @gamma, @beta [K]; writes @w_out [N, K]
 * and @b_out [N]. */
void swin_pack_fold_layernorm (const float *w, const float *b, const float *gamma, const float *beta,
                               int N, int K, float *w_out, float *b_out);
