/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* safetensors reader: every field of the header is checked against the file
 * before any tensor byte is read. */
#include "swin_safetensors.h"
#include "swin_file.h"

#include "swin/swin_model.h"

#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

struct _SwinSafetensors {
  char *path;              /* or the name given with the bytes: starts messages */
  GBytes *bytes;           /* the whole file: a mapping, or the caller's bytes */
  JsonParser *parser;      /* owns the names and dtype strings */
  GArray *tensors;         /* SwinTensorInfo, sorted by data offset */
  GHashTable *by_name;     /* name -> SwinTensorInfo* (into tensors) */
  GHashTable *metadata;    /* char* -> char* (owned by parser) */
};

typedef struct {
  const char *name;
  SwinDType dtype;
  gsize size;
} DTypeDesc;

/* Every dtype of the format, so that the sizes of tensors we do not use
 * (an I64 index buffer, say) can be validated too. */
static const DTypeDesc dtypes[] = {
  { "F32", SWIN_DTYPE_F32, 4 },
  { "F16", SWIN_DTYPE_F16, 2 },
  { "BF16", SWIN_DTYPE_BF16, 2 },
  { "F64", SWIN_DTYPE_UNSUPPORTED, 8 },
  { "F8_E4M3", SWIN_DTYPE_UNSUPPORTED, 1 },
  { "F8_E5M2", SWIN_DTYPE_UNSUPPORTED, 1 },
  { "I64", SWIN_DTYPE_UNSUPPORTED, 8 },
  { "I32", SWIN_DTYPE_UNSUPPORTED, 4 },
  { "I16", SWIN_DTYPE_UNSUPPORTED, 2 },
  { "I8", SWIN_DTYPE_UNSUPPORTED, 1 },
  { "U64", SWIN_DTYPE_UNSUPPORTED, 8 },
  { "U32", SWIN_DTYPE_UNSUPPORTED, 4 },
  { "U16", SWIN_DTYPE_UNSUPPORTED, 2 },
  { "U8", SWIN_DTYPE_UNSUPPORTED, 1 },
  { "BOOL", SWIN_DTYPE_UNSUPPORTED, 1 },
};

/* Only what swin_safetensors_open() needs while it validates one entry. */
typedef struct {
  SwinTensorInfo info;
  guint64 begin, end;
} Entry;

static guint64
read_u64_le (const guint8 *p)
{
  guint64 v = 0;

  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

/* A JSON number that is a non-negative integer. */
static gboolean
node_get_uint (JsonNode *node, guint64 *out)
{
  gint64 v;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (node);
  if (v < 0)
    return FALSE;
  *out = (guint64) v;
  return TRUE;
}

static gboolean
parse_metadata (SwinSafetensors *st, JsonNode *node, GError **error)
{
  JsonObject *obj;
  GList *members;
  gboolean ok = TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT,
                 "%s: __metadata__ is not a JSON object", st->path);
    return FALSE;
  }
  obj = json_node_get_object (node);
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next) {
    const char *key = l->data;
    JsonNode *value = json_object_get_member (obj, key);

    if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT,
                   "%s: __metadata__ entry '%s' is not a string", st->path, key);
      ok = FALSE;
      break;
    }
    g_hash_table_insert (st->metadata, (gpointer) key, (gpointer) json_node_get_string (value));
  }
  g_list_free (members);
  return ok;
}

static gboolean
parse_entry (SwinSafetensors *st, const char *name, JsonNode *node, guint64 data_len,
             Entry *entry, GError **error)
{
  JsonObject *obj;
  JsonNode *dtype_node, *shape_node, *offsets_node;
  JsonArray *shape, *offsets;
  const DTypeDesc *desc = NULL;
  guint64 numel = 1, nbytes;

  memset (entry, 0, sizeof (*entry));
  entry->info.name = name;

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT,
                 "%s: header entry of tensor '%s' is not a JSON object", st->path, name);
    return FALSE;
  }
  obj = json_node_get_object (node);
  dtype_node = json_object_get_member (obj, "dtype");
  shape_node = json_object_get_member (obj, "shape");
  offsets_node = json_object_get_member (obj, "data_offsets");
  if (dtype_node == NULL || shape_node == NULL || offsets_node == NULL) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT,
                 "%s: tensor '%s' lacks %s in the header", st->path, name,
                 dtype_node == NULL ? "dtype" : shape_node == NULL ? "shape" : "data_offsets");
    return FALSE;
  }

  /* dtype */
  if (!JSON_NODE_HOLDS_VALUE (dtype_node) || json_node_get_value_type (dtype_node) != G_TYPE_STRING) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT,
                 "%s: tensor '%s': dtype is not a string", st->path, name);
    return FALSE;
  }
  entry->info.dtype_name = json_node_get_string (dtype_node);
  for (guint i = 0; i < G_N_ELEMENTS (dtypes); i++) {
    if (strcmp (dtypes[i].name, entry->info.dtype_name) == 0)
      desc = &dtypes[i];
  }
  if (desc == NULL) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_TENSOR,
                 "%s: tensor '%s' has unknown dtype '%s'", st->path, name, entry->info.dtype_name);
    return FALSE;
  }
  entry->info.dtype = desc->dtype;

  /* shape */
  if (!JSON_NODE_HOLDS_ARRAY (shape_node)) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT,
                 "%s: tensor '%s': shape is not an array", st->path, name);
    return FALSE;
  }
  shape = json_node_get_array (shape_node);
  if (json_array_get_length (shape) > SWIN_ST_MAX_DIMS) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT,
                 "%s: tensor '%s' has %u dimensions (at most %d supported)", st->path, name,
                 json_array_get_length (shape), SWIN_ST_MAX_DIMS);
    return FALSE;
  }
  entry->info.ndim = (int) json_array_get_length (shape);
  for (int d = 0; d < entry->info.ndim; d++) {
    guint64 dim;

    if (!node_get_uint (json_array_get_element (shape, d), &dim) || dim > G_MAXINT32) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT,
                   "%s: tensor '%s': shape[%d] is not a valid dimension", st->path, name, d);
      return FALSE;
    }
    entry->info.shape[d] = (int64_t) dim;
    if (dim != 0 && numel > data_len / dim) {
      /* More elements than the file has bytes: cannot be right, and the
       * product must not overflow. */
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT,
                   "%s: tensor '%s': shape is larger than the file", st->path, name);
      return FALSE;
    }
    numel *= dim;
  }
  entry->info.numel = (int64_t) numel;
  nbytes = numel * desc->size;

  /* data_offsets */
  offsets = JSON_NODE_HOLDS_ARRAY (offsets_node) ? json_node_get_array (offsets_node) : NULL;
  if (offsets == NULL || json_array_get_length (offsets) != 2 ||
      !node_get_uint (json_array_get_element (offsets, 0), &entry->begin) ||
      !node_get_uint (json_array_get_element (offsets, 1), &entry->end)) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT,
                 "%s: tensor '%s': data_offsets is not a pair of non-negative integers", st->path, name);
    return FALSE;
  }
  if (entry->begin > entry->end) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT,
                 "%s: tensor '%s': data_offsets begin %" G_GUINT64_FORMAT " > end %" G_GUINT64_FORMAT,
                 st->path, name, entry->begin, entry->end);
    return FALSE;
  }
  if (entry->end > data_len) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT,
                 "%s: tensor '%s': data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "] "
                 "out of range: the data section has %" G_GUINT64_FORMAT " bytes (truncated file?)",
                 st->path, name, entry->begin, entry->end, data_len);
    return FALSE;
  }
  if (entry->end - entry->begin != nbytes) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT,
                 "%s: tensor '%s': size mismatch: data_offsets span %" G_GUINT64_FORMAT
                 " bytes, shape and dtype %s need %" G_GUINT64_FORMAT,
                 st->path, name, entry->end - entry->begin, entry->info.dtype_name, nbytes);
    return FALSE;
  }
  entry->info.nbytes = (gsize) nbytes;
  return TRUE;
}

static gint
compare_entries (gconstpointer a, gconstpointer b)
{
  const Entry *ea = a, *eb = b;

  if (ea->begin != eb->begin)
    return ea->begin < eb->begin ? -1 : 1;
  if (ea->end != eb->end)
    return ea->end < eb->end ? -1 : 1;
  return 0;
}

/* Fills st->tensors from the validated entries; data_len bytes of tensor data
 * start at @data. */
static gboolean
check_overlaps_and_index (SwinSafetensors *st, GArray *entries, const guint8 *data, GError **error)
{
  const Entry *last = NULL;   /* the non-empty entry that ends furthest */

  g_array_sort (entries, compare_entries);
  for (guint i = 0; i < entries->len; i++) {
    Entry *e = &g_array_index (entries, Entry, i);

    /* Empty tensors occupy no bytes and cannot overlap anything. */
    if (e->begin == e->end)
      continue;
    if (last != NULL && e->begin < last->end) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT,
                   "%s: tensors '%s' and '%s' overlap in the data section", st->path,
                   last->info.name, e->info.name);
      return FALSE;
    }
    last = e;
  }

  g_array_set_size (st->tensors, entries->len);
  for (guint i = 0; i < entries->len; i++) {
    Entry *e = &g_array_index (entries, Entry, i);
    SwinTensorInfo *t = &g_array_index (st->tensors, SwinTensorInfo, i);

    *t = e->info;
    t->data = data + e->begin;
  }
  /* Pointers into st->tensors only once it no longer grows. */
  for (guint i = 0; i < st->tensors->len; i++) {
    SwinTensorInfo *t = &g_array_index (st->tensors, SwinTensorInfo, i);
    g_hash_table_insert (st->by_name, (gpointer) t->name, t);
  }
  return TRUE;
}

static gboolean
parse_header (SwinSafetensors *st, const guint8 *header, gsize header_len, const guint8 *data,
              guint64 data_len, GError **error)
{
  GError *json_error = NULL;
  JsonNode *root;
  JsonObject *obj;
  GList *members;
  GArray *entries;
  gboolean ok = TRUE;

  st->parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (st->parser, (const char *) header, (gssize) header_len, &json_error)) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT, "%s: invalid JSON header: %s", st->path,
                 json_error->message);
    g_error_free (json_error);
    return FALSE;
  }
  root = json_parser_get_root (st->parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT, "%s: JSON header is not an object", st->path);
    return FALSE;
  }

  obj = json_node_get_object (root);
  entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL && ok; l = l->next) {
    const char *name = l->data;
    JsonNode *node = json_object_get_member (obj, name);
    Entry entry;

    if (strcmp (name, "__metadata__") == 0) {
      ok = parse_metadata (st, node, error);
    } else {
      ok = parse_entry (st, name, node, data_len, &entry, error);
      if (ok)
        g_array_append_val (entries, entry);
    }
  }
  g_list_free (members);
  if (ok)
    ok = check_overlaps_and_index (st, entries, data, error);
  g_array_free (entries, TRUE);
  return ok;
}

SwinSafetensors *
swin_safetensors_new_from_bytes (GBytes *bytes, const char *name, GError **error)
{
  SwinSafetensors *st;
  const guint8 *data;
  gsize len;
  guint64 header_len;

  g_return_val_if_fail (bytes != NULL && name != NULL, NULL);

  st = g_new0 (SwinSafetensors, 1);
  st->path = g_strdup (name);
  st->bytes = g_bytes_ref (bytes);
  st->tensors = g_array_new (FALSE, FALSE, sizeof (SwinTensorInfo));
  st->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  st->metadata = g_hash_table_new (g_str_hash, g_str_equal);

  data = g_bytes_get_data (bytes, &len);
  if (len < 8) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT,
                 "%s: file too short (%" G_GSIZE_FORMAT " bytes) to be a safetensors file", name, len);
    goto error;
  }
  header_len = read_u64_le (data);
  if (header_len > len - 8) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT,
                 "%s: header size %" G_GUINT64_FORMAT " runs past the end of the file (%" G_GSIZE_FORMAT
                 " bytes)", name, header_len, len);
    goto error;
  }
  if (header_len > SWIN_ST_MAX_HEADER_SIZE) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_FORMAT,
                 "%s: header size %" G_GUINT64_FORMAT " is absurd (more than %u bytes)", name,
                 header_len, SWIN_ST_MAX_HEADER_SIZE);
    goto error;
  }
  if (!parse_header (st, data + 8, (gsize) header_len, data + 8 + header_len,
                     len - 8 - header_len, error))
    goto error;
  return st;

error:
  swin_safetensors_free (st);
  return NULL;
}

SwinSafetensors *
swin_safetensors_open (const char *path, GError **error)
{
  SwinSafetensors *st;
  GMappedFile *file;
  GBytes *bytes;
  GError *io_error = NULL;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

  /* Regular files only: mmap of a directory or device fails with an
   * obscure message, and opening a FIFO blocks. */
  fd = swin_file_open (path, O_RDONLY, error);
  if (fd < 0)
    return NULL;
  file = g_mapped_file_new_from_fd (fd, FALSE, &io_error);
  close (fd);
  if (file == NULL) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_IO, "%s: %s", path, io_error->message);
    g_error_free (io_error);
    return NULL;
  }
  /* The bytes keep the mapping alive. */
  bytes = g_mapped_file_get_bytes (file);
  g_mapped_file_unref (file);
  st = swin_safetensors_new_from_bytes (bytes, path, error);
  g_bytes_unref (bytes);
  return st;
}

void
swin_safetensors_free (SwinSafetensors *st)
{
  if (st == NULL)
    return;
  g_hash_table_destroy (st->by_name);
  g_hash_table_destroy (st->metadata);
  g_array_free (st->tensors, TRUE);
  g_clear_object (&st->parser);
  g_bytes_unref (st->bytes);
  g_free (st->path);
  g_free (st);
}

const SwinTensorInfo *
swin_safetensors_lookup (const SwinSafetensors *st, const char *name)
{
  return g_hash_table_lookup (st->by_name, name);
}

guint
swin_safetensors_get_n_tensors (const SwinSafetensors *st)
{
  return st->tensors->len;
}

const SwinTensorInfo *
swin_safetensors_get_tensor (const SwinSafetensors *st, guint index)
{
  g_return_val_if_fail (index < st->tensors->len, NULL);
  return &g_array_index (st->tensors, SwinTensorInfo, index);
}

const char *
swin_safetensors_get_metadata (const SwinSafetensors *st, const char *key)
{
  return g_hash_table_lookup (st->metadata, key);
}

float
swin_f16_to_f32 (guint16 bits)
{
  int exponent = (bits >> 10) & 0x1f;
  int mantissa = bits & 0x3ff;
  float magnitude;

  if (exponent == 0)          /* zero and subnormals: mantissa * 2^-24 */
    magnitude = ldexpf ((float) mantissa, -24);
  else if (exponent == 31)
    magnitude = mantissa != 0 ? NAN : INFINITY;
  else                        /* 1.mantissa * 2^(exponent - 15) */
    magnitude = ldexpf ((float) (1024 + mantissa), exponent - 25);
  return (bits & 0x8000) ? -magnitude : magnitude;
}

float
swin_bf16_to_f32 (guint16 bits)
{
  /* bfloat16 is the upper half of a float32. */
  guint32 u = (guint32) bits << 16;
  float f;

  memcpy (&f, &u, sizeof (f));
  return f;
}

float *
swin_safetensors_to_f32 (const SwinTensorInfo *t, GError **error)
{
  float *out;
  const guint8 *p = t->data;

  if (t->dtype == SWIN_DTYPE_UNSUPPORTED) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_TENSOR,
                 "tensor '%s' has unsupported dtype %s (F32, F16 and BF16 are supported)",
                 t->name, t->dtype_name);
    return NULL;
  }
  out = g_try_new (float, MAX (t->numel, 1));
  if (out == NULL) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_OUT_OF_MEMORY,
                 "out of memory converting tensor '%s' (%" G_GINT64_FORMAT " elements)", t->name, t->numel);
    return NULL;
  }
  /* Bytes are assembled little-endian one by one: the data is unaligned
   * inside the mapping, and this is also independent of the host's order. */
  for (int64_t i = 0; i < t->numel; i++) {
    switch (t->dtype) {
      case SWIN_DTYPE_F32: {
        const guint8 *b = p + 4 * i;
        guint32 u = (guint32) b[0] | (guint32) b[1] << 8 | (guint32) b[2] << 16 | (guint32) b[3] << 24;
        memcpy (&out[i], &u, sizeof (float));
        break;
      }
      case SWIN_DTYPE_F16:
        out[i] = swin_f16_to_f32 ((guint16) (p[2 * i] | p[2 * i + 1] << 8));
        break;
      case SWIN_DTYPE_BF16:
        out[i] = swin_bf16_to_f32 ((guint16) (p[2 * i] | p[2 * i + 1] << 8));
        break;
      case SWIN_DTYPE_UNSUPPORTED:
        g_assert_not_reached ();
    }
  }
  return out;
}
