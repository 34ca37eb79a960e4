/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Enum types, label lists and normalisation of the swinclassify element
 * (see gstswinsettings.h). */
#include "gstswinsettings.h"

#include <gio/gio.h>
#include <string.h>

#define LABELS_RESOURCE "/org/swinclassify/imagenet_labels.txt"
#define UTF8_BOM "\xef\xbb\xbf"

GType
gst_swin_classify_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_SWIN_CLASSIFY_MODE_SYNC, "Each inferred frame waits for its result", "sync" },
    { GST_SWIN_CLASSIFY_MODE_ASYNC,
      "Frames never wait; the newest frame is classified and results attach to later "
      "frames", "async" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstSwinClassifyMode", values));
  return type;
}

GType
gst_swin_classify_scale_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { SWIN_SCALE_CENTER_CROP,
      "Resize the short side to the model resolution and crop the centre "
      "(torchvision Resize(S) + CenterCrop(S))", "center-crop" },
    { SWIN_SCALE_STRETCH, "Resize both axes to the model resolution", "stretch" },
    { SWIN_SCALE_LETTERBOX, "Fit the whole frame, pad with the mean colour", "letterbox" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstSwinClassifyScaleMode", values));
  return type;
}

GType
gst_swin_classify_region_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_SWIN_CLASSIFY_REGION_FULL_FRAME, "Classify the whole frame", "full-frame" },
    { GST_SWIN_CLASSIFY_REGION_ROI_LIST,
      "Classify each region of interest (GstVideoRegionOfInterestMeta) on the frame", "roi-list" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstSwinClassifyRegion", values));
  return type;
}

GType
gst_swin_classify_backend_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_SWIN_CLASSIFY_BACKEND_GPU, "Compute shader on the Vulkan device", "gpu" },
    { GST_SWIN_CLASSIFY_BACKEND_CPU, "The core's CPU backend", "cpu" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstSwinClassifyBackend", values));
  return type;
}

GType
gst_swin_classify_precision_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { SWIN_PRECISION_FP32, "fp32 weights", "fp32" },
    { SWIN_PRECISION_FP16, "fp16 weights (half the memory; fp32 arithmetic). Devices without "
      "fp16 texel buffers refuse to start", "fp16" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstSwinClassifyPrecision", values));
  return type;
}

/* Splits @text (@len bytes) into exactly @n labels, one per line; @source
 * names the text in errors ("Label file \"x\""). */
static gchar **
parse_labels (const gchar *text, gsize len, gint n, const gchar *source, GError **error)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  const gchar *end = text + len;

  /* Editors on Windows start UTF-8 files with a byte-order mark; it is not
   * part of the first label. */
  if (len >= 3 && memcmp (text, UTF8_BOM, 3) == 0)
    text += 3;
  while (text < end) {
    const gchar *nl = memchr (text, '\n', end - text);
    gsize line_len = (nl ? nl : end) - text;

    /* Every label goes into GStreamer structures and on to applications
     * (e.g. Python) that expect UTF-8: a Latin-1 file fails here, naming
     * the line, instead of there.  This also refuses NUL bytes. */
    if (!g_utf8_validate_len (text, line_len, NULL)) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                   "%s, line %u: not valid UTF-8", source, lines->len + 1);
      g_ptr_array_unref (lines);
      return NULL;
    }
    g_ptr_array_add (lines, g_strchomp (g_strndup (text, line_len)));
    text += line_len + (nl ? 1 : 0);
  }
  while (lines->len > 0 && ((gchar *) g_ptr_array_index (lines, lines->len - 1))[0] == '\0')
    g_ptr_array_remove_index (lines, lines->len - 1);
  if (lines->len != (guint) n) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                 "%s has %u labels but the model has %d classes", source, lines->len, n);
    g_ptr_array_unref (lines);
    return NULL;
  }
  g_ptr_array_add (lines, NULL);
  return (gchar **) g_ptr_array_free (lines, FALSE);
}

gchar **
gst_swin_settings_load_labels (const gchar *path, gint n_classes, GError **error)
{
  gchar **labels;
  GBytes *bytes;
  gsize len;

  if (path && *path) {
    gchar *text, *source;
    GError *file_error = NULL;

    /* Regular files of sane size only: a FIFO would block the state
     * change forever, /dev/zero would fill the memory. */
    if (!swin_file_get_contents (path, GST_SWIN_LABELS_MAX_BYTES, &text, &len, &file_error)) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
                   "Could not read the label file: %s", file_error->message);
      g_error_free (file_error);
      return NULL;
    }
    source = g_strdup_printf ("Label file \"%s\"", path);
    labels = parse_labels (text, len, n_classes, source, error);
    g_free (source);
    g_free (text);
    return labels;
  }
  if (n_classes == 1000 && (bytes = g_resources_lookup_data (LABELS_RESOURCE, 0, NULL))) {
    const gchar *data = g_bytes_get_data (bytes, &len);

    labels = parse_labels (data, len, n_classes, "The built-in ImageNet label list", error);
    g_bytes_unref (bytes);
    return labels;
  }
  labels = g_new0 (gchar *, n_classes + 1);
  for (gint i = 0; i < n_classes; i++)
    labels[i] = g_strdup_printf ("class %d", i);
  return labels;
}

gboolean
gst_swin_settings_channels (const gchar *name, const GValue *array, gfloat values[3], gboolean *set,
                            GError **error)
{
  SwinPreprocessParams check;
  GError *check_error = NULL;
  gfloat v[3];
  guint n = gst_value_array_get_size (array);

  if (n == 0) {
    *set = FALSE;
    return TRUE;
  }
  if (n != 3) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                 "%s needs three numbers <r, g, b> (or none), not %u", name, n);
    return FALSE;
  }
  for (guint i = 0; i < 3; i++) {
    const GValue *item = gst_value_array_get_value (array, i);
    GValue d = G_VALUE_INIT;

    g_value_init (&d, G_TYPE_DOUBLE);
    if (!g_value_type_transformable (G_VALUE_TYPE (item), G_TYPE_DOUBLE) ||
        !g_value_transform (item, &d)) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                   "%s: item %u is a %s, not a number", name, i + 1, G_VALUE_TYPE_NAME (item));
      return FALSE;
    }
    v[i] = (gfloat) g_value_get_double (&d);
  }
  /* the bounds of the core, with the other half at its default */
  swin_preprocess_params_init (&check);
  memcpy (g_str_equal (name, "std") ? check.std : check.mean, v, sizeof (v));
  if (!swin_check_normalization (check.mean, check.std, &check_error)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, "Invalid %s: %s", name,
                 check_error->message);
    g_clear_error (&check_error);
    return FALSE;
  }
  memcpy (values, v, sizeof (v));
  *set = TRUE;
  return TRUE;
}

void
gst_swin_settings_channels_to_array (gboolean set, const gfloat values[3], GValue *array)
{
  for (guint i = 0; set && i < 3; i++) {
    GValue v = G_VALUE_INIT;

    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, values[i]);
    gst_value_array_append_and_take_value (array, &v);
  }
}

gboolean
gst_swin_settings_object_classes (const gchar *text, GArray **classes, GError **error)
{
  gchar **items;

  *classes = NULL;
  if (!text || !*text)
    return TRUE;
  items = g_strsplit (text, ",", -1);
  *classes = g_array_new (FALSE, FALSE, sizeof (GQuark));
  for (guint i = 0; items[i]; i++) {
    GQuark q;

    g_strstrip (items[i]);
    if (!*items[i]) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                   "object-class \"%s\": item %u is empty", text, i + 1);
      g_clear_pointer (classes, g_array_unref);
      break;
    }
    q = gst_swin_settings_object_class (items[i]);
    g_array_append_val (*classes, q);
  }
  g_strfreev (items);
  return *classes != NULL;
}

GQuark
gst_swin_settings_object_class (const gchar *type)
{
  gchar *folded;
  GQuark q;

  if (!type)
    return 0;
  /* g_utf8_casefold() reads invalid UTF-8 past its end; a detector's type
   * is only a C string. */
  folded = g_utf8_validate (type, -1, NULL) ? g_utf8_casefold (type, -1)
                                            : g_ascii_strdown (type, -1);
  q = g_quark_from_string (folded);
  g_free (folded);
  return q;
}

gboolean
gst_swin_settings_size (const gchar *name, const gchar *text, gint *width, gint *height,
                        GError **error)
{
  gchar **parts = g_strsplit (text ? text : "", "x", -1);
  guint64 w = 0, h = 0;
  gboolean ok = g_strv_length (parts) == 2 &&
                g_ascii_string_to_unsigned (parts[0], 10, 1, G_MAXINT, &w, NULL) &&
                g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXINT, &h, NULL);

  g_strfreev (parts);
  if (!ok) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                 "%s \"%s\": expected WIDTHxHEIGHT in positive pixels, e.g. 16x16", name,
                 GST_STR_NULL (text));
    return FALSE;
  }
  *width = (gint) w;
  *height = (gint) h;
  return TRUE;
}
