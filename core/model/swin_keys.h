/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The tensors of a Swin checkpoint: key names per layout, expected shapes,
 * and how random initialisation fills them.  One list shared by the loader
 * (which checks and fills a SwinModel) and swin_model_init_random() (which
 * writes it), so that the two cannot disagree. */
#pragma once

#include "swin_model_private.h"

G_BEGIN_DECLS

/* Bounds that keep every derived size (C << stage, grids, products) far
 * from integer overflow; real models are orders of magnitude below. */
#define SWIN_ARCH_MAX_EMBED_DIM 65536
#define SWIN_ARCH_MAX_PATCH_SIZE 64
#define SWIN_ARCH_MAX_IMG_SIZE 65536
#define SWIN_ARCH_MAX_WINDOW 4096
#define SWIN_ARCH_MAX_DEPTH 1024

typedef enum {
  SWIN_FILL_TRUNC_NORMAL,  /* std 0.02, cut at 2 std: weights, bias tables */
  SWIN_FILL_ZEROS,         /* biases */
  SWIN_FILL_ONES,          /* LayerNorm weights */
  SWIN_FILL_LOG10,         /* V2's logit scales: log(10), as every source initialises them */
} SwinFill;

typedef struct {
  char *name;
  int ndim;
  int64_t shape[4];
  int64_t numel;
  SwinFill fill;
  float **dst;             /* with a model: where the loaded tensor goes */
} SwinTensorSpec;

/* Every tensor of @arch under the key names of @arch->layout, in an order
 * that does not depend on the layout (patch embedding, absolute position
 * embedding, then per stage its blocks and the merging that follows it, final
 * norm, head).  @model: NULL, or a model whose stages[s].blocks are allocated
 * (arch->depths[s] entries); dst then points into it.  Free with
 * g_array_unref(). */
GArray *swin_tensor_specs_new (const SwinArch *arch, SwinModel *model);

/* Key of block @block of stage @stage's @module (names as the original
 * repository's: "norm1", "attn.qkv", "mlp.fc1"...) and @param (".weight",
 * "" for a buffer), in @layout. */
char *swin_key_block (SwinLayout layout, int stage, int block, const char *module, const char *param);
/* Keys of the patch embedding's convolution or (@norm) LayerNorm. */
const char *swin_key_patch (SwinLayout layout, gboolean norm, gboolean bias);
/* Keys of the classification head. */
const char *swin_key_head (SwinLayout layout, gboolean bias);

/* Key of the buffer that torchvision stores next to each bias table. */
char *swin_key_relative_position_index (SwinLayout layout, int stage, int block);
/* Key of a V2 block's relative_coords_table buffer [1, 2M-1, 2M-1, 2]: the
 * position bias MLP's input, which torchvision's and the original
 * repository's state dicts carry (timm's do not). */
char *swin_key_relative_coords_table (SwinLayout layout, int stage, int block);

/* Checks the rules every architecture must follow (dimensions, heads, the
 * GPU kernels' alignment needs); SWIN_ERROR_ARCH otherwise. */
gboolean swin_arch_validate (const SwinArch *arch, GError **error);

/* swin_model_load() of a checkpoint already in memory, through the same
 * code; @name stands for the path in messages and the model name.  For the
 * fuzzer and tests. */
SwinModel *swin_model_load_from_bytes (GBytes *bytes, const char *name, GError **error);

G_END_DECLS
