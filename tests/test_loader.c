/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Checkpoint loading: round trips through swin_model_init_random() in every
 * key layout, F16/BF16 conversion, metadata, and every kind of bad file.
 *
 * The test reads and writes safetensors files with its own small code (a
 * json-glib header parse, a hand-built header), so that the loader is
 * checked against an independent view of the format. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "swin_keys.h"
#include "swin_safetensors.h"

/* ---- fixture: a temporary directory ---- */

typedef struct {
  char *dir;
} Fixture;

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  GError *error = NULL;

  fx->dir = g_dir_make_tmp ("swin-loader-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  GDir *dir = g_dir_open (fx->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    char *path = g_build_filename (fx->dir, name, NULL);
    g_unlink (path);
    g_free (path);
  }
  if (dir != NULL)
    g_dir_close (dir);
  g_rmdir (fx->dir);
  g_free (fx->dir);
}

static char *
fx_path (Fixture *fx, const char *name)
{
  return g_build_filename (fx->dir, name, NULL);
}

/* ---- the test's own view of a safetensors file ---- */

typedef struct {
  char *name;
  char *dtype;
  int ndim;
  gint64 shape[8];
  GByteArray *data;
} TTensor;

static void
ttensor_free (gpointer p)
{
  TTensor *t = p;
  g_free (t->name);
  g_free (t->dtype);
  g_byte_array_unref (t->data);
  g_free (t);
}

static TTensor *
ttensor_new (const char *name, const char *dtype, int ndim, const gint64 *shape, const void *data, gsize len)
{
  TTensor *t = g_new0 (TTensor, 1);

  t->name = g_strdup (name);
  t->dtype = g_strdup (dtype);
  t->ndim = ndim;
  memcpy (t->shape, shape, ndim * sizeof (gint64));
  t->data = g_byte_array_new ();
  g_byte_array_append (t->data, data, (guint) len);
  return t;
}

/* Reads every tensor of a (valid) file with json-glib; GPtrArray of TTensor. */
static GPtrArray *
tfile_read (const char *path)
{
  GPtrArray *tensors = g_ptr_array_new_with_free_func (ttensor_free);
  JsonParser *parser = json_parser_new ();
  GError *error = NULL;
  char *bytes;
  gsize len;
  guint64 n = 0;
  JsonObject *root;
  GList *members;

  g_assert_true (g_file_get_contents (path, &bytes, &len, &error));
  g_assert_cmpuint (len, >=, 8);
  for (int i = 7; i >= 0; i--)
    n = n << 8 | (guint8) bytes[i];
  g_assert_true (json_parser_load_from_data (parser, bytes + 8, (gssize) n, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  members = json_object_get_members (root);
  for (GList *l = members; l != NULL; l = l->next) {
    JsonObject *e;
    JsonArray *shape, *off;
    gint64 dims[8];
    gint64 begin, end;

    if (strcmp (l->data, "__metadata__") == 0)
      continue;
    e = json_object_get_object_member (root, l->data);
    shape = json_object_get_array_member (e, "shape");
    off = json_object_get_array_member (e, "data_offsets");
    for (guint d = 0; d < json_array_get_length (shape); d++)
      dims[d] = json_array_get_int_element (shape, d);
    begin = json_array_get_int_element (off, 0);
    end = json_array_get_int_element (off, 1);
    g_ptr_array_add (tensors, ttensor_new (l->data, json_object_get_string_member (e, "dtype"),
                                           (int) json_array_get_length (shape), dims,
                                           bytes + 8 + n + begin, (gsize) (end - begin)));
  }
  g_list_free (members);
  g_object_unref (parser);
  g_free (bytes);
  return tensors;
}

static TTensor *
tfile_find (GPtrArray *tensors, const char *name)
{
  for (guint i = 0; i < tensors->len; i++) {
    TTensor *t = g_ptr_array_index (tensors, i);
    if (strcmp (t->name, name) == 0)
      return t;
  }
  g_error ("test file has no tensor '%s'", name);
}

/* Writes raw bytes: an 8-byte header length, @header, @payload. */
static void
write_raw (const char *path, guint64 header_len, const char *header, gsize header_bytes, const void *payload,
           gsize payload_len)
{
  GByteArray *file = g_byte_array_new ();
  GError *error = NULL;
  guint8 len_le[8];

  for (int i = 0; i < 8; i++)
    len_le[i] = (guint8) (header_len >> (8 * i));
  g_byte_array_append (file, len_le, 8);
  g_byte_array_append (file, (const guint8 *) header, (guint) header_bytes);
  if (payload_len > 0)
    g_byte_array_append (file, payload, (guint) payload_len);
  g_assert_true (g_file_set_contents (path, (const char *) file->data, file->len, &error));
  g_byte_array_unref (file);
}

/* A file with the JSON header @json (its true length) and @payload. */
static void
write_json (const char *path, const char *json, const void *payload, gsize payload_len)
{
  write_raw (path, strlen (json), json, strlen (json), payload, payload_len);
}

/* A well-formed file of @tensors, contiguous, with @metadata (a JSON object
 * text) or none. */
static void
tfile_write (const char *path, GPtrArray *tensors, const char *metadata)
{
  GString *json = g_string_new ("{");
  GByteArray *payload = g_byte_array_new ();

  if (metadata != NULL)
    g_string_append_printf (json, "\"__metadata__\":%s", metadata);
  for (guint i = 0; i < tensors->len; i++) {
    TTensor *t = g_ptr_array_index (tensors, i);

    g_string_append_printf (json, "%s\"%s\":{\"dtype\":\"%s\",\"shape\":[",
                            json->len > 1 ? "," : "", t->name, t->dtype);
    for (int d = 0; d < t->ndim; d++)
      g_string_append_printf (json, "%s%" G_GINT64_FORMAT, d > 0 ? "," : "", t->shape[d]);
    g_string_append_printf (json, "],\"data_offsets\":[%u,%u]}", payload->len, payload->len + t->data->len);
    g_byte_array_append (payload, t->data->data, t->data->len);
  }
  g_string_append_c (json, '}');
  write_json (path, json->str, payload->data, payload->len);
  g_string_free (json, TRUE);
  g_byte_array_unref (payload);
}

/* Resizes a tensor's data; new bytes are zero. */
static void
ttensor_resize (TTensor *t, guint len)
{
  guint old = t->data->len;

  g_byte_array_set_size (t->data, len);
  if (len > old)
    memset (t->data->data + old, 0, len - old);
}

/* The F32 values of a test tensor. */
static float *
ttensor_floats (TTensor *t, gsize *count)
{
  g_assert_cmpstr (t->dtype, ==, "F32");
  *count = t->data->len / 4;
  return g_memdup2 (t->data->data, t->data->len);
}

/* ---- the tiny architecture of most tests ---- */

/* C = 16, two stages (2 and 1 blocks), 2 and 4 heads (head dim 8), window
 * 2, 10 classes: about 23 k parameters. */
static SwinInitParams
tiny_params (SwinLayout layout, guint64 seed)
{
  SwinInitParams p = {
    .arch = NULL,
    .embed_dim = 16,
    .num_stages = 2,
    .depths = { 2, 1 },
    .heads = { 2, 4 },
    .window = 2,
    .num_classes = 10,
    .layout = layout,
    .seed = seed,
  };
  return p;
}

/* Parameter count of a Swin model, from the architecture's definition. */
static gint64
count_params (int in_chans, int patch, int c0, int stages, const int *depths, const int *heads, int window,
              int classes)
{
  gint64 n = (gint64) c0 * in_chans * patch * patch + c0 + 2 * c0;
  gint64 c = c0;

  for (int s = 0; s < stages; s++, c *= 2) {
    gint64 hidden = 4 * c;
    gint64 block = 2 * c                        /* norm1 */
                   + 3 * c * c + 3 * c          /* qkv */
                   + c * c + c                  /* proj */
                   + (gint64) (2 * window - 1) * (2 * window - 1) * heads[s]
                   + 2 * c                      /* norm2 */
                   + hidden * c + hidden        /* fc1 */
                   + c * hidden + c;            /* fc2 */
    n += depths[s] * block;
    if (s + 1 < stages)
      n += 2 * 4 * c + 2 * c * 4 * c;          /* merging: norm, reduction */
  }
  c /= 2;
  return n + 2 * c + classes * c + classes;
}

/* The tiny model as Swin @version (1 or 2), written to @name and loaded. */
static SwinModel *
make_tiny_as (Fixture *fx, const char *name, SwinLayout layout, int version, guint64 seed, char **path_out)
{
  SwinInitParams p = tiny_params (layout, seed);
  char *path = fx_path (fx, name);
  GError *error = NULL;
  SwinModel *model;

  p.version = version;
  g_assert_true (swin_model_init_random (&p, path, &error));
  g_assert_no_error (error);
  model = swin_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (model);
  if (path_out != NULL)
    *path_out = path;
  else
    g_free (path);
  return model;
}

static SwinModel *
make_tiny (Fixture *fx, const char *name, SwinLayout layout, guint64 seed, char **path_out)
{
  return make_tiny_as (fx, name, layout, 1, seed, path_out);
}

/* Every tensor of @m as (pointer, count), in a fixed order. */
typedef struct {
  const float *p;
  gsize n;
} Span;

static GArray *
model_spans (const SwinModel *m)
{
  const SwinArch *a = &m->arch;
  GArray *v = g_array_new (FALSE, FALSE, sizeof (Span));
  gsize c = (gsize) a->embed_dim;

#define ADD(ptr, count) G_STMT_START { Span sp = { (ptr), (count) }; g_array_append_val (v, sp); } G_STMT_END
  ADD (m->patch_w, c * a->in_chans * a->patch_size * a->patch_size);
  ADD (m->patch_b, c);
  ADD (m->patch_norm_w, c);
  ADD (m->patch_norm_b, c);
  for (int s = 0; s < a->num_stages; s++, c *= 2) {
    gsize h = (gsize) a->mlp_hidden[s], rows = (gsize) (2 * a->windows[s] - 1) * (2 * a->windows[s] - 1);

    for (int j = 0; j < a->depths[s]; j++) {
      const SwinBlockWeights *b = &m->stages[s].blocks[j];
      ADD (b->norm1_w, c);
      ADD (b->norm1_b, c);
      ADD (b->qkv_w, 3 * c * c);
      ADD (b->qkv_b, 3 * c);
      ADD (b->proj_w, c * c);
      ADD (b->proj_b, c);
      ADD (b->rpb_table, rows * a->heads[s]);
      ADD (b->norm2_w, c);
      ADD (b->norm2_b, c);
      ADD (b->fc1_w, h * c);
      ADD (b->fc1_b, h);
      ADD (b->fc2_w, c * h);
      ADD (b->fc2_b, c);
      if (a->version == 2) {
        ADD (b->logit_scale, a->heads[s]);
        ADD (b->attn_scale, a->heads[s]);
        ADD (b->cpb_fc1_w, 512 * 2);
        ADD (b->cpb_fc1_b, 512);
        ADD (b->cpb_fc2_w, a->heads[s] * 512);
      } else {
        g_assert_null (b->logit_scale);
      }
    }
    if (s + 1 < a->num_stages) {
      /* V2 normalises after the reduction: 2C */
      ADD (m->stages[s].merge_norm_w, a->version == 2 ? 2 * c : 4 * c);
      ADD (m->stages[s].merge_norm_b, a->version == 2 ? 2 * c : 4 * c);
      ADD (m->stages[s].merge_reduction_w, 2 * c * 4 * c);
    } else {
      g_assert_null (m->stages[s].merge_reduction_w);
    }
  }
  c /= 2;
  ADD (m->norm_w, c);
  ADD (m->norm_b, c);
  ADD (m->head_w, (gsize) a->num_classes * c);
  ADD (m->head_b, (gsize) a->num_classes);
#undef ADD
  return v;
}

static gboolean
models_equal (const SwinModel *a, const SwinModel *b)
{
  GArray *sa = model_spans (a), *sb = model_spans (b);
  gboolean equal = sa->len == sb->len;

  for (guint i = 0; equal && i < sa->len; i++) {
    Span x = g_array_index (sa, Span, i), y = g_array_index (sb, Span, i);
    g_assert_nonnull (x.p);
    g_assert_nonnull (y.p);
    equal = x.n == y.n && memcmp (x.p, y.p, x.n * sizeof (float)) == 0;
  }
  g_array_unref (sa);
  g_array_unref (sb);
  return equal;
}

/* The tensor @name in the file at @path equals @values. */
static void
assert_file_tensor (const char *path, const char *name, const float *values, gsize count)
{
  GPtrArray *tensors = tfile_read (path);
  gsize n;
  float *data = ttensor_floats (tfile_find (tensors, name), &n);

  g_assert_cmpuint (n, ==, count);
  g_assert_cmpmem (data, n * sizeof (float), values, count * sizeof (float));
  g_free (data);
  g_ptr_array_unref (tensors);
}

/* Loading @path fails with @code and a message containing @substring. */
static void
expect_load_error (const char *path, int code, const char *substring)
{
  GError *error = NULL;
  SwinModel *model = swin_model_load (path, &error);

  g_assert_null (model);
  if (!g_error_matches (error, SWIN_ERROR, code) || strstr (error->message, substring) == NULL)
    g_error ("expected code %d and \"%s\", got %d: %s", code, substring, error != NULL ? error->code : -1,
             error != NULL ? error->message : "(no error)");
  g_error_free (error);
}

/* ---- round trips ---- */

static void
check_tiny_arch (const SwinArch *a, SwinLayout layout)
{
  static const int depths[] = { 2, 1 }, heads[] = { 2, 4 };

  g_assert_cmpint (a->layout, ==, layout);
  g_assert_cmpint (a->in_chans, ==, 3);
  g_assert_cmpint (a->patch_size, ==, 4);
  g_assert_cmpint (a->embed_dim, ==, 16);
  g_assert_cmpint (a->num_stages, ==, 2);
  g_assert_cmpint (a->depths[0], ==, 2);
  g_assert_cmpint (a->depths[1], ==, 1);
  g_assert_cmpint (a->heads[0], ==, 2);
  g_assert_cmpint (a->heads[1], ==, 4);
  g_assert_cmpint (a->windows[0], ==, 2);
  g_assert_cmpint (a->windows[1], ==, 2);
  g_assert_cmpint (a->mlp_hidden[0], ==, 64);
  g_assert_cmpint (a->mlp_hidden[1], ==, 128);
  g_assert_cmpint (a->num_classes, ==, 10);
  g_assert_false (a->ape);
  g_assert_cmpint (a->img_size, ==, 64);   /* 32 * window */
  g_assert_cmpint (a->num_params, ==, count_params (3, 4, 16, 2, depths, heads, 2, 10));
  g_assert_cmpint (a->num_params, ==, 22722);
}

static void
test_roundtrip_layouts (Fixture *fx, gconstpointer data)
{
  char *tv_path, *orig_path, *timm_path;
  SwinModel *tv = make_tiny (fx, "tv.safetensors", SWIN_LAYOUT_TORCHVISION, 42, &tv_path);
  SwinModel *orig = make_tiny (fx, "orig.safetensors", SWIN_LAYOUT_ORIGINAL, 42, &orig_path);
  SwinModel *timm = make_tiny (fx, "timm.safetensors", SWIN_LAYOUT_TIMM, 42, &timm_path);
  SwinModel *other = make_tiny (fx, "other.safetensors", SWIN_LAYOUT_TIMM, 43, NULL);
  const SwinArch *a = swin_model_get_arch (tv);

  check_tiny_arch (a, SWIN_LAYOUT_TORCHVISION);
  check_tiny_arch (swin_model_get_arch (orig), SWIN_LAYOUT_ORIGINAL);
  check_tiny_arch (swin_model_get_arch (timm), SWIN_LAYOUT_TIMM);
  g_assert_cmpstr (swin_model_get_name (tv), ==, "tv");
  g_assert_cmpstr (swin_layout_name (SWIN_LAYOUT_TIMM), ==, "timm");

  /* Same seed, same weights whatever the layout; another seed differs. */
  g_assert_true (models_equal (tv, orig));
  g_assert_true (models_equal (tv, timm));
  g_assert_false (models_equal (tv, other));

  /* The init recipe: unit LN weights, zero biases, truncated normal weights. */
  for (int i = 0; i < 16; i++) {
    g_assert_cmpfloat (tv->patch_norm_w[i], ==, 1.0f);
    g_assert_cmpfloat (tv->stages[0].blocks[1].proj_b[i], ==, 0.0f);
  }
  {
    const float *w = tv->stages[1].blocks[0].fc1_w;
    double sum2 = 0;
    for (int i = 0; i < 128 * 32; i++) {
      g_assert_cmpfloat (fabsf (w[i]), <=, 0.04f);
      sum2 += (double) w[i] * w[i];
    }
    /* std of N(0, 0.02) cut at 2 std: 0.02 * 0.8796 */
    g_assert_cmpfloat_with_epsilon (sqrt (sum2 / (128 * 32)), 0.01759, 0.001);
  }

  /* Struct fields hold the tensors of the keys each layout documents. */
  assert_file_tensor (tv_path, "features.0.0.weight", tv->patch_w, 16 * 3 * 4 * 4);
  assert_file_tensor (tv_path, "features.1.1.mlp.0.weight", tv->stages[0].blocks[1].fc1_w, 64 * 16);
  assert_file_tensor (tv_path, "features.1.1.mlp.3.weight", tv->stages[0].blocks[1].fc2_w, 16 * 64);
  assert_file_tensor (tv_path, "features.2.reduction.weight", tv->stages[0].merge_reduction_w, 32 * 64);
  assert_file_tensor (tv_path, "features.3.0.attn.relative_position_bias_table",
                      tv->stages[1].blocks[0].rpb_table, 9 * 4);
  assert_file_tensor (tv_path, "head.weight", tv->head_w, 10 * 32);
  assert_file_tensor (orig_path, "patch_embed.proj.weight", orig->patch_w, 16 * 3 * 4 * 4);
  assert_file_tensor (orig_path, "layers.0.downsample.reduction.weight", orig->stages[0].merge_reduction_w, 32 * 64);
  assert_file_tensor (orig_path, "layers.1.blocks.0.attn.qkv.weight", orig->stages[1].blocks[0].qkv_w, 96 * 32);
  assert_file_tensor (orig_path, "head.weight", orig->head_w, 10 * 32);
  assert_file_tensor (timm_path, "layers.1.downsample.reduction.weight", timm->stages[0].merge_reduction_w, 32 * 64);
  assert_file_tensor (timm_path, "layers.1.downsample.norm.weight", timm->stages[0].merge_norm_w, 64);
  assert_file_tensor (timm_path, "head.fc.weight", timm->head_w, 10 * 32);

  swin_model_free (tv);
  swin_model_free (orig);
  swin_model_free (timm);
  swin_model_free (other);
  g_free (tv_path);
  g_free (orig_path);
  g_free (timm_path);
}

/* V2 in each layout: recognised by its keys, the same weights whatever the
 * layout, the logit scales as written, the bias table made at load within
 * 16 * sigmoid's range, the k third of the qkv bias zero. */
static void
test_v2_layouts (Fixture *fx, gconstpointer data)
{
  static const SwinLayout layouts[] = { SWIN_LAYOUT_TORCHVISION, SWIN_LAYOUT_ORIGINAL, SWIN_LAYOUT_TIMM };
  SwinModel *models[G_N_ELEMENTS (layouts)];
  char *orig_path;

  for (guint i = 0; i < G_N_ELEMENTS (layouts); i++) {
    char *name = g_strdup_printf ("v2-%s.safetensors", swin_layout_name (layouts[i]));
    const SwinArch *a;

    models[i] = make_tiny_as (fx, name, layouts[i], 2, 42, layouts[i] == SWIN_LAYOUT_ORIGINAL ? &orig_path : NULL);
    a = swin_model_get_arch (models[i]);
    g_assert_cmpint (a->version, ==, 2);
    g_assert_cmpint (a->layout, ==, layouts[i]);
    g_assert_cmpint (a->windows[0], ==, 2);
    g_assert_cmpint (a->windows[1], ==, 2);
    g_assert_cmpint (a->num_stages, ==, 2);
    g_free (name);
  }
  g_assert_true (models_equal (models[0], models[1]));
  g_assert_true (models_equal (models[0], models[2]));
  for (int s = 0; s < 2; s++) {
    const SwinArch *a = swin_model_get_arch (models[0]);
    const SwinBlockWeights *b = &models[0]->stages[s].blocks[0];
    int rows = (2 * a->windows[s] - 1) * (2 * a->windows[s] - 1), c = 16 << s;

    for (int h = 0; h < a->heads[s]; h++) {
      g_assert_cmpfloat_with_epsilon (b->logit_scale[h], logf (10.0f), 1e-6);
      g_assert_cmpfloat_with_epsilon (b->attn_scale[h], 10.0f, 1e-5);
    }
    for (int i = 0; i < rows * a->heads[s]; i++) {
      g_assert_cmpfloat (b->rpb_table[i], >, 0.0f);
      g_assert_cmpfloat (b->rpb_table[i], <, 16.0f);
    }
    for (int i = c; i < 2 * c; i++)
      g_assert_cmpfloat (b->qkv_b[i], ==, 0.0f);
  }
  assert_file_tensor (orig_path, "layers.0.blocks.1.attn.logit_scale", models[1]->stages[0].blocks[1].logit_scale, 2);
  assert_file_tensor (orig_path, "layers.1.blocks.0.attn.cpb_mlp.2.weight",
                      models[1]->stages[1].blocks[0].cpb_fc2_w, 4 * 512);
  assert_file_tensor (orig_path, "layers.0.downsample.norm.weight", models[1]->stages[0].merge_norm_w, 32);
  for (guint i = 0; i < G_N_ELEMENTS (layouts); i++)
    swin_model_free (models[i]);
  g_free (orig_path);
}

/* torchvision files carry int64 relative_position_index buffers: they must
 * be accepted and ignored, as must other unknown tensors of any dtype. */
static void
test_ignored_buffers (Fixture *fx, gconstpointer data)
{
  char *path;
  SwinModel *model = make_tiny (fx, "tv.safetensors", SWIN_LAYOUT_TORCHVISION, 1, &path);
  GPtrArray *tensors = tfile_read (path);
  TTensor *index = tfile_find (tensors, "features.1.0.attn.relative_position_index");
  gint64 first[4], shape = 3;
  GError *error = NULL;
  SwinModel *again;

  /* torchvision's index for a 2x2 window starts 4, 3, 1, 0 (rows of the
   * 3x3 table for offsets (0,0), (0,-1), (-1,0), (-1,-1)) */
  g_assert_cmpstr (index->dtype, ==, "I64");
  g_assert_cmpint (index->shape[0], ==, 16);
  memcpy (first, index->data->data, sizeof (first));
  g_assert_cmpint (GINT64_FROM_LE (first[0]), ==, 4);
  g_assert_cmpint (GINT64_FROM_LE (first[1]), ==, 3);
  g_assert_cmpint (GINT64_FROM_LE (first[2]), ==, 1);
  g_assert_cmpint (GINT64_FROM_LE (first[3]), ==, 0);

  g_ptr_array_add (tensors, ttensor_new ("features.1.0.attn_mask", "U8", 1, &shape, "abc", 3));
  tfile_write (path, tensors, NULL);
  again = swin_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_true (models_equal (model, again));

  swin_model_free (again);
  swin_model_free (model);
  g_ptr_array_unref (tensors);
  g_free (path);
}

/* ---- F16 / BF16 ---- */

/* The F16 pattern of @v, which must be an exactly representable normal
 * number or zero (test data only). */
static guint16
f16_bits_exact (float v)
{
  int e;
  float m;
  guint16 sign = signbit (v) ? 0x8000 : 0;

  if (v == 0.0f)
    return sign;
  m = frexpf (fabsf (v), &e);           /* |v| = m * 2^e, m in [0.5, 1) */
  g_assert_true (e - 1 >= -14 && e - 1 <= 15);
  g_assert_cmpfloat (ldexpf (m, 11), ==, floorf (ldexpf (m, 11)));
  return sign | (guint16) ((e - 1 + 15) << 10) | (guint16) ((int) ldexpf (m, 11) - 1024);
}

static guint16
bf16_bits_exact (float v)
{
  guint32 u;

  memcpy (&u, &v, 4);
  g_assert_cmpuint (u & 0xffff, ==, 0);
  return (guint16) (u >> 16);
}

/* Exactly representable in both: k / 32 with |k| <= 30. */
static float
exact_value (guint i)
{
  return (float) ((int) (i * 7 % 61) - 30) / 32.0f;
}

static void
check_halves (Fixture *fx, const char *dtype)
{
  char *path;
  SwinModel *model = make_tiny (fx, "half.safetensors", SWIN_LAYOUT_ORIGINAL, 5, &path);
  GPtrArray *tensors = tfile_read (path);
  GError *error = NULL;
  GArray *spans;

  for (guint i = 0; i < tensors->len; i++) {
    TTensor *t = g_ptr_array_index (tensors, i);
    guint n = t->data->len / 4;

    ttensor_resize (t, n * 2);
    for (guint k = 0; k < n; k++) {
      float v = exact_value (k);
      guint16 bits = strcmp (dtype, "F16") == 0 ? f16_bits_exact (v) : bf16_bits_exact (v);
      t->data->data[2 * k] = (guint8) bits;
      t->data->data[2 * k + 1] = (guint8) (bits >> 8);
    }
    g_free (t->dtype);
    t->dtype = g_strdup (dtype);
  }
  tfile_write (path, tensors, NULL);
  swin_model_free (model);

  model = swin_model_load (path, &error);
  g_assert_no_error (error);
  spans = model_spans (model);
  g_assert_cmpuint (spans->len, ==, tensors->len);
  for (guint i = 0; i < spans->len; i++) {
    Span sp = g_array_index (spans, Span, i);
    for (gsize k = 0; k < sp.n; k++)
      g_assert_cmpfloat (sp.p[k], ==, exact_value ((guint) k));
  }
  g_array_unref (spans);
  swin_model_free (model);
  g_ptr_array_unref (tensors);
  g_free (path);
}

static void
test_f16_model (Fixture *fx, gconstpointer data)
{
  check_halves (fx, "F16");
}

static void
test_bf16_model (Fixture *fx, gconstpointer data)
{
  check_halves (fx, "BF16");
}

/* Special values, and tensors at odd (unaligned) offsets. */
static void
test_conversion_values (Fixture *fx, gconstpointer data)
{
  static const guint16 f16[] = { 0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x0400, 0x8000, 0x7c00, 0x3555, 0x03ff };
  static const float f16_expect[] = { 1.0f, -2.0f, 0.5f, 65504.0f, 5.9604644775390625e-8f, 6.103515625e-5f,
                                      -0.0f, INFINITY, 0.333251953125f, 6.0975551605224609375e-5f };
  static const guint16 bf16[] = { 0x3f80, 0xc040, 0x4049, 0x0001, 0xff80 };
  static const float bf16_expect[] = { 1.0f, -3.0f, 3.140625f, 9.18354961579912e-41f, -INFINITY };
  static const guint8 f32_le[] = { 0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x20, 0xc1 };   /* 1.5, -10 */
  char *path = fx_path (fx, "values.safetensors");
  GByteArray *payload = g_byte_array_new ();
  char *json;
  guint8 nan_half[2] = { 0x00, 0x7e };
  SwinSafetensors *st;
  GError *error = NULL;
  float *v;

  /* one byte of padding first: every tensor starts at an odd offset */
  g_byte_array_append (payload, (const guint8 *) "x", 1);
  for (guint i = 0; i < G_N_ELEMENTS (f16); i++) {
    guint8 b[2] = { (guint8) f16[i], (guint8) (f16[i] >> 8) };
    g_byte_array_append (payload, b, 2);
  }
  for (guint i = 0; i < G_N_ELEMENTS (bf16); i++) {
    guint8 b[2] = { (guint8) bf16[i], (guint8) (bf16[i] >> 8) };
    g_byte_array_append (payload, b, 2);
  }
  g_byte_array_append (payload, f32_le, sizeof (f32_le));
  g_byte_array_append (payload, nan_half, 2);
  json = g_strdup_printf ("{\"h\":{\"dtype\":\"F16\",\"shape\":[10],\"data_offsets\":[1,21]},"
                          "\"b\":{\"dtype\":\"BF16\",\"shape\":[5],\"data_offsets\":[21,31]},"
                          "\"f\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[31,39]},"
                          "\"n\":{\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[39,41]}}");
  write_json (path, json, payload->data, payload->len);

  st = swin_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (swin_safetensors_get_n_tensors (st), ==, 4);

  v = swin_safetensors_to_f32 (swin_safetensors_lookup (st, "h"), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (f16); i++) {
    g_assert_cmpfloat (v[i], ==, f16_expect[i]);
    g_assert_cmpint (signbit (v[i]), ==, signbit (f16_expect[i]));
  }
  g_free (v);
  v = swin_safetensors_to_f32 (swin_safetensors_lookup (st, "b"), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (bf16); i++)
    g_assert_cmpfloat (v[i], ==, bf16_expect[i]);
  g_free (v);
  v = swin_safetensors_to_f32 (swin_safetensors_lookup (st, "f"), &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (v[0], ==, 1.5f);
  g_assert_cmpfloat (v[1], ==, -10.0f);
  g_free (v);
  /* a 0-d tensor has one element */
  g_assert_cmpint (swin_safetensors_lookup (st, "n")->numel, ==, 1);
  v = swin_safetensors_to_f32 (swin_safetensors_lookup (st, "n"), &error);
  g_assert_no_error (error);
  g_assert_true (isnan (v[0]));
  g_free (v);
  g_assert_null (swin_safetensors_lookup (st, "missing"));

  swin_safetensors_free (st);
  g_byte_array_unref (payload);
  g_free (json);
  g_free (path);
}

/* ---- metadata, ape, window 12 ---- */

static void
test_img_size_metadata (Fixture *fx, gconstpointer data)
{
  char *path;
  SwinModel *model = make_tiny (fx, "m.safetensors", SWIN_LAYOUT_TORCHVISION, 3, &path);
  GPtrArray *tensors = tfile_read (path);
  SwinInitParams p = tiny_params (SWIN_LAYOUT_TIMM, 3);
  GError *error = NULL;

  swin_model_free (model);

  tfile_write (path, tensors, "{\"img_size\":\"[128, 128]\"}");
  model = swin_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (swin_model_get_arch (model)->img_size, ==, 128);
  swin_model_free (model);

  /* no metadata: the default for window 2 is 32 * 2 */
  tfile_write (path, tensors, NULL);
  model = swin_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (swin_model_get_arch (model)->img_size, ==, 64);
  swin_model_free (model);

  /* init writes the requested size */
  p.img_size = 96;
  g_assert_true (swin_model_init_random (&p, path, &error));
  model = swin_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (swin_model_get_arch (model)->img_size, ==, 96);
  swin_model_free (model);

  tfile_write (path, tensors, "{\"img_size\":\"big\"}");
  expect_load_error (path, SWIN_ERROR_FORMAT, "img_size 'big'");

  /* 60 is not a multiple of 8 = patch 4 << 1 */
  tfile_write (path, tensors, "{\"img_size\":\"60\"}");
  expect_load_error (path, SWIN_ERROR_ARCH, "image size 60");

  tfile_write (path, tensors, "{\"img_size\":64}");
  expect_load_error (path, SWIN_ERROR_FORMAT, "__metadata__ entry 'img_size' is not a string");

  g_ptr_array_unref (tensors);
  g_free (path);
}

/* __metadata__ mean/std: read back exactly, both or neither, in range. */
static void
test_normalization_metadata (Fixture *fx, gconstpointer data)
{
  static const struct {
    const char *metadata;
    const char *error;  /* NULL: loads */
  } cases[] = {
    { "{\"mean\":\"0.25\"}", "has mean but no std" },
    { "{\"std\":\"0.25,0.5,1\"}", "has std but no mean" },
    { "{\"mean\":\"0.1,0.2\",\"std\":\"1,1,1\"}", "are not three numbers" },
    { "{\"mean\":\"0,0,0\",\"std\":\"1e39,1,1\"}", "are not three numbers" },
    { "{\"mean\":\"0,0,0\",\"std\":\"1,1e-9,1\"}", "channel 1" },
    { "{\"mean\":\"0,nan,0\",\"std\":\"1,1,1\"}", "are not three numbers" },
  };
  char *path;
  SwinModel *model = make_tiny (fx, "m.safetensors", SWIN_LAYOUT_TORCHVISION, 5, &path);
  GPtrArray *tensors = tfile_read (path);
  GError *error = NULL;
  float mean[3], std[3];

  /* init writes none: the caller's defaults apply */
  g_assert_false (swin_model_get_normalization (model, mean, std));
  swin_model_free (model);

  tfile_write (path, tensors, "{\"mean\":\"0.286, 0.25,-0.5\",\"std\":\"[0.353,1,2.5]\"}");
  model = swin_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_true (swin_model_get_normalization (model, mean, std));
  g_assert_cmpfloat (mean[0], ==, 0.286f);
  g_assert_cmpfloat (mean[2], ==, -0.5f);
  g_assert_cmpfloat (std[0], ==, 0.353f);
  g_assert_cmpfloat (std[2], ==, 2.5f);
  swin_model_free (model);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    tfile_write (path, tensors, cases[i].metadata);
    expect_load_error (path, SWIN_ERROR_FORMAT, cases[i].error);
  }
  g_ptr_array_unref (tensors);
  g_free (path);
}

static void
test_ape (Fixture *fx, gconstpointer data)
{
  char *path;
  SwinModel *model = make_tiny (fx, "ape.safetensors", SWIN_LAYOUT_ORIGINAL, 9, &path);
  GPtrArray *tensors = tfile_read (path);
  float pos[256 * 16];
  gint64 shape3[] = { 1, 256, 16 }, shape4[] = { 1, 16, 16, 16 }, bad[] = { 1, 100, 16 };
  GError *error = NULL;
  const SwinArch *a;

  swin_model_free (model);
  for (guint i = 0; i < G_N_ELEMENTS (pos); i++)
    pos[i] = (float) i / 4096.0f;

  /* [1, L, C] with L = (64 / 4)^2, size from the grid (no metadata) */
  g_ptr_array_add (tensors, ttensor_new ("absolute_pos_embed", "F32", 3, shape3, pos, sizeof (pos)));
  tfile_write (path, tensors, NULL);
  model = swin_model_load (path, &error);
  g_assert_no_error (error);
  a = swin_model_get_arch (model);
  g_assert_true (a->ape);
  g_assert_cmpint (a->img_size, ==, 64);
  g_assert_cmpint (a->num_params, ==, 22722 + 256 * 16);
  g_assert_cmpmem (model->abs_pos, sizeof (pos), pos, sizeof (pos));
  g_assert_true (swin_arch_check_size (a, 64, 64, &error));
  g_assert_false (swin_arch_check_size (a, 128, 128, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_assert_nonnull (strstr (error->message, "absolute position embedding"));
  g_clear_error (&error);
  swin_model_free (model);

  /* timm >= 0.9 stores it as a grid [1, H, W, C] */
  g_ptr_array_remove_index (tensors, tensors->len - 1);
  g_ptr_array_add (tensors, ttensor_new ("absolute_pos_embed", "F32", 4, shape4, pos, sizeof (pos)));
  tfile_write (path, tensors, "{\"img_size\":\"64\"}");
  model = swin_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_true (swin_model_get_arch (model)->ape);
  g_assert_cmpmem (model->abs_pos, sizeof (pos), pos, sizeof (pos));
  swin_model_free (model);

  /* L that does not match img_size */
  g_ptr_array_remove_index (tensors, tensors->len - 1);
  g_ptr_array_add (tensors, ttensor_new ("absolute_pos_embed", "F32", 3, bad, pos, 100 * 16 * 4));
  tfile_write (path, tensors, "{\"img_size\":\"64\"}");
  expect_load_error (path, SWIN_ERROR_TENSOR,
                     "'absolute_pos_embed' has shape [1, 100, 16], expected [1, 256, 16]");

  g_ptr_array_unref (tensors);
  g_free (path);
}

static void
test_window12 (Fixture *fx, gconstpointer data)
{
  SwinInitParams p = tiny_params (SWIN_LAYOUT_TORCHVISION, 7);
  char *path = fx_path (fx, "w12.safetensors");
  GError *error = NULL;
  SwinModel *model;
  const SwinArch *a;
  static const int depths[] = { 2, 1 }, heads[] = { 2, 4 };

  p.window = 12;
  g_assert_true (swin_model_init_random (&p, path, &error));
  g_assert_no_error (error);
  model = swin_model_load (path, &error);
  g_assert_no_error (error);
  a = swin_model_get_arch (model);
  g_assert_cmpint (a->windows[0], ==, 12);
  g_assert_cmpint (a->windows[1], ==, 12);
  g_assert_cmpint (a->img_size, ==, 384);
  g_assert_cmpint (a->num_params, ==, count_params (3, 4, 16, 2, depths, heads, 12, 10));
  swin_model_free (model);
  g_free (path);
}

static void
test_init_bad_params (Fixture *fx, gconstpointer data)
{
  char *path = fx_path (fx, "bad.safetensors");
  SwinInitParams p = tiny_params (SWIN_LAYOUT_TIMM, 1);
  GError *error = NULL;

  p.arch = "swin_x";
  g_assert_false (swin_model_init_random (&p, path, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_assert_nonnull (strstr (error->message, "unknown architecture 'swin_x'"));
  g_clear_error (&error);

  p = tiny_params (SWIN_LAYOUT_TIMM, 1);
  p.heads[1] = 3;     /* 32 channels */
  g_assert_false (swin_model_init_random (&p, path, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_assert_nonnull (strstr (error->message, "3 heads do not divide 32 channels"));
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* Values that once overflowed an int before validation (UBSan). */
  p = tiny_params (SWIN_LAYOUT_TIMM, 1);
  p.embed_dim = G_MAXINT;
  g_assert_false (swin_model_init_random (&p, path, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_assert_nonnull (strstr (error->message, "embed_dim 2147483647 is not supported"));
  g_clear_error (&error);
  p = tiny_params (SWIN_LAYOUT_TIMM, 1);
  p.window = G_MAXINT;
  g_assert_false (swin_model_init_random (&p, path, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  p.img_size = 64;
  g_assert_false (swin_model_init_random (&p, path, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_assert_nonnull (strstr (error->message, "window 2147483647: at most 1024 blocks and a window of 4096"));
  g_clear_error (&error);
  p = tiny_params (SWIN_LAYOUT_TIMM, 1);
  p.depths[1] = 1025;
  g_assert_false (swin_model_init_random (&p, path, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_assert_nonnull (strstr (error->message, "stage 1: depth 1025"));
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_free (path);
}

/* ---- bad files ---- */

static void
test_bad_container (Fixture *fx, gconstpointer data)
{
  static const struct {
    const char *json;
    gsize payload_len;
    int code;
    const char *substring;
  } entries[] = {
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8,
      SWIN_ERROR_FORMAT, "tensor 'w' lacks data_offsets" },
    { "{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
      SWIN_ERROR_FORMAT, "tensor 'w' lacks dtype" },
    { "{\"w\":[1]}", 8,
      SWIN_ERROR_FORMAT, "entry of tensor 'w' is not a JSON object" },
    { "{\"w\":{\"dtype\":7,\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
      SWIN_ERROR_FORMAT, "tensor 'w': dtype is not a string" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8,
      SWIN_ERROR_FORMAT, "tensor 'w': shape[0] is not a valid dimension" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8,
      SWIN_ERROR_FORMAT, "tensor 'w': shape[0] is not a valid dimension" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", 8,
      SWIN_ERROR_FORMAT, "tensor 'w': shape is not an array" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8,
      SWIN_ERROR_FORMAT, "tensor 'w': data_offsets is not a pair" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,\"8\"]}}", 8,
      SWIN_ERROR_FORMAT, "tensor 'w': data_offsets is not a pair" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8,
      SWIN_ERROR_FORMAT, "tensor 'w': data_offsets [0, 16] out of range" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8,
      SWIN_ERROR_FORMAT, "tensor 'w': data_offsets begin 8 > end 0" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8,
      SWIN_ERROR_FORMAT, "tensor 'w': size mismatch" },
    { "{\"w\":{\"dtype\":\"F32\",\"shape\":[65536,65536,65536],\"data_offsets\":[0,8]}}", 8,
      SWIN_ERROR_FORMAT, "tensor 'w': shape is larger than the file" },
    { "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
      "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12,
      SWIN_ERROR_FORMAT, "tensors 'a' and 'b' overlap" },
    { "{\"w\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
      SWIN_ERROR_TENSOR, "tensor 'w' has unknown dtype 'Q7'" },
    { "{\"__metadata__\":[1],\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
      SWIN_ERROR_FORMAT, "__metadata__ is not a JSON object" },
    /* a well-formed file whose keys are of no known layout */
    { "{\"__metadata__\":{\"a\":\"b\"},\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[2],"
      "\"data_offsets\":[0,8]}}", 8,
      SWIN_ERROR_ARCH, "not a known Swin checkpoint layout" },
  };
  char *path = fx_path (fx, "bad.safetensors");
  char *missing = fx_path (fx, "missing.safetensors");
  guint8 payload[16] = { 0 };

  expect_load_error (missing, SWIN_ERROR_IO, "missing.safetensors");

  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  expect_load_error (path, SWIN_ERROR_FORMAT, "file too short (0 bytes)");
  g_assert_true (g_file_set_contents (path, "\x02\0\0\0\0", 5, NULL));
  expect_load_error (path, SWIN_ERROR_FORMAT, "file too short (5 bytes)");

  write_raw (path, 1000, "{}", 2, NULL, 0);
  expect_load_error (path, SWIN_ERROR_FORMAT, "header size 1000 runs past the end of the file");
  write_raw (path, G_MAXUINT64, "{}", 2, NULL, 0);
  expect_load_error (path, SWIN_ERROR_FORMAT, "runs past the end of the file");

  write_json (path, "{\"w\": {\"dtype\": ", NULL, 0);
  expect_load_error (path, SWIN_ERROR_FORMAT, "invalid JSON header");
  write_json (path, "[1, 2]", NULL, 0);
  expect_load_error (path, SWIN_ERROR_FORMAT, "JSON header is not an object");
  write_raw (path, 0, "", 0, NULL, 0);
  expect_load_error (path, SWIN_ERROR_FORMAT, "JSON header is not an object");

  /* Headers that fail one way each, on a payload of zeros. */
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++) {
    write_json (path, entries[i].json, payload, entries[i].payload_len);
    expect_load_error (path, entries[i].code, entries[i].substring);
  }

  g_free (path);
  g_free (missing);
}

/* A tiny file modified by @edit, then loaded: the error must match. */
typedef void (*EditFunc) (GPtrArray *tensors);

static void
expect_edit_error_as (Fixture *fx, SwinLayout layout, int version, EditFunc edit, int code,
                      const char *substring)
{
  char *path;
  SwinModel *model = make_tiny_as (fx, "edit.safetensors", layout, version, 11, &path);
  GPtrArray *tensors = tfile_read (path);

  swin_model_free (model);
  edit (tensors);
  tfile_write (path, tensors, NULL);
  expect_load_error (path, code, substring);
  g_ptr_array_unref (tensors);
  g_free (path);
}

static void
expect_edit_error (Fixture *fx, SwinLayout layout, EditFunc edit, int code, const char *substring)
{
  expect_edit_error_as (fx, layout, 1, edit, code, substring);
}

static void
edit_i32 (GPtrArray *tensors)
{
  TTensor *t = tfile_find (tensors, "patch_embed.norm.weight");
  g_free (t->dtype);
  t->dtype = g_strdup ("I32");
}

static void
edit_remove_fc2_bias (GPtrArray *tensors)
{
  g_ptr_array_remove (tensors, tfile_find (tensors, "layers.0.blocks.1.mlp.fc2.bias"));
}

/* Stage 0 without blocks, stage 1 intact. */
static void
edit_remove_stage0 (GPtrArray *tensors)
{
  for (guint i = tensors->len; i-- > 0;) {
    if (g_str_has_prefix (((TTensor *) g_ptr_array_index (tensors, i))->name, "features.1."))
      g_ptr_array_remove_index (tensors, i);
  }
}

static void
edit_remove_merge (GPtrArray *tensors)
{
  g_ptr_array_remove (tensors, tfile_find (tensors, "layers.1.downsample.reduction.weight"));
}

static void
edit_proj_shape (GPtrArray *tensors)
{
  TTensor *t = tfile_find (tensors, "layers.1.blocks.0.attn.proj.weight");
  t->shape[1] = 16;
  ttensor_resize (t, 32 * 16 * 4);
}

static void
edit_reduction_shape (GPtrArray *tensors)
{
  TTensor *t = tfile_find (tensors, "features.2.reduction.weight");
  t->shape[0] = 64;
  t->shape[1] = 32;
}

/* Bias tables of 8 rows: not (2M-1)^2. */
static void
edit_table_rows (GPtrArray *tensors)
{
  TTensor *t = tfile_find (tensors, "layers.0.blocks.0.attn.relative_position_bias_table");
  t->shape[0] = 8;
  ttensor_resize (t, 8 * 2 * 4);
}

/* @heads heads in both blocks of stage 0: their bias tables (9 rows of
 * F32) get @heads columns. */
static void
set_stage0_heads (GPtrArray *tensors, int heads)
{
  for (int j = 0; j < 2; j++) {
    char *name = g_strdup_printf ("layers.0.blocks.%d.attn.relative_position_bias_table", j);
    TTensor *t = tfile_find (tensors, name);
    t->shape[1] = heads;
    ttensor_resize (t, 9 * (guint) heads * 4);
    g_free (name);
  }
}

/* 3 heads for 16 channels in stage 0 (every block consistently). */
static void
edit_heads (GPtrArray *tensors)
{
  set_stage0_heads (tensors, 3);
}

/* 8 heads for 16 channels: they divide, but a head dimension of 2 is not
 * a multiple of 4, which the GPU kernels need. */
static void
edit_head_dim (GPtrArray *tensors)
{
  set_stage0_heads (tensors, 8);
}

static void
edit_conv_rect (GPtrArray *tensors)
{
  TTensor *t = tfile_find (tensors, "patch_embed.proj.weight");
  t->shape[2] = 2;
  t->shape[3] = 8;
}

/* A stray key of block 1000000 (found by fuzzing): it must fail at once,
 * not make the loader build a million blocks' worth of specs (25 s, 2.7 GB). */
static void
edit_stray_block (GPtrArray *tensors)
{
  gint64 shape = 3;
  g_ptr_array_add (tensors, ttensor_new ("layers.0.blocks.1000000.attn_mask", "U8", 1, &shape, "abc", 3));
}

static void
test_bad_tensors (Fixture *fx, gconstpointer data)
{
  static const struct {
    SwinLayout layout;
    EditFunc edit;
    int code;
    const char *substring;
  } cases[] = {
    { SWIN_LAYOUT_ORIGINAL, edit_i32, SWIN_ERROR_TENSOR,
      "tensor 'patch_embed.norm.weight' has unsupported dtype I32" },
    { SWIN_LAYOUT_ORIGINAL, edit_remove_fc2_bias, SWIN_ERROR_TENSOR,
      "tensor 'layers.0.blocks.1.mlp.fc2.bias' missing (expected shape [16])" },
    { SWIN_LAYOUT_TORCHVISION, edit_remove_stage0, SWIN_ERROR_TENSOR,
      "tensor 'features.1.0.norm1.weight' missing: stage 0 has no blocks" },
    { SWIN_LAYOUT_TIMM, edit_remove_merge, SWIN_ERROR_TENSOR,
      "tensor 'layers.1.downsample.reduction.weight' missing (expected shape [32, 64])" },
    { SWIN_LAYOUT_TIMM, edit_proj_shape, SWIN_ERROR_TENSOR,
      "tensor 'layers.1.blocks.0.attn.proj.weight' has shape [32, 16], expected [32, 32]" },
    { SWIN_LAYOUT_TORCHVISION, edit_reduction_shape, SWIN_ERROR_TENSOR,
      "tensor 'features.2.reduction.weight' has shape [64, 32], expected [32, 64]" },
    { SWIN_LAYOUT_ORIGINAL, edit_table_rows, SWIN_ERROR_ARCH,
      "'layers.0.blocks.0.attn.relative_position_bias_table' has 8 rows, not (2M-1)^2" },
    { SWIN_LAYOUT_ORIGINAL, edit_heads, SWIN_ERROR_ARCH,
      "stage 0: 3 heads do not divide 16 channels" },
    { SWIN_LAYOUT_ORIGINAL, edit_head_dim, SWIN_ERROR_ARCH,
      "stage 0: head dimension 2 (16 channels / 8 heads) is not a multiple of 4" },
    { SWIN_LAYOUT_ORIGINAL, edit_conv_rect, SWIN_ERROR_ARCH,
      "'patch_embed.proj.weight' has shape [16, 3, 2, 8]" },
    { SWIN_LAYOUT_ORIGINAL, edit_stray_block, SWIN_ERROR_TENSOR,
      "tensor 'layers.0.blocks.2.norm1.weight' missing: stage 0 has tensors of blocks up to 1000000" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    expect_edit_error (fx, cases[i].layout, cases[i].edit, cases[i].code, cases[i].substring);
}

/* ---- bad Swin V2 files ---- */

static void
edit_remove_logit_scale (GPtrArray *tensors)
{
  g_ptr_array_remove (tensors, tfile_find (tensors, "layers.0.blocks.1.attn.logit_scale"));
}

static void
edit_cpb_shape (GPtrArray *tensors)
{
  TTensor *t = tfile_find (tensors, "features.3.0.attn.cpb_mlp.2.weight");

  t->shape[0] = 3;   /* 4 heads */
  ttensor_resize (t, 3 * 512 * 4);
}

/* A V1 bias table in a V2 block. */
static void
edit_v1_table_in_v2 (GPtrArray *tensors)
{
  static const float table[9 * 4];
  const gint64 shape[] = { 9, 4 };

  g_ptr_array_add (tensors, ttensor_new ("layers.1.blocks.0.attn.relative_position_bias_table", "F32", 2,
                                         shape, table, sizeof (table)));
}

/* V2 tensors in a V1 block. */
static void
edit_v2_scale_in_v1 (GPtrArray *tensors)
{
  static const float scale[4];
  const gint64 shape[] = { 4, 1, 1 };

  g_ptr_array_add (tensors, ttensor_new ("layers.1.blocks.0.attn.logit_scale", "F32", 3, shape, scale,
                                         sizeof (scale)));
}

static void
test_bad_v2 (Fixture *fx, gconstpointer data)
{
  expect_edit_error_as (fx, SWIN_LAYOUT_ORIGINAL, 2, edit_remove_logit_scale, SWIN_ERROR_TENSOR,
                        "tensor 'layers.0.blocks.1.attn.logit_scale' missing");
  expect_edit_error_as (fx, SWIN_LAYOUT_TORCHVISION, 2, edit_cpb_shape, SWIN_ERROR_TENSOR,
                        "tensor 'features.3.0.attn.cpb_mlp.2.weight' has shape [3, 512], expected [4, 512]");
  expect_edit_error_as (fx, SWIN_LAYOUT_ORIGINAL, 2, edit_v1_table_in_v2, SWIN_ERROR_ARCH,
                        "tensor 'layers.1.blocks.0.attn.relative_position_bias_table' belongs to a Swin V1 "
                        "block, but the first block is Swin V2");
  expect_edit_error_as (fx, SWIN_LAYOUT_ORIGINAL, 1, edit_v2_scale_in_v1, SWIN_ERROR_ARCH,
                        "tensor 'layers.1.blocks.0.attn.logit_scale' belongs to a Swin V2 block, but the "
                        "first block is Swin V1");
}

/* An empty patch embedding with a huge patch size next to an absolute
 * position embedding: the image size derived from the two once overflowed
 * an int before the patch size was validated (UBSan, found by fuzzing). */
static void
test_ape_huge_patch (Fixture *fx, gconstpointer data)
{
  static const char *ape_shapes[] = { "[1,4,0]", "[1,2,2,0]" };
  char *path = fx_path (fx, "ape.safetensors");
  guint8 payload[8] = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (ape_shapes); i++) {
    char *json = g_strdup_printf (
        "{\"patch_embed.proj.weight\":{\"dtype\":\"F16\",\"shape\":[8,0,2000000000,2000000000],"
        "\"data_offsets\":[0,0]},"
        "\"layers.0.blocks.0.attn.relative_position_bias_table\":{\"dtype\":\"F16\",\"shape\":[1,0],"
        "\"data_offsets\":[0,0]},"
        "\"layers.0.blocks.0.mlp.fc1.weight\":{\"dtype\":\"F16\",\"shape\":[1,0],\"data_offsets\":[0,0]},"
        "\"head.weight\":{\"dtype\":\"F16\",\"shape\":[1,0],\"data_offsets\":[0,0]},"
        "\"absolute_pos_embed\":{\"dtype\":\"F16\",\"shape\":%s,\"data_offsets\":[0,0]}}", ape_shapes[i]);

    write_json (path, json, payload, sizeof (payload));
    expect_load_error (path, SWIN_ERROR_ARCH, "invalid patch embedding: 0 input channels, patch size 2000000000");
    g_free (json);
  }
  g_free (path);
}

/* swin_model_load_from_bytes() is swin_model_load() without the file. */
static void
test_load_from_bytes (Fixture *fx, gconstpointer data)
{
  char *path;
  SwinModel *model = make_tiny (fx, "mem.safetensors", SWIN_LAYOUT_TORCHVISION, 4, &path);
  GError *error = NULL;
  char *contents;
  gsize len;
  GBytes *bytes;
  SwinModel *again;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  bytes = g_bytes_new_take (contents, len);
  again = swin_model_load_from_bytes (bytes, "mem.safetensors", &error);
  g_assert_no_error (error);
  g_assert_true (models_equal (model, again));
  g_assert_cmpstr (swin_model_get_name (again), ==, "mem");
  swin_model_free (again);
  g_bytes_unref (bytes);

  /* the same messages, the name in place of the path */
  bytes = g_bytes_new_static ("\x02\0\0\0\0", 5);
  g_assert_null (swin_model_load_from_bytes (bytes, "mem.safetensors", &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT);
  g_assert_cmpstr (error->message, ==, "mem.safetensors: file too short (5 bytes) to be a safetensors file");
  g_clear_error (&error);
  g_bytes_unref (bytes);

  swin_model_free (model);
  g_free (path);
}

/* A valid file cut short: the last tensors run past the end. */
static void
test_truncated (Fixture *fx, gconstpointer data)
{
  char *path;
  SwinModel *model = make_tiny (fx, "cut.safetensors", SWIN_LAYOUT_TIMM, 2, &path);
  char *bytes;
  gsize len;

  swin_model_free (model);
  g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
  g_assert_true (g_file_set_contents (path, bytes, (gssize) (len - 100), NULL));
  expect_load_error (path, SWIN_ERROR_FORMAT, "out of range: the data section has");
  g_free (bytes);
  g_free (path);
}

/* ---- helpers ---- */

static void
test_topk (void)
{
  const float v[] = { 1.0f, 5.0f, 3.0f, 5.0f, -INFINITY, NAN, 2.0f };
  int idx[7];

  swin_topk (v, 7, 4, idx);
  g_assert_cmpint (idx[0], ==, 1);   /* 5, lower index first */
  g_assert_cmpint (idx[1], ==, 3);
  g_assert_cmpint (idx[2], ==, 2);
  g_assert_cmpint (idx[3], ==, 6);

  /* k > n: all of them, NaN last */
  memset (idx, 0xff, sizeof (idx));
  swin_topk (v, 7, 10, idx);
  g_assert_cmpint (idx[4], ==, 0);
  g_assert_cmpint (idx[5], ==, 4);
  g_assert_cmpint (idx[6], ==, 5);

  swin_topk (v + 4, 1, 1, idx);
  g_assert_cmpint (idx[0], ==, 0);
}

static void
test_softmax (void)
{
  /* exp(-2), exp(-1), 1 over their sum; overflow if not shifted */
  float v[] = { 1000.0f, 1001.0f, 1002.0f };
  float w[] = { -5.0f, -5.0f, -5.0f, -5.0f };

  swin_softmax (v, 3);
  g_assert_cmpfloat_with_epsilon (v[0], 0.09003057f, 1e-6);
  g_assert_cmpfloat_with_epsilon (v[1], 0.24472847f, 1e-6);
  g_assert_cmpfloat_with_epsilon (v[2], 0.66524096f, 1e-6);
  swin_softmax (w, 4);
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon (w[i], 0.25f, 1e-7);
}

static void
test_check_size (void)
{
  SwinArch a = { .patch_size = 4, .num_stages = 4, .img_size = 224 };
  GError *error = NULL;

  g_assert_true (swin_arch_check_size (&a, 224, 224, &error));
  g_assert_true (swin_arch_check_size (&a, 32, 480, &error));
  g_assert_no_error (error);
  g_assert_false (swin_arch_check_size (&a, 230, 224, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_assert_nonnull (strstr (error->message, "230x224 is not a positive multiple of 32"));
  g_clear_error (&error);
  g_assert_false (swin_arch_check_size (&a, 0, 224, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_assert_false (swin_arch_check_size (&a, -32, 224, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);

  a.ape = TRUE;
  g_assert_true (swin_arch_check_size (&a, 224, 224, &error));
  g_assert_false (swin_arch_check_size (&a, 256, 256, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_assert_nonnull (strstr (error->message, "requires 224x224"));
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD_FX(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD_FX ("/loader/roundtrip-layouts", test_roundtrip_layouts);
  ADD_FX ("/loader/ignored-buffers", test_ignored_buffers);
  ADD_FX ("/loader/f16-model", test_f16_model);
  ADD_FX ("/loader/bf16-model", test_bf16_model);
  ADD_FX ("/loader/conversion-values", test_conversion_values);
  ADD_FX ("/loader/img-size-metadata", test_img_size_metadata);
  ADD_FX ("/loader/normalization-metadata", test_normalization_metadata);
  ADD_FX ("/loader/ape", test_ape);
  ADD_FX ("/loader/window12", test_window12);
  ADD_FX ("/loader/init-bad-params", test_init_bad_params);
  ADD_FX ("/loader/bad-container", test_bad_container);
  ADD_FX ("/loader/bad-tensors", test_bad_tensors);
  ADD_FX ("/loader/v2-layouts", test_v2_layouts);
  ADD_FX ("/loader/bad-v2", test_bad_v2);
  ADD_FX ("/loader/truncated", test_truncated);
  ADD_FX ("/loader/ape-huge-patch", test_ape_huge_patch);
  ADD_FX ("/loader/load-from-bytes", test_load_from_bytes);
#undef ADD_FX
  g_test_add_func ("/util/topk", test_topk);
  g_test_add_func ("/util/softmax", test_softmax);
  g_test_add_func ("/util/check-size", test_check_size);
  return g_test_run ();
}
