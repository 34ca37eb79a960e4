/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the checkpoint loader: whatever the bytes, loading
 * either gives a complete model or fails with a SWIN_ERROR that says why;
 * each input is loaded as it is and once more with consistent offsets.
 * Crashes, leaks and undefined behaviour are caught by the sanitizers the
 * fuzz build adds (ASan, UBSan, LSan). */
#include "swin_keys.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
fail (const char *what, const GError *error)
{
  fprintf (stderr, "fuzz_loader: %s%s%s\n", what, error != NULL ? ": " : "",
           error != NULL && error->message != NULL ? error->message : "");
  abort ();
}

/* Every tensor the architecture calls for is there, with all its elements:
 * reading them lets ASan catch a tensor shorter than its shape. */
static void
check_model (SwinModel *model)
{
  const SwinArch *arch = swin_model_get_arch (model);
  GError *error = NULL;
  GArray *specs;
  volatile float sink = 0.0f;

  if (!swin_arch_validate (arch, &error))
    fail ("a loaded model has an invalid architecture", error);
  specs = swin_tensor_specs_new (arch, model);
  for (guint i = 0; i < specs->len; i++) {
    const SwinTensorSpec *spec = &g_array_index (specs, SwinTensorSpec, i);
    const float *values = *spec->dst;

    if (values == NULL)
      fail ("a loaded model lacks a tensor", NULL);
    for (int64_t k = 0; k < spec->numel; k++)
      sink += values[k];
  }
  g_array_unref (specs);
  (void) sink;
}

static void
load_and_check (GBytes *bytes)
{
  GError *error = NULL;
  SwinModel *model = swin_model_load_from_bytes (bytes, "fuzz.safetensors", &error);

  if (model != NULL) {
    if (error != NULL)
      fail ("a model and an error at once", error);
    check_model (model);
    swin_model_free (model);
  } else {
    if (error == NULL)
      fail ("no model and no error", NULL);
    if (error->domain != SWIN_ERROR || error->message == NULL || error->message[0] == '\0')
      fail ("an error outside SWIN_ERROR or without a message", error);
    g_error_free (error);
  }
}

#define FIXED_MAX_DATA (1u << 20)

/* Bytes per element of the dtypes the seeds use; 1 for any other string. */
static guint64
dtype_size (const char *dtype)
{
  if (g_str_equal (dtype, "F32") || g_str_equal (dtype, "I32"))
    return 4;
  if (g_str_equal (dtype, "F16") || g_str_equal (dtype, "BF16"))
    return 2;
  if (g_str_equal (dtype, "I64"))
    return 8;
  return 1;
}

/* A second view of the input: the header's data_offsets rewritten to lay
 * the tensors out back to back as their shapes and dtypes need, the data
 * filled by repeating the input's.  A byte mutation of a shape almost never
 * keeps the offsets consistent, so without this the architecture checks
 * behind the container checks are rarely reached.  NULL when the header is
 * not a JSON object or the data would exceed FIXED_MAX_DATA. */
static GBytes *
fix_offsets (const uint8_t *data, size_t size)
{
  JsonParser *parser = json_parser_new ();
  JsonObject *root;
  GList *members;
  guint64 header_len = 0, offset = 0;
  GByteArray *out = NULL;
  char *json;
  gsize json_len;

  for (int i = 7; size >= 8 && i >= 0; i--)
    header_len = header_len << 8 | data[i];
  if (size < 8 || header_len > size - 8 ||
      !json_parser_load_from_data (parser, (const char *) data + 8, (gssize) header_len, NULL) ||
      json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    goto out;
  root = json_node_get_object (json_parser_get_root (parser));
  members = json_object_get_members (root);
  for (GList *l = members; l != NULL && offset <= FIXED_MAX_DATA; l = l->next) {
    JsonNode *node = json_object_get_member (root, l->data), *dtype_node, *shape_node;
    JsonObject *entry;
    JsonArray *shape, *offsets;
    guint64 nbytes;

    if (!JSON_NODE_HOLDS_OBJECT (node))
      continue;
    entry = json_node_get_object (node);
    dtype_node = json_object_get_member (entry, "dtype");
    shape_node = json_object_get_member (entry, "shape");
    if (dtype_node == NULL || shape_node == NULL || !JSON_NODE_HOLDS_ARRAY (shape_node) ||
        !JSON_NODE_HOLDS_VALUE (dtype_node) || json_node_get_value_type (dtype_node) != G_TYPE_STRING)
      continue;
    shape = json_node_get_array (shape_node);
    nbytes = dtype_size (json_node_get_string (dtype_node));
    for (guint d = 0; d < json_array_get_length (shape) && nbytes <= FIXED_MAX_DATA; d++) {
      JsonNode *dim = json_array_get_element (shape, d);
      gint64 v = JSON_NODE_HOLDS_VALUE (dim) && json_node_get_value_type (dim) == G_TYPE_INT64 ?
                 json_node_get_int (dim) : 0;
      nbytes *= (guint64) CLAMP (v, 0, FIXED_MAX_DATA + 1);
    }
    offsets = json_array_new ();
    json_array_add_int_element (offsets, (gint64) offset);
    json_array_add_int_element (offsets, (gint64) MIN (offset + nbytes, FIXED_MAX_DATA + 1));
    json_object_set_array_member (entry, "data_offsets", offsets);
    offset += MIN (nbytes, FIXED_MAX_DATA + 1);
  }
  g_list_free (members);
  if (offset > FIXED_MAX_DATA)
    goto out;

  {
    JsonGenerator *gen = json_generator_new ();
    guint8 len_le[8];
    const uint8_t *src = data + 8 + header_len;
    size_t src_len = size - 8 - header_len;

    json_generator_set_root (gen, json_parser_get_root (parser));
    json = json_generator_to_data (gen, &json_len);
    g_object_unref (gen);
    for (int i = 0; i < 8; i++)
      len_le[i] = (guint8) ((guint64) json_len >> (8 * i));
    out = g_byte_array_sized_new ((guint) (8 + json_len + offset));
    g_byte_array_append (out, len_le, 8);
    g_byte_array_append (out, (const guint8 *) json, (guint) json_len);
    g_free (json);
    for (guint64 i = 0; i < offset; i++) {
      guint8 b = src_len > 0 ? src[i % src_len] : 0;
      g_byte_array_append (out, &b, 1);
    }
  }

out:
  g_object_unref (parser);
  return out != NULL ? g_byte_array_free_to_bytes (out) : NULL;
}

/* A GLib warning or critical (a failed g_return_if_fail() in json-glib,
 * say) is a bug too: abort(), which libFuzzer catches and saves the input
 * for (G_DEBUG=fatal-criticals would raise SIGTRAP, which it does not). */
static void
abort_on_warning (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  fprintf (stderr, "fuzz_loader: %s: %s\n", domain != NULL ? domain : "(no domain)", message);
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    abort ();
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_log_set_default_handler (abort_on_warning, NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* libFuzzer's buffer is exactly @size bytes on the heap: a read past the
   * end is an ASan report. */
  GBytes *bytes = g_bytes_new_static (data, size);
  GBytes *fixed = fix_offsets (data, size);

  load_and_check (bytes);
  if (fixed != NULL) {
    load_and_check (fixed);
    g_bytes_unref (fixed);
  }
  g_bytes_unref (bytes);
  return 0;
}
