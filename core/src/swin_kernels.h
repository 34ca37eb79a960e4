/* Recording of each compute kernel into a SwinCmd (internal to core).
 * Every function checks its arguments against the kernel's limits and
 * returns FALSE with @error set on failure. */
#pragma once

#include "vk_pipeline.h"
#include "swin_geometry.h"

/* Floats of a Linear weight [N, K] packed for the GEMM: [K][ceil(N/4) * 4]. */
size_t swin_packed_linear_size (int N, int K);
/* Packs @w [N, K] (PyTorch layout) into @dst, zero-padding the columns. */
void swin_pack_linear (const float *w, int N, int K, float *dst);
/* The same packing in fp16 (round to nearest even), for fp16 weight storage. */
void swin_pack_linear_f16 (const float *w, int N, int K, guint16 *dst);
/* Floats of a bias [N] padded for the GEMM: ceil(N/4) * 4. */
size_t swin_packed_bias_size (int N);

/* out[M, N] (=|+=) act(a[M, K] * W^T + bias).  @a: M*K floats, K % 4 == 0;
 * @w: packed (swin_pack_linear); @bias: swin_packed_bias_size(N) floats. */
gboolean swin_k_gemm (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *a, const SwinBinding *w,
                      const SwinBinding *bias, const SwinBinding *out, int M, int N, int K,
                      gboolean gelu, gboolean accumulate, GError **error);

/* LayerNorm of @rows rows of @C channels into @out; with @merge_h > 0 the
 * rows are the 2x2 patch-merging gather of an merge_h x merge_w map of C/4
 * channels; with @add, + add[(r % add_rows) * C + c]. */
gboolean swin_k_layernorm (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *in,
                           const SwinBinding *gamma, const SwinBinding *beta, const SwinBinding *out,
                           int rows, int C, int merge_h, int merge_w,
                           const SwinBinding *add, int add_rows, GError **error);

/* Patches of the NCHW @img [B, Cin, H, W] as rows [B * H/P * W/P, Cin * P * P]:
 * the patch embedding is then a GEMM with the conv weight as a Linear. */
gboolean swin_k_im2col (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *img, const SwinBinding *out,
                        int B, int Cin, int H, int W, int P, GError **error);

/* Window attention from qkv [B, H*W, 3C] into out [B, H*W, C]. */
gboolean swin_k_attention (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *qkv,
                           const SwinBinding *qkv_bias, const SwinBinding *table,
                           const SwinBinding *out, int B, const SwinAttnGeom *g, int heads,
                           GError **error);

gboolean swin_k_avgpool (SwinCmd *cmd, SwinContext *ctx, const SwinBinding *in,
                         const SwinBinding *out, int B, int L, int C, GError **error);
