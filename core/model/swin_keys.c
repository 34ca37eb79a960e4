/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The tensors of a Swin checkpoint (swin_keys.h): their key names in each
 * layout, their shapes and fills, and the rules every architecture follows. */
#include "swin_keys.h"

#include <stdarg.h>
#include <string.h>

static const char *
stage_block_module (SwinLayout layout, const char *module)
{
  /* torchvision numbers the MLP's layers: 0 = fc1, (1 GELU, 2 dropout,) 3 = fc2 */
  if (layout == SWIN_LAYOUT_TORCHVISION) {
    if (strcmp (module, "mlp.fc1") == 0)
      return "mlp.0";
    if (strcmp (module, "mlp.fc2") == 0)
      return "mlp.3";
  }
  return module;
}

char *
swin_key_block (SwinLayout layout, int s, int j, const char *module, const char *param)
{
  const char *m = stage_block_module (layout, module);

  if (layout == SWIN_LAYOUT_TORCHVISION)
    return g_strdup_printf ("features.%d.%d.%s%s", 2 * s + 1, j, m, param);
  return g_strdup_printf ("layers.%d.blocks.%d.%s%s", s, j, m, param);
}

/* The patch merging that follows stage @s. */
static char *
merge_key (SwinLayout layout, int s, const char *param)
{
  switch (layout) {
    case SWIN_LAYOUT_TORCHVISION:
      return g_strdup_printf ("features.%d.%s", 2 * s + 2, param);
    case SWIN_LAYOUT_ORIGINAL:
      return g_strdup_printf ("layers.%d.downsample.%s", s, param);
    case SWIN_LAYOUT_TIMM:
      /* timm >= 0.9 merges at the start of the next stage */
      return g_strdup_printf ("layers.%d.downsample.%s", s + 1, param);
  }
  g_return_val_if_reached (NULL);
}

char *
swin_key_relative_position_index (SwinLayout layout, int stage, int block)
{
  return swin_key_block (layout, stage, block, "attn.relative_position_index", "");
}

char *
swin_key_relative_coords_table (SwinLayout layout, int stage, int block)
{
  return swin_key_block (layout, stage, block, "attn.relative_coords_table", "");
}

const char *
swin_key_patch (SwinLayout layout, gboolean norm, gboolean bias)
{
  if (layout == SWIN_LAYOUT_TORCHVISION) {
    if (norm)
      return bias ? "features.0.2.bias" : "features.0.2.weight";
    return bias ? "features.0.0.bias" : "features.0.0.weight";
  }
  if (norm)
    return bias ? "patch_embed.norm.bias" : "patch_embed.norm.weight";
  return bias ? "patch_embed.proj.bias" : "patch_embed.proj.weight";
}

const char *
swin_key_head (SwinLayout layout, gboolean bias)
{
  if (layout == SWIN_LAYOUT_TIMM)
    return bias ? "head.fc.bias" : "head.fc.weight";
  return bias ? "head.bias" : "head.weight";
}

static void
add_spec (GArray *specs, char *name, SwinFill fill, float **dst, int ndim, ...)
{
  SwinTensorSpec spec = { .name = name, .ndim = ndim, .numel = 1, .fill = fill, .dst = dst };
  va_list ap;

  va_start (ap, ndim);
  for (int d = 0; d < ndim; d++) {
    spec.shape[d] = va_arg (ap, int64_t);
    spec.numel *= spec.shape[d];
  }
  va_end (ap);
  g_array_append_val (specs, spec);
}

static void
clear_spec (gpointer data)
{
  g_free (((SwinTensorSpec *) data)->name);
}

#define DST(field) (model != NULL ? &(field) : NULL)
#define I(x) ((int64_t) (x))

GArray *
swin_tensor_specs_new (const SwinArch *arch, SwinModel *model)
{
  SwinLayout lay = arch->layout;
  GArray *specs = g_array_new (FALSE, FALSE, sizeof (SwinTensorSpec));
  int p = arch->patch_size, c0 = arch->embed_dim;

  g_array_set_clear_func (specs, clear_spec);

  add_spec (specs, g_strdup (swin_key_patch (lay, FALSE, FALSE)), SWIN_FILL_TRUNC_NORMAL,
            DST (model->patch_w), 4, I (c0), I (arch->in_chans), I (p), I (p));
  add_spec (specs, g_strdup (swin_key_patch (lay, FALSE, TRUE)), SWIN_FILL_ZEROS, DST (model->patch_b), 1, I (c0));
  add_spec (specs, g_strdup (swin_key_patch (lay, TRUE, FALSE)), SWIN_FILL_ONES, DST (model->patch_norm_w), 1, I (c0));
  add_spec (specs, g_strdup (swin_key_patch (lay, TRUE, TRUE)), SWIN_FILL_ZEROS, DST (model->patch_norm_b), 1, I (c0));
  if (arch->ape) {
    int64_t grid = arch->img_size / p;
    add_spec (specs, g_strdup ("absolute_pos_embed"), SWIN_FILL_TRUNC_NORMAL, DST (model->abs_pos),
              3, I (1), grid * grid, I (c0));
  }

  for (int s = 0; s < arch->num_stages; s++) {
    int64_t c = SWIN_ARCH_DIM (arch, s), hidden = arch->mlp_hidden[s];
    int64_t rows = (2 * arch->windows[s] - 1) * (2 * arch->windows[s] - 1);
    SwinStageWeights *st = model != NULL ? &model->stages[s] : NULL;

    for (int j = 0; j < arch->depths[s]; j++) {
      SwinBlockWeights *b = st != NULL ? &st->blocks[j] : NULL;

#define BLOCK(module, param, fill, field, ...) \
      add_spec (specs, swin_key_block (lay, s, j, module, param), fill, b != NULL ? &b->field : NULL, __VA_ARGS__)
      BLOCK ("norm1", ".weight", SWIN_FILL_ONES, norm1_w, 1, c);
      BLOCK ("norm1", ".bias", SWIN_FILL_ZEROS, norm1_b, 1, c);
      BLOCK ("attn.qkv", ".weight", SWIN_FILL_TRUNC_NORMAL, qkv_w, 2, 3 * c, c);
      /* V2 outside torchvision: q and v biases only (k's is zero) */
      if (arch->version == 2 && lay != SWIN_LAYOUT_TORCHVISION) {
        BLOCK ("attn.q_bias", "", SWIN_FILL_ZEROS, q_bias, 1, c);
        BLOCK ("attn.v_bias", "", SWIN_FILL_ZEROS, v_bias, 1, c);
      } else {
        BLOCK ("attn.qkv", ".bias", SWIN_FILL_ZEROS, qkv_b, 1, 3 * c);
      }
      BLOCK ("attn.proj", ".weight", SWIN_FILL_TRUNC_NORMAL, proj_w, 2, c, c);
      BLOCK ("attn.proj", ".bias", SWIN_FILL_ZEROS, proj_b, 1, c);
      if (arch->version == 2) {
        BLOCK ("attn.logit_scale", "", SWIN_FILL_LOG10, logit_scale, 3, I (arch->heads[s]), I (1), I (1));
        BLOCK ("attn.cpb_mlp.0", ".weight", SWIN_FILL_TRUNC_NORMAL, cpb_fc1_w, 2, I (SWIN_CPB_HIDDEN), I (2));
        BLOCK ("attn.cpb_mlp.0", ".bias", SWIN_FILL_ZEROS, cpb_fc1_b, 1, I (SWIN_CPB_HIDDEN));
        BLOCK ("attn.cpb_mlp.2", ".weight", SWIN_FILL_TRUNC_NORMAL, cpb_fc2_w, 2, I (arch->heads[s]),
               I (SWIN_CPB_HIDDEN));
      } else {
        BLOCK ("attn.relative_position_bias_table", "", SWIN_FILL_TRUNC_NORMAL, rpb_table, 2, rows,
               I (arch->heads[s]));
      }
      BLOCK ("norm2", ".weight", SWIN_FILL_ONES, norm2_w, 1, c);
      BLOCK ("norm2", ".bias", SWIN_FILL_ZEROS, norm2_b, 1, c);
      BLOCK ("mlp.fc1", ".weight", SWIN_FILL_TRUNC_NORMAL, fc1_w, 2, hidden, c);
      BLOCK ("mlp.fc1", ".bias", SWIN_FILL_ZEROS, fc1_b, 1, hidden);
      BLOCK ("mlp.fc2", ".weight", SWIN_FILL_TRUNC_NORMAL, fc2_w, 2, c, hidden);
      BLOCK ("mlp.fc2", ".bias", SWIN_FILL_ZEROS, fc2_b, 1, c);
#undef BLOCK
    }
    if (s + 1 < arch->num_stages) {
      int64_t norm_c = SWIN_ARCH_MERGE_NORM_DIM (arch, s);

      add_spec (specs, merge_key (lay, s, "norm.weight"), SWIN_FILL_ONES,
                st != NULL ? &st->merge_norm_w : NULL, 1, norm_c);
      add_spec (specs, merge_key (lay, s, "norm.bias"), SWIN_FILL_ZEROS,
                st != NULL ? &st->merge_norm_b : NULL, 1, norm_c);
      add_spec (specs, merge_key (lay, s, "reduction.weight"), SWIN_FILL_TRUNC_NORMAL,
                st != NULL ? &st->merge_reduction_w : NULL, 2, 2 * c, 4 * c);
    }
  }

  {
    int64_t c_last = SWIN_ARCH_DIM (arch, arch->num_stages - 1);

    add_spec (specs, g_strdup ("norm.weight"), SWIN_FILL_ONES, DST (model->norm_w), 1, c_last);
    add_spec (specs, g_strdup ("norm.bias"), SWIN_FILL_ZEROS, DST (model->norm_b), 1, c_last);
    add_spec (specs, g_strdup (swin_key_head (lay, FALSE)), SWIN_FILL_TRUNC_NORMAL, DST (model->head_w),
              2, I (arch->num_classes), c_last);
    add_spec (specs, g_strdup (swin_key_head (lay, TRUE)), SWIN_FILL_ZEROS, DST (model->head_b),
              1, I (arch->num_classes));
  }
  return specs;
}

#undef DST
#undef I

gboolean
swin_arch_validate (const SwinArch *arch, GError **error)
{
  GError *size_error = NULL;

  if (arch->in_chans < 1 || arch->patch_size < 1 || arch->patch_size > SWIN_ARCH_MAX_PATCH_SIZE) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_ARCH,
                 "invalid patch embedding: %d input channels, patch size %d (1 to %d)",
                 arch->in_chans, arch->patch_size, SWIN_ARCH_MAX_PATCH_SIZE);
    return FALSE;
  }
  /* The GPU kernels load channels 8 at a time (two vec4). */
  if (arch->embed_dim < 8 || arch->embed_dim > SWIN_ARCH_MAX_EMBED_DIM || arch->embed_dim % 8 != 0) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_ARCH,
                 "embed_dim %d is not supported: it must be a positive multiple of 8 (at most %d)",
                 arch->embed_dim, SWIN_ARCH_MAX_EMBED_DIM);
    return FALSE;
  }
  if (arch->num_stages < 1 || arch->num_stages > SWIN_MAX_STAGES) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_ARCH, "%d stages: between 1 and %d supported",
                 arch->num_stages, SWIN_MAX_STAGES);
    return FALSE;
  }
  for (int s = 0; s < arch->num_stages; s++) {
    int c = SWIN_ARCH_DIM (arch, s);

    if (arch->depths[s] < 1 || arch->heads[s] < 1 || arch->windows[s] < 1 || arch->mlp_hidden[s] < 1) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_ARCH,
                   "stage %d: depth %d, %d heads, window %d, MLP hidden %d: all must be positive",
                   s, arch->depths[s], arch->heads[s], arch->windows[s], arch->mlp_hidden[s]);
      return FALSE;
    }
    if (arch->depths[s] > SWIN_ARCH_MAX_DEPTH || arch->windows[s] > SWIN_ARCH_MAX_WINDOW) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_ARCH,
                   "stage %d: depth %d, window %d: at most %d blocks and a window of %d supported",
                   s, arch->depths[s], arch->windows[s], SWIN_ARCH_MAX_DEPTH, SWIN_ARCH_MAX_WINDOW);
      return FALSE;
    }
    if (c % arch->heads[s] != 0) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_ARCH,
                   "stage %d: %d heads do not divide %d channels", s, arch->heads[s], c);
      return FALSE;
    }
    /* The attention kernels read a head's channels as vec4. */
    if ((c / arch->heads[s]) % 4 != 0) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_ARCH,
                   "stage %d: head dimension %d (%d channels / %d heads) is not a multiple of 4",
                   s, c / arch->heads[s], c, arch->heads[s]);
      return FALSE;
    }
  }
  if (arch->num_classes < 1) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_ARCH, "%d classes: at least 1 needed", arch->num_classes);
    return FALSE;
  }
  if (arch->img_size < 1 || arch->img_size > SWIN_ARCH_MAX_IMG_SIZE ||
      !swin_arch_check_size (arch, arch->img_size, arch->img_size, &size_error)) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_ARCH, "invalid default image size %d%s%s", arch->img_size,
                 size_error != NULL ? ": " : "", size_error != NULL ? size_error->message : "");
    g_clear_error (&size_error);
    return FALSE;
  }
  return TRUE;
}
