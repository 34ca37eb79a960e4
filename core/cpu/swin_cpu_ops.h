/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CPU reference of every kernel and of the whole forward.  Written for
 * clarity, in the order the PyTorch reference computes things; the Vulkan
 * kernels are tested against these functions. */
#pragma once

#include "swin_geometry.h"

/* out[M, N] = x[M, K] * w[N, K]^T + b[N] (b may be NULL). */
void swin_cpu_linear (const float *x, int M, int K, const float *w, const float *b, int N, float *out);
/* Exact erf GELU, in place. */
void swin_cpu_gelu (float *x, size_t n);
/* LayerNorm of @rows rows of @C channels (eps SWIN_LAYERNORM_EPS, shaders/swin_layernorm_eps.h). */
void swin_cpu_layernorm (const float *x, int rows, int C, const float *gamma, const float *beta, float *out);
/* 2x2 patch-merging gather of a [B, H, W, C] map into [B, H/2 * W/2, 4C]
 * (x[0::2,0::2], x[1::2,0::2], x[0::2,1::2], x[1::2,1::2]). */
void swin_cpu_merge_gather (const float *x, int B, int H, int W, int C, float *out);
/* PxP stride-P convolution of NCHW @img [B, Cin, H, W] into tokens [B, H/P * W/P, C]. */
void swin_cpu_patch_embed (const float *img, int B, int Cin, int H, int W, int P,
                           const float *w, const float *b, int C, float *out);
/* Window multi-head self-attention of the map @y [B, H*W, C]: pad to whole
 * windows, roll by -shift, partition, qkv, softmax(q k^T * scale + bias +
 * mask) v, merge windows, roll back, crop.  With @cosine_scale (Swin V2's
 * scaled cosine attention, [heads]) the logits are instead
 * normalize(q) normalize(k)^T * cosine_scale[h] + bias + mask.  The output
 * projection is not applied.  out: [B, H*W, C]. */
void swin_cpu_window_msa (const float *y, int B, const SwinAttnGeom *g, int heads,
                          const float *qkv_w, const float *qkv_b, const float *table,
                          const float *cosine_scale, float *out);
/* out[b, c] = mean over the L tokens of x[b, :, c]. */
void swin_cpu_avgpool (const float *x, int B, int L, int C, float *out);
