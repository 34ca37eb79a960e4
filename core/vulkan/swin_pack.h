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
