/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Checkpoint loading: key-layout detection, architecture inference from the
 * tensor shapes, and a shape check of every tensor before conversion. */
#include "swin_keys.h"
#include "swin_cpb.h"
#include "swin_safetensors.h"

#include <math.h>
#include <string.h>

struct Loader {
  const char *path;
  SwinSafetensors *st;
  SwinArch arch;
  gboolean window_from_metadata[SWIN_MAX_STAGES];   /* V2: no relative_coords_table */
};

static char *
shape_to_string (const int64_t *shape, int ndim)
{
  GString *s = g_string_new ("[");

  for (int d = 0; d < ndim; d++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d > 0 ? ", " : "", shape[d]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* A tensor that must exist, with @ndim dimensions. */
static const SwinTensorInfo *
require (struct Loader *ld, const char *name, int ndim, const char *expected, GError **error)
{
  const SwinTensorInfo *t = swin_safetensors_lookup (ld->st, name);

  if (t == NULL) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_TENSOR, "%s: tensor '%s' missing (expected shape %s)",
                 ld->path, name, expected);
    return NULL;
  }
  if (t->ndim != ndim) {
    char *got = shape_to_string (t->shape, t->ndim);
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_TENSOR, "%s: tensor '%s' has shape %s, expected %s",
                 ld->path, name, got, expected);
    g_free (got);
    return NULL;
  }
  return t;
}

static gboolean
detect_layout (struct Loader *ld, GError **error)
{
  if (swin_safetensors_lookup (ld->st, "features.0.0.weight") != NULL) {
    ld->arch.layout = SWIN_LAYOUT_TORCHVISION;
  } else if (swin_safetensors_lookup (ld->st, "patch_embed.proj.weight") != NULL) {
    /* Where the first merging sits tells the two apart; a one-stage model
     * has none, and only the classifier's name differs. */
    if (swin_safetensors_lookup (ld->st, "layers.0.downsample.reduction.weight") != NULL)
      ld->arch.layout = SWIN_LAYOUT_ORIGINAL;
    else if (swin_safetensors_lookup (ld->st, "layers.1.downsample.reduction.weight") != NULL ||
             swin_safetensors_lookup (ld->st, "head.fc.weight") != NULL)
      ld->arch.layout = SWIN_LAYOUT_TIMM;
    else
      ld->arch.layout = SWIN_LAYOUT_ORIGINAL;
  } else {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_ARCH,
                 "%s: not a known Swin checkpoint layout: expected 'features.0.0.weight' (torchvision) "
                 "or 'patch_embed.proj.weight' (original / timm)", ld->path);
    return FALSE;
  }
  return TRUE;
}

/* Parses a decimal number at *p, advancing it; FALSE if none or too large. */
static gboolean
parse_index (const char **p, int limit, int *out)
{
  const char *s = *p;
  int v = 0;

  if (!g_ascii_isdigit (*s))
    return FALSE;
  while (g_ascii_isdigit (*s)) {
    v = v * 10 + (*s - '0');
    if (v > limit)
      return FALSE;
    s++;
  }
  *p = s;
  *out = v;
  return TRUE;
}

/* Stage and block of a block tensor's key, or FALSE for another key. */
static gboolean
parse_block_key (SwinLayout layout, const char *name, int *stage, int *block)
{
  const char *p = name;
  int a;

  if (layout == SWIN_LAYOUT_TORCHVISION) {
    if (!g_str_has_prefix (p, "features."))
      return FALSE;
    p += strlen ("features.");
    /* features.{2s+1} are stages, the even ones stem and mergings */
    if (!parse_index (&p, 1 << 20, &a) || a % 2 == 0 || *p++ != '.')
      return FALSE;
    *stage = (a - 1) / 2;
  } else {
    if (!g_str_has_prefix (p, "layers."))
      return FALSE;
    p += strlen ("layers.");
    if (!parse_index (&p, 1 << 20, stage) || !g_str_has_prefix (p, ".blocks."))
      return FALSE;
    p += strlen (".blocks.");
  }
  return parse_index (&p, 1 << 20, block) && *p == '.';
}

static gboolean
count_blocks (struct Loader *ld, GError **error)
{
  int max_block[SWIN_MAX_STAGES];
  int num_stages = 0;

  for (int s = 0; s < SWIN_MAX_STAGES; s++)
    max_block[s] = -1;
  for (guint i = 0; i < swin_safetensors_get_n_tensors (ld->st); i++) {
    const char *name = swin_safetensors_get_tensor (ld->st, i)->name;
    int s, j;

    if (!parse_block_key (ld->arch.layout, name, &s, &j))
      continue;
    if (s >= SWIN_MAX_STAGES) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_ARCH, "%s: tensor '%s' belongs to stage %d; at most %d "
                   "stages are supported", ld->path, name, s, SWIN_MAX_STAGES);
      return FALSE;
    }
    max_block[s] = MAX (max_block[s], j);
    num_stages = MAX (num_stages, s + 1);
  }
  if (num_stages == 0) {
    char *key = swin_key_block (ld->arch.layout, 0, 0, "norm1", ".weight");
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_ARCH, "%s: no transformer blocks found (expected '%s')",
                 ld->path, key);
    g_free (key);
    return FALSE;
  }
  ld->arch.num_stages = num_stages;
  for (int s = 0; s < num_stages; s++) {
    /* A stage without blocks between two others: its block 0 is missing. */
    if (max_block[s] < 0) {
      char *key = swin_key_block (ld->arch.layout, s, 0, "norm1", ".weight");
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_TENSOR, "%s: tensor '%s' missing: stage %d has no blocks",
                   ld->path, key, s);
      g_free (key);
      return FALSE;
    }
    /* Every block up to the highest index, checked key by key: a stray
     * 'layers.0.blocks.999999.x' then fails here, at the cost of the blocks
     * the file really has, instead of making the loader build a million. */
    for (int j = 1; j <= max_block[s]; j++) {
      char *key = swin_key_block (ld->arch.layout, s, j, "norm1", ".weight");
      gboolean found = swin_safetensors_lookup (ld->st, key) != NULL;

      if (!found)
        g_set_error (error, SWIN_ERROR, SWIN_ERROR_TENSOR, "%s: tensor '%s' missing: stage %d has tensors "
                     "of blocks up to %d", ld->path, key, s, max_block[s]);
      g_free (key);
      if (!found)
        return FALSE;
    }
    ld->arch.depths[s] = max_block[s] + 1;
  }
  return TRUE;
}

/* Swin V2 blocks have attn.logit_scale; V1 blocks a relative_position_bias_table. */
static gboolean
is_v2_block_tensor (const char *name)
{
  return g_str_has_suffix (name, ".attn.logit_scale") || strstr (name, ".attn.cpb_mlp.") != NULL ||
         g_str_has_suffix (name, ".attn.q_bias") || g_str_has_suffix (name, ".attn.v_bias") ||
         g_str_has_suffix (name, ".attn.relative_coords_table");
}

/* The version, from the first block; every other block must be of it. */
static gboolean
detect_version (struct Loader *ld, GError **error)
{
  char *first = swin_key_block (ld->arch.layout, 0, 0, "attn.logit_scale", "");

  ld->arch.version = swin_safetensors_lookup (ld->st, first) != NULL ? 2 : 1;
  for (guint i = 0; i < swin_safetensors_get_n_tensors (ld->st); i++) {
    const char *name = swin_safetensors_get_tensor (ld->st, i)->name;
    gboolean v2 = is_v2_block_tensor (name);
    gboolean v1 = g_str_has_suffix (name, ".attn.relative_position_bias_table");
    int s, j;

    if (!parse_block_key (ld->arch.layout, name, &s, &j) || !(ld->arch.version == 2 ? v1 : v2))
      continue;
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_ARCH, "%s: tensor '%s' belongs to a Swin %s block, but the "
                 "first block is Swin %s (%s '%s'): V1 and V2 blocks mixed", ld->path, name,
                 v2 ? "V2" : "V1", v2 ? "V1" : "V2", v2 ? "without" : "with", first);
    g_free (first);
    return FALSE;
  }
  g_free (first);
  return TRUE;
}

static gboolean
infer_stage_v1 (struct Loader *ld, int s, GError **error)
{
  char *key = swin_key_block (ld->arch.layout, s, 0, "attn.relative_position_bias_table", "");
  const SwinTensorInfo *t = require (ld, key, 2, "[(2M-1)^2, heads]", error);
  int64_t rows, side;

  g_free (key);
  if (t == NULL)
    return FALSE;
  rows = t->shape[0];
  side = (int64_t) llround (sqrt ((double) rows));
  if (side * side != rows || side % 2 == 0) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_ARCH, "%s: tensor '%s' has %" G_GINT64_FORMAT " rows, "
                 "not (2M-1)^2 for a window size M", ld->path, t->name, rows);
    return FALSE;
  }
  ld->arch.windows[s] = (int) (side + 1) / 2;
  ld->arch.heads[s] = (int) t->shape[1];
  return TRUE;
}

/* A V2 block's relative_coords_table, if the checkpoint has it: the window
 * M of its [1, 2M-1, 2M-1, 2] shape, or -1 (error set) for another shape. */
static int
coords_table_window (struct Loader *ld, const SwinTensorInfo *t, GError **error)
{
  if (t->ndim != 4 || t->shape[0] != 1 || t->shape[1] != t->shape[2] || t->shape[1] % 2 == 0 ||
      t->shape[1] > 2 * SWIN_ARCH_MAX_WINDOW || t->shape[3] != 2) {
    char *got = shape_to_string (t->shape, t->ndim);
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_TENSOR, "%s: tensor '%s' has shape %s, expected "
                 "[1, 2M-1, 2M-1, 2] for a window size M", ld->path, t->name, got);
    g_free (got);
    return -1;
  }
  return (int) (t->shape[1] + 1) / 2;
}

/* Heads from logit_scale; the window from relative_coords_table where the
 * checkpoint has one (read_v2_windows() does the rest). */
static gboolean
infer_stage_v2 (struct Loader *ld, int s, GError **error)
{
  char *key = swin_key_block (ld->arch.layout, s, 0, "attn.logit_scale", "");
  const SwinTensorInfo *t = require (ld, key, 3, "[heads, 1, 1]", error);

  g_free (key);
  if (t == NULL)
    return FALSE;
  ld->arch.heads[s] = (int) CLAMP (t->shape[0], 0, G_MAXINT);
  key = swin_key_relative_coords_table (ld->arch.layout, s, 0);
  t = swin_safetensors_lookup (ld->st, key);
  g_free (key);
  ld->arch.windows[s] = t != NULL ? coords_table_window (ld, t, error) : 0;
  return ld->arch.windows[s] >= 0;
}

/* __metadata__ @key: one number, or one per stage ("12,12,12,6"), each in
 * 1..SWIN_ARCH_MAX_WINDOW, into @out; FALSE with an error otherwise. */
static gboolean
parse_stage_ints (struct Loader *ld, const char *key, const char *value, int *out, GError **error)
{
  char **parts = g_strsplit_set (value, ",[]() ", -1);
  int n = 0;
  gboolean ok = TRUE;

  for (char **p = parts; *p != NULL && ok; p++) {
    const char *q = *p;
    int v;

    if (*q == '\0')
      continue;
    ok = n < ld->arch.num_stages && parse_index (&q, SWIN_ARCH_MAX_WINDOW, &v) && *q == '\0' && v >= 1;
    if (ok)
      out[n++] = v;
  }
  g_strfreev (parts);
  if (!ok || (n != 1 && n != ld->arch.num_stages)) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT, "%s: __metadata__ %s '%s' is not one window size "
                 "(1 to %d) or one per stage (%d)", ld->path, key, value, SWIN_ARCH_MAX_WINDOW, ld->arch.num_stages);
    return FALSE;
  }
  for (int s = n; s < ld->arch.num_stages; s++)
    out[s] = out[0];
  return TRUE;
}

/* V2 windows that no relative_coords_table gave (timm's checkpoints have
 * none): __metadata__ window_size; and the pretraining windows of
 * __metadata__ pretrained_window_size. */
static gboolean
read_v2_windows (struct Loader *ld, GError **error)
{
  SwinArch *arch = &ld->arch;
  const char *window = swin_safetensors_get_metadata (ld->st, "window_size");
  const char *pretrained = swin_safetensors_get_metadata (ld->st, "pretrained_window_size");
  int meta[SWIN_MAX_STAGES] = { 0 };

  if (window != NULL && !parse_stage_ints (ld, "window_size", window, meta, error))
    return FALSE;
  if (pretrained != NULL && !parse_stage_ints (ld, "pretrained_window_size", pretrained,
                                               arch->pretrained_windows, error))
    return FALSE;
  for (int s = 0; s < arch->num_stages; s++) {
    if (arch->windows[s] > 0)
      continue;
    if (meta[s] == 0) {
      char *key = swin_key_relative_coords_table (arch->layout, s, 0);
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_ARCH, "%s: a Swin V2 checkpoint without tensor '%s' needs "
                   "its window size in __metadata__ window_size (tools/convert_pth.py --window)",
                   ld->path, key);
      g_free (key);
      return FALSE;
    }
    arch->windows[s] = meta[s];
    ld->window_from_metadata[s] = TRUE;
  }
  return TRUE;
}

/* Where the original repository and timm build a V2 model at its own
 * resolution, a stage whose map side is at most the window gets the map's
 * side as its window, and its bias MLP is built for that window; a
 * relative_coords_table records this, a window from __metadata__ is shrunk
 * here the same way. */
static void
shrink_v2_windows (struct Loader *ld)
{
  SwinArch *arch = &ld->arch;

  for (int s = 0; s < arch->num_stages; s++) {
    int res = arch->img_size / MAX (arch->patch_size, 1) >> s;

    if (ld->window_from_metadata[s] && arch->layout != SWIN_LAYOUT_TORCHVISION && res >= 1 &&
        res < arch->windows[s])
      arch->windows[s] = res;
  }
}

/* img_size metadata: "384" or "[384, 384]": the first number. */
static gboolean
parse_img_size (struct Loader *ld, const char *value, GError **error)
{
  const char *p = value;

  while (*p == ' ' || *p == '[' || *p == '(')
    p++;
  if (!parse_index (&p, SWIN_ARCH_MAX_IMG_SIZE, &ld->arch.img_size) || ld->arch.img_size == 0) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT, "%s: __metadata__ img_size '%s' is not a valid size",
                 ld->path, value);
    return FALSE;
  }
  return TRUE;
}

/* The input size of an absolute embedding's @grid, or 0 (refused by
 * swin_arch_validate()) when out of range.  In 64 bits: the patch size is
 * not validated yet and may be huge. */
static int
ape_img_size (int64_t grid, int patch_size)
{
  int64_t size = grid * patch_size;

  return size >= 1 && size <= SWIN_ARCH_MAX_IMG_SIZE ? (int) size : 0;
}

static gboolean
infer_arch (struct Loader *ld, GError **error)
{
  SwinArch *arch = &ld->arch;
  const SwinTensorInfo *t;
  const char *img_meta;
  char *key;

  t = require (ld, swin_key_patch (arch->layout, FALSE, FALSE), 4, "[C, in_chans, p, p]", error);
  if (t == NULL)
    return FALSE;
  if (t->shape[2] != t->shape[3] || t->shape[0] > SWIN_ARCH_MAX_EMBED_DIM || t->shape[1] > 64) {
    char *got = shape_to_string (t->shape, t->ndim);
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_ARCH, "%s: tensor '%s' has shape %s, expected [C, in_chans, "
                 "p, p] with a square patch", ld->path, t->name, got);
    g_free (got);
    return FALSE;
  }
  arch->embed_dim = (int) t->shape[0];
  arch->in_chans = (int) t->shape[1];
  arch->patch_size = (int) t->shape[2];

  if (!count_blocks (ld, error))
    return FALSE;

  if (!detect_version (ld, error))
    return FALSE;
  for (int s = 0; s < arch->num_stages; s++) {
    if (!(arch->version == 2 ? infer_stage_v2 (ld, s, error) : infer_stage_v1 (ld, s, error)))
      return FALSE;
    key = swin_key_block (arch->layout, s, 0, "mlp.fc1", ".weight");
    t = require (ld, key, 2, "[hidden, C]", error);
    g_free (key);
    if (t == NULL)
      return FALSE;
    arch->mlp_hidden[s] = (int) t->shape[0];
  }

  t = require (ld, swin_key_head (arch->layout, FALSE), 2, "[classes, C]", error);
  if (t == NULL)
    return FALSE;
  arch->num_classes = (int) t->shape[0];

  if (arch->version == 2 && !read_v2_windows (ld, error))
    return FALSE;
  t = swin_safetensors_lookup (ld->st, "absolute_pos_embed");
  arch->ape = t != NULL;
  img_meta = swin_safetensors_get_metadata (ld->st, "img_size");
  if (img_meta != NULL) {
    if (!parse_img_size (ld, img_meta, error))
      return FALSE;
  } else if (arch->ape && t->ndim == 3 && t->shape[1] > 0) {
    /* No metadata: the embedding's grid is the resolution it was made for. */
    int64_t grid = (int64_t) llround (sqrt ((double) t->shape[1]));
    arch->img_size = grid * grid == t->shape[1] ? ape_img_size (grid, arch->patch_size) : 0;
  } else if (arch->ape && t->ndim == 4 && t->shape[1] == t->shape[2]) {
    arch->img_size = ape_img_size (t->shape[1], arch->patch_size);
  } else if (arch->version == 2) {
    /* the V2 checkpoints published: window 8 and 16 at 256, 12 at 192, 24 at 384 */
    int m = arch->windows[0];
    arch->img_size = m == 8 || m == 16 ? 256 : m == 12 ? 192 : m == 24 ? 384 : 32 * m;
  } else {
    arch->img_size = arch->windows[0] == 7 ? 224 : arch->windows[0] == 12 ? 384 : 32 * arch->windows[0];
  }
  if (arch->version == 2)
    shrink_v2_windows (ld);

  if (!swin_arch_validate (arch, error)) {
    g_prefix_error (error, "%s: ", ld->path);
    return FALSE;
  }
  return TRUE;
}

/* timm >= 0.9 stores the absolute embedding as a grid [1, H, W, C]: the
 * same bytes as [1, H*W, C]. */
static gboolean
is_ape_grid_shape (const SwinTensorSpec *spec, const SwinTensorInfo *t)
{
  return strcmp (spec->name, "absolute_pos_embed") == 0 && t->ndim == 4 && t->shape[0] == 1 &&
         t->shape[1] * t->shape[2] == spec->shape[1] && t->shape[1] == t->shape[2] &&
         t->shape[3] == spec->shape[2];
}

static gboolean
load_tensors (struct Loader *ld, SwinModel *model, GError **error)
{
  GArray *specs;
  gboolean ok = TRUE;

  for (int s = 0; s < ld->arch.num_stages; s++) {
    model->stages[s].blocks = g_new0 (SwinBlockWeights, ld->arch.depths[s]);
    g_ptr_array_add (model->arena, model->stages[s].blocks);
  }

  specs = swin_tensor_specs_new (&ld->arch, model);
  /* Every shape first, so that a bad file fails before any conversion. */
  for (guint i = 0; i < specs->len && ok; i++) {
    const SwinTensorSpec *spec = &g_array_index (specs, SwinTensorSpec, i);
    const SwinTensorInfo *t = swin_safetensors_lookup (ld->st, spec->name);
    char *expected = shape_to_string (spec->shape, spec->ndim);

    if (t == NULL) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_TENSOR, "%s: tensor '%s' missing (expected shape %s)",
                   ld->path, spec->name, expected);
      ok = FALSE;
    } else if ((t->ndim != spec->ndim || memcmp (t->shape, spec->shape, spec->ndim * sizeof (int64_t)) != 0) &&
               !is_ape_grid_shape (spec, t)) {
      char *got = shape_to_string (t->shape, t->ndim);
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_TENSOR, "%s: tensor '%s' has shape %s, expected %s",
                   ld->path, spec->name, got, expected);
      g_free (got);
      ok = FALSE;
    }
    g_free (expected);
  }
  for (guint i = 0; i < specs->len && ok; i++) {
    const SwinTensorSpec *spec = &g_array_index (specs, SwinTensorSpec, i);
    const SwinTensorInfo *t = swin_safetensors_lookup (ld->st, spec->name);

    *spec->dst = swin_safetensors_to_f32 (t, error);
    if (*spec->dst == NULL) {
      g_prefix_error (error, "%s: ", ld->path);
      ok = FALSE;
    } else {
      g_ptr_array_add (model->arena, *spec->dst);
      ld->arch.num_params += t->numel;
    }
  }
  g_array_unref (specs);
  return ok;
}

/* A block's position bias MLP input: the checkpoint's relative_coords_table
 * where it has one (it holds the pretraining window's normalisation), else
 * computed as the sources compute it.  A new array of (2M-1)^2 pairs. */
static float *
v2_coords (struct Loader *ld, int s, int j, GError **error)
{
  const SwinArch *arch = &ld->arch;
  const int M = arch->windows[s];
  char *key = swin_key_relative_coords_table (arch->layout, s, j);
  const SwinTensorInfo *t = swin_safetensors_lookup (ld->st, key);
  float *coords = NULL;

  if (t == NULL) {
    coords = g_new (float, (size_t) (2 * M - 1) * (2 * M - 1) * 2);
    swin_cpb_coords (M, arch->pretrained_windows[s] > 0 ? arch->pretrained_windows[s] : M, coords);
  } else {
    int m = coords_table_window (ld, t, error);

    if (m == M && (coords = swin_safetensors_to_f32 (t, error)) == NULL)
      g_prefix_error (error, "%s: ", ld->path);
    else if (m >= 0 && m != M)
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_TENSOR, "%s: tensor '%s' is for a window of %d, but "
                   "stage %d has a window of %d", ld->path, key, m, s, M);
  }
  g_free (key);
  return coords;
}

/* What V2 derives at load time, once: each block's bias table from its
 * MLP, its attention scales, and the [3C] qkv bias with the k third zero
 * (torchvision stores one and zeroes that third in its forward; the others
 * store q_bias and v_bias). */
static gboolean
finish_v2 (struct Loader *ld, SwinModel *model, GError **error)
{
  const SwinArch *arch = &ld->arch;

  for (int s = 0; s < arch->num_stages; s++) {
    const int C = SWIN_ARCH_DIM (arch, s), M = arch->windows[s], heads = arch->heads[s];

    for (int j = 0; j < arch->depths[s]; j++) {
      SwinBlockWeights *b = &model->stages[s].blocks[j];
      float *coords = v2_coords (ld, s, j, error);

      if (coords == NULL)
        return FALSE;
      b->rpb_table = g_new (float, (size_t) (2 * M - 1) * (2 * M - 1) * heads);
      g_ptr_array_add (model->arena, b->rpb_table);
      swin_cpb_table (coords, M, heads, b->cpb_fc1_w, b->cpb_fc1_b, b->cpb_fc2_w, b->rpb_table);
      g_free (coords);

      b->attn_scale = g_new (float, heads);
      g_ptr_array_add (model->arena, b->attn_scale);
      for (int h = 0; h < heads; h++)
        b->attn_scale[h] = expf (fminf (b->logit_scale[h], logf (100.0f)));

      if (b->qkv_b == NULL) {
        b->qkv_b = g_new0 (float, 3 * (size_t) C);
        g_ptr_array_add (model->arena, b->qkv_b);
        memcpy (b->qkv_b, b->q_bias, C * sizeof (float));
        memcpy (b->qkv_b + 2 * C, b->v_bias, C * sizeof (float));
      } else {
        memset (b->qkv_b + C, 0, C * sizeof (float));
      }
    }
  }
  return TRUE;
}

static char *
model_name_from_path (const char *path)
{
  char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base)
    *dot = '\0';
  return base;
}

/* The optional "mean"/"std" metadata: both or neither. */
static gboolean
read_normalization (struct Loader *ld, SwinModel *model, GError **error)
{
  const char *mean = swin_safetensors_get_metadata (ld->st, "mean");
  const char *std = swin_safetensors_get_metadata (ld->st, "std");
  GError *range_error = NULL;

  if (mean == NULL && std == NULL)
    return TRUE;
  if (mean == NULL || std == NULL) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT, "%s: __metadata__ has %s but no %s", ld->path,
                 mean ? "mean" : "std", mean ? "std" : "mean");
    return FALSE;
  }
  if (!swin_parse_floats (mean, model->mean, 3) || !swin_parse_floats (std, model->std, 3)) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT, "%s: __metadata__ mean '%s' / std '%s' are not "
                 "three numbers each", ld->path, mean, std);
    return FALSE;
  }
  if (!swin_check_normalization (model->mean, model->std, &range_error)) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT, "%s: __metadata__ normalisation: %s", ld->path,
                 range_error->message);
    g_error_free (range_error);
    return FALSE;
  }
  model->has_normalization = TRUE;
  return TRUE;
}

/* Takes @st; @path names the checkpoint in messages and the model. */
static SwinModel *
load_checkpoint (SwinSafetensors *st, const char *path, GError **error)
{
  struct Loader ld = { .path = path, .st = st };
  SwinModel *model = NULL;

  if (!detect_layout (&ld, error) || !infer_arch (&ld, error))
    goto out;

  model = g_new0 (SwinModel, 1);
  model->arena = g_ptr_array_new_with_free_func (g_free);
  if (!read_normalization (&ld, model, error) || !load_tensors (&ld, model, error) ||
      (ld.arch.version == 2 && !finish_v2 (&ld, model, error))) {
    swin_model_free (model);
    model = NULL;
    goto out;
  }
  model->arch = ld.arch;
  model->name = model_name_from_path (path);

out:
  swin_safetensors_free (ld.st);
  return model;
}

SwinModel *
swin_model_load (const char *path, GError **error)
{
  SwinSafetensors *st;

  g_return_val_if_fail (path != NULL, NULL);

  st = swin_safetensors_open (path, error);
  return st != NULL ? load_checkpoint (st, path, error) : NULL;
}

SwinModel *
swin_model_load_from_bytes (GBytes *bytes, const char *name, GError **error)
{
  SwinSafetensors *st;

  g_return_val_if_fail (bytes != NULL && name != NULL, NULL);

  st = swin_safetensors_new_from_bytes (bytes, name, error);
  return st != NULL ? load_checkpoint (st, name, error) : NULL;
}

void
swin_model_free (SwinModel *model)
{
  if (model == NULL)
    return;
  g_ptr_array_unref (model->arena);
  g_free (model->name);
  g_free (model);
}

const SwinArch *
swin_model_get_arch (const SwinModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  return &model->arch;
}

const char *
swin_model_get_name (const SwinModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  return model->name;
}

gboolean
swin_model_get_normalization (const SwinModel *model, float mean[3], float std[3])
{
  g_return_val_if_fail (model != NULL, FALSE);
  if (!model->has_normalization)
    return FALSE;
  memcpy (mean, model->mean, sizeof (model->mean));
  memcpy (std, model->std, sizeof (model->std));
  return TRUE;
}
