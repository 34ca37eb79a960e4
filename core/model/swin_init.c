/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Randomly initialised checkpoints: the named Swin variants or a custom
 * (tiny, for tests) architecture, written as F32 safetensors in any of the
 * three key layouts. */
#include "swin_keys.h"
#include "swin_cpb.h"
#include "swin_file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  const char *name;
  int version;
  int embed_dim;
  int depths[4];
  int heads[4];
} NamedArch;

static const NamedArch named_archs[] = {
  { "swin_t", 1, 96, { 2, 2, 6, 2 }, { 3, 6, 12, 24 } },
  { "swin_s", 1, 96, { 2, 2, 18, 2 }, { 3, 6, 12, 24 } },
  { "swin_b", 1, 128, { 2, 2, 18, 2 }, { 4, 8, 16, 32 } },
  { "swin_l", 1, 192, { 2, 2, 18, 2 }, { 6, 12, 24, 48 } },
  { "swin_v2_t", 2, 96, { 2, 2, 6, 2 }, { 3, 6, 12, 24 } },
  { "swin_v2_s", 2, 96, { 2, 2, 18, 2 }, { 3, 6, 12, 24 } },
  { "swin_v2_b", 2, 128, { 2, 2, 18, 2 }, { 4, 8, 16, 32 } },
};

/* The window of the V2 default resolution: window 8 at 256, as torchvision's
 * swin_v2_* and timm's swinv2_*_window8_256. */
#define V2_DEFAULT_WINDOW 8

static int
default_img_size (int version, int window)
{
  if (version == 2)
    return window == 8 || window == 16 ? 256 : window == 12 ? 192 : window == 24 ? 384
           : (int) CLAMP (32 * (int64_t) window, 0, G_MAXINT);
  return window == 7 ? 224 : window == 12 ? 384 : (int) CLAMP (32 * (int64_t) window, 0, G_MAXINT);
}

static gboolean
arch_from_params (const SwinInitParams *params, SwinArch *arch, int *base_window, GError **error)
{
  GError *arch_error = NULL;
  int window;

  memset (arch, 0, sizeof (*arch));
  if (params->layout != SWIN_LAYOUT_TORCHVISION && params->layout != SWIN_LAYOUT_ORIGINAL &&
      params->layout != SWIN_LAYOUT_TIMM) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "unknown layout %d", (int) params->layout);
    return FALSE;
  }
  arch->layout = params->layout;
  arch->in_chans = 3;
  arch->patch_size = 4;

  if (params->arch != NULL) {
    const NamedArch *named = NULL;

    for (guint i = 0; i < G_N_ELEMENTS (named_archs); i++) {
      if (strcmp (named_archs[i].name, params->arch) == 0)
        named = &named_archs[i];
    }
    if (named == NULL) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "unknown architecture '%s' (swin_t, swin_s, "
                   "swin_b, swin_l, swin_v2_t, swin_v2_s or swin_v2_b)", params->arch);
      return FALSE;
    }
    arch->version = named->version;
    arch->embed_dim = named->embed_dim;
    arch->num_stages = 4;
    memcpy (arch->depths, named->depths, sizeof (named->depths));
    memcpy (arch->heads, named->heads, sizeof (named->heads));
  } else {
    if (params->num_stages < 1 || params->num_stages > SWIN_MAX_STAGES) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "%d stages: between 1 and %d supported",
                   params->num_stages, SWIN_MAX_STAGES);
      return FALSE;
    }
    if (params->version < 0 || params->version > 2) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "unknown Swin version %d (1 or 2)",
                   params->version);
      return FALSE;
    }
    arch->version = MAX (params->version, 1);
    arch->embed_dim = params->embed_dim;
    arch->num_stages = params->num_stages;
    memcpy (arch->depths, params->depths, sizeof (arch->depths));
    memcpy (arch->heads, params->heads, sizeof (arch->heads));
  }
  window = params->window != 0 ? params->window : arch->version == 2 ? V2_DEFAULT_WINDOW : 7;
  *base_window = window;
  arch->num_classes = params->num_classes != 0 ? params->num_classes : 1000;
  arch->img_size = params->img_size != 0 ? params->img_size : default_img_size (arch->version, window);
  /* Sizes below are derived in 64 bits and clamped: embed_dim and window
   * are not validated yet, and a wild value must not overflow an int. */
  for (int s = 0; s < arch->num_stages; s++) {
    int res = arch->img_size / arch->patch_size >> s;

    arch->windows[s] = window;
    /* V2 outside torchvision: the window of a stage whose map is smaller,
     * as the original repository builds it (the loader does the same) */
    if (arch->version == 2 && arch->layout != SWIN_LAYOUT_TORCHVISION && res >= 1 && res < window)
      arch->windows[s] = res;
    /* MLP ratio 4, as in every published Swin variant */
    arch->mlp_hidden[s] = (int) CLAMP (4 * (int64_t) arch->embed_dim * ((int64_t) 1 << s), 0, G_MAXINT);
  }

  if (window < 1 || !swin_arch_validate (arch, &arch_error)) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "invalid architecture: %s",
                 arch_error != NULL ? arch_error->message : "window size must be positive");
    g_clear_error (&arch_error);
    return FALSE;
  }
  return TRUE;
}

/* Standard normal cut at +-2, times 0.02: the usual trunc_normal_ init.
 * Box-Muller with rejection; one draw per pair keeps it simple. */
static float
trunc_normal (GRand *rand)
{
  for (;;) {
    double u1 = 1.0 - g_rand_double (rand);   /* (0, 1]: log() stays finite */
    double u2 = g_rand_double (rand);
    double z = sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);

    if (fabs (z) <= 2.0)
      return (float) (0.02 * z);
  }
}

/* Buffers a source's state dict carries besides the parameters: torchvision's
 * relative_position_index of a window, [M^4] int64 (ignored when loading),
 * and V2's relative_coords_table, [1, 2M-1, 2M-1, 2] float32 (torchvision
 * and the original repository; the loader reads it). */
typedef struct {
  char *name;
  int window;
  gboolean coords;   /* relative_coords_table, else relative_position_index */
} IndexBuffer;

static void
clear_index_buffer (gpointer data)
{
  g_free (((IndexBuffer *) data)->name);
}

static int64_t
index_buffer_bytes (const IndexBuffer *ib)
{
  int64_t m = ib->window;

  return ib->coords ? (2 * m - 1) * (2 * m - 1) * 2 * 4 : m * m * m * m * 8;
}

static void
add_tensor_entry (JsonBuilder *b, const char *name, const char *dtype, const int64_t *shape, int ndim,
                  guint64 begin, guint64 end)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "dtype");
  json_builder_add_string_value (b, dtype);
  json_builder_set_member_name (b, "shape");
  json_builder_begin_array (b);
  for (int d = 0; d < ndim; d++)
    json_builder_add_int_value (b, shape[d]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "data_offsets");
  json_builder_begin_array (b);
  json_builder_add_int_value (b, (gint64) begin);
  json_builder_add_int_value (b, (gint64) end);
  json_builder_end_array (b);
  json_builder_end_object (b);
}

/* The header JSON, padded with spaces to a multiple of 8 (so that the data
 * section starts aligned, as the reference writer does). */
static char *
build_header (const SwinArch *arch, const char *arch_name, int window, const SwinInitParams *params,
              GArray *specs, GArray *indices, gsize *len)
{
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root;
  char *img_size = g_strdup_printf ("%d", arch->img_size);
  char *json, *padded;
  guint64 offset = 0;
  gsize json_len;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "__metadata__");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "arch");
  json_builder_add_string_value (b, arch_name);
  json_builder_set_member_name (b, "img_size");
  json_builder_add_string_value (b, img_size);
  if (arch->version == 2) {
    /* timm's layout has no relative_coords_table to say it */
    char *text = g_strdup_printf ("%d", window);
    json_builder_set_member_name (b, "window_size");
    json_builder_add_string_value (b, text);
    g_free (text);
  }
  for (int i = 0; i < 2; i++) {
    const float *v = i == 0 ? params->mean : params->std;
    char buf[3][G_ASCII_DTOSTR_BUF_SIZE], *text;

    if (v == NULL)
      continue;
    text = g_strjoin (",", g_ascii_dtostr (buf[0], sizeof (buf[0]), v[0]),
                      g_ascii_dtostr (buf[1], sizeof (buf[1]), v[1]),
                      g_ascii_dtostr (buf[2], sizeof (buf[2]), v[2]), NULL);
    json_builder_set_member_name (b, i == 0 ? "mean" : "std");
    json_builder_add_string_value (b, text);
    g_free (text);
  }
  json_builder_end_object (b);
  for (guint i = 0; i < specs->len; i++) {
    const SwinTensorSpec *spec = &g_array_index (specs, SwinTensorSpec, i);
    guint64 size = (guint64) spec->numel * 4;

    add_tensor_entry (b, spec->name, "F32", spec->shape, spec->ndim, offset, offset + size);
    offset += size;
  }
  for (guint i = 0; i < indices->len; i++) {
    const IndexBuffer *ib = &g_array_index (indices, IndexBuffer, i);
    int64_t m = ib->window, n = m * m * m * m, side = 2 * m - 1;
    int64_t coords_shape[4] = { 1, side, side, 2 };

    if (ib->coords)
      add_tensor_entry (b, ib->name, "F32", coords_shape, 4, offset, offset + index_buffer_bytes (ib));
    else
      add_tensor_entry (b, ib->name, "I64", &n, 1, offset, offset + index_buffer_bytes (ib));
    offset += index_buffer_bytes (ib);
  }
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json = json_generator_to_data (gen, &json_len);
  *len = (json_len + 7) / 8 * 8;
  padded = g_malloc (*len);
  memcpy (padded, json, json_len);
  memset (padded + json_len, ' ', *len - json_len);

  g_free (json);
  g_free (img_size);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
  return padded;
}

static gboolean
write_bytes (FILE *f, const void *data, gsize len, const char *path, GError **error)
{
  if (len > 0 && fwrite (data, 1, len, f) != len) {
    int err = errno;
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_IO, "cannot write %s: %s", path, g_strerror (err));
    return FALSE;
  }
  return TRUE;
}

static gboolean
write_tensor (FILE *f, const SwinTensorSpec *spec, GRand *rand, const char *path, GError **error)
{
  guint8 *bytes = g_try_malloc (MAX (spec->numel, 1) * 4);
  gboolean ok;

  if (bytes == NULL) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_OUT_OF_MEMORY, "out of memory initialising '%s'", spec->name);
    return FALSE;
  }
  for (int64_t i = 0; i < spec->numel; i++) {
    float v = spec->fill == SWIN_FILL_TRUNC_NORMAL ? trunc_normal (rand)
              : spec->fill == SWIN_FILL_ONES ? 1.0f : spec->fill == SWIN_FILL_LOG10 ? logf (10.0f) : 0.0f;
    guint32 u;

    memcpy (&u, &v, sizeof (u));
    for (int k = 0; k < 4; k++)
      bytes[4 * i + k] = (guint8) (u >> (8 * k));
  }
  ok = write_bytes (f, bytes, spec->numel * 4, path, error);
  g_free (bytes);
  return ok;
}

/* V2's relative_coords_table of a window @m, normalised to the window itself. */
static gboolean
write_coords (FILE *f, int m, const char *path, GError **error)
{
  size_t n = (size_t) (2 * m - 1) * (2 * m - 1) * 2;
  float *coords = g_new (float, n);
  guint8 *bytes = g_malloc (n * 4);
  gboolean ok;

  swin_cpb_coords (m, m, coords);
  for (size_t i = 0; i < n; i++) {
    guint32 u;

    memcpy (&u, &coords[i], sizeof (u));
    for (int k = 0; k < 4; k++)
      bytes[4 * i + k] = (guint8) (u >> (8 * k));
  }
  ok = write_bytes (f, bytes, n * 4, path, error);
  g_free (bytes);
  g_free (coords);
  return ok;
}

/* relative_position_index[i * M^2 + j]: the bias-table row of the offset
 * between tokens i and j of a window, (dy + M - 1) * (2M - 1) + dx + M - 1. */
static gboolean
write_index (FILE *f, int m, const char *path, GError **error)
{
  int n = m * m;
  guint8 *bytes = g_malloc ((gsize) n * n * 8);
  gboolean ok;

  for (int i = 0; i < n; i++) {
    for (int j = 0; j < n; j++) {
      guint64 v = (guint64) ((i / m - j / m + m - 1) * (2 * m - 1) + (i % m - j % m + m - 1));
      for (int k = 0; k < 8; k++)
        bytes[((gsize) i * n + j) * 8 + k] = (guint8) (v >> (8 * k));
    }
  }
  ok = write_bytes (f, bytes, (gsize) n * n * 8, path, error);
  g_free (bytes);
  return ok;
}

gboolean
swin_model_init_random (const SwinInitParams *params, const char *path, GError **error)
{
  SwinArch arch;
  int window;
  GArray *specs = NULL, *indices = NULL;
  GRand *rand = NULL;
  guint32 seed[2];
  char *header = NULL;
  gsize header_len;
  guint8 len_bytes[8];
  FILE *f = NULL;
  int fd;
  gboolean ok = FALSE;

  g_return_val_if_fail (params != NULL && path != NULL, FALSE);

  if (!arch_from_params (params, &arch, &window, error))
    return FALSE;
  if ((params->mean == NULL) != (params->std == NULL)) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "mean and std go together");
    return FALSE;
  }
  if (params->mean != NULL && !swin_check_normalization (params->mean, params->std, error))
    return FALSE;

  specs = swin_tensor_specs_new (&arch, NULL);
  indices = g_array_new (FALSE, FALSE, sizeof (IndexBuffer));
  g_array_set_clear_func (indices, clear_index_buffer);
  for (int s = 0; s < arch.num_stages; s++) {
    for (int j = 0; j < arch.depths[s]; j++) {
      IndexBuffer index = { swin_key_relative_position_index (arch.layout, s, j), arch.windows[s], FALSE };
      IndexBuffer coords = { swin_key_relative_coords_table (arch.layout, s, j), arch.windows[s], TRUE };

      if (arch.version == 2 && arch.layout != SWIN_LAYOUT_TIMM)
        g_array_append_val (indices, coords);
      else
        g_free (coords.name);
      if (arch.layout == SWIN_LAYOUT_TORCHVISION)
        g_array_append_val (indices, index);
      else
        g_free (index.name);
    }
  }
  header = build_header (&arch, params->arch != NULL ? params->arch : "custom", window, params, specs,
                        indices, &header_len);
  for (int k = 0; k < 8; k++)
    len_bytes[k] = (guint8) ((guint64) header_len >> (8 * k));

  /* A regular file only: a FIFO would block until someone reads it. */
  fd = swin_file_open (path, O_WRONLY | O_CREAT | O_TRUNC, error);
  if (fd < 0)
    goto out;
  f = fdopen (fd, "wb");
  if (f == NULL) {
    int err = errno;
    close (fd);
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_IO, "cannot create %s: %s", path, g_strerror (err));
    goto out;
  }
  if (!write_bytes (f, len_bytes, 8, path, error) || !write_bytes (f, header, header_len, path, error))
    goto out;

  /* Values are drawn in the specs' layout-independent order: the same seed
   * gives the same model in every layout. */
  seed[0] = (guint32) params->seed;
  seed[1] = (guint32) (params->seed >> 32);
  rand = g_rand_new_with_seed_array (seed, 2);
  for (guint i = 0; i < specs->len; i++) {
    if (!write_tensor (f, &g_array_index (specs, SwinTensorSpec, i), rand, path, error))
      goto out;
  }
  for (guint i = 0; i < indices->len; i++) {
    const IndexBuffer *ib = &g_array_index (indices, IndexBuffer, i);

    if (!(ib->coords ? write_coords (f, ib->window, path, error) : write_index (f, ib->window, path, error)))
      goto out;
  }
  ok = TRUE;

out:
  if (f != NULL && fclose (f) != 0 && ok) {
    int err = errno;
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_IO, "cannot write %s: %s", path, g_strerror (err));
    ok = FALSE;
  }
  if (!ok && f != NULL)
    g_remove (path);
  if (rand != NULL)
    g_rand_free (rand);
  g_free (header);
  g_array_unref (indices);
  g_array_unref (specs);
  return ok;
}
