/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Buffer results -> JSON with json-glib (see gstswinjson.h for the form). */
#include "gstswinjson.h"

#include <gst/video/video.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "gstswinmeta.h"

/* The first swinclassify result on the buffer's first classified region,
 * or NULL. */
static const GstStructure *
first_result (GstBuffer *buffer)
{
  gpointer state = NULL;
  GstMeta *meta;

  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state,
                                                   GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    gpointer results = NULL;
    const GstStructure *c = gst_video_region_of_interest_meta_iterate_swin_results (
        (GstVideoRegionOfInterestMeta *) meta, &results);

    if (c)
      return c;
  }
  return NULL;
}

gboolean
gst_swin_json_buffer_has_results (GstBuffer *buffer)
{
  return gst_buffer_get_swin_result (buffer) || first_result (buffer);
}

static void
add_time (JsonBuilder *b, const gchar *name, GstClockTime t)
{
  json_builder_set_member_name (b, name);
  if (GST_CLOCK_TIME_IS_VALID (t))
    json_builder_add_int_value (b, (gint64) t);
  else
    json_builder_add_null_value (b);
}

/* A number (a member's value or an array element), or null where JSON has
 * none (NaN, infinities). */
static void
add_double_value (JsonBuilder *b, gdouble value)
{
  if (!isfinite (value)) {
    json_builder_add_null_value (b);
    return;
  }
#if !JSON_CHECK_VERSION(1, 10, 0)
  /* json-glib before 1.10 appends ".0" to a double printed without a '.',
   * turning "1e-05" into the invalid "1e-05.0" (its issue #67).  The
   * neighbouring double one ulp toward zero prints with all 17 digits,
   * hence with a '.'. */
  for (;;) {
    gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

    g_ascii_dtostr (buf, sizeof (buf), value);
    if (strchr (buf, '.') || !strpbrk (buf, "eE"))
      break;
    value = nextafter (value, 0.0);
  }
#endif
  json_builder_add_double_value (b, value);
}

static void
add_double (JsonBuilder *b, const gchar *name, gdouble value)
{
  json_builder_set_member_name (b, name);
  add_double_value (b, value);
}

static void
add_string (JsonBuilder *b, const gchar *name, const gchar *value)
{
  json_builder_set_member_name (b, name);
  if (!value) {
    json_builder_add_null_value (b);
  } else if (g_utf8_validate (value, -1, NULL)) {
    json_builder_add_string_value (b, value);
  } else {
    /* json-glib copies the bytes as they are: JSON must be UTF-8. */
    gchar *valid = g_utf8_make_valid (value, -1);

    json_builder_add_string_value (b, valid);
    g_free (valid);
  }
}

/* json-glib (1.6) escapes U+0001..U+001E but writes U+001F raw, which
 * JSON forbids, and U+0080..U+009F raw, which JSON allows but which
 * terminals and some line readers (U+0085 ends a line) take as controls:
 * @text (taken) with every control character as \u00XX, and its length in
 * *@length (may be NULL).  In json-glib's compact output such a character
 * can only stand inside a string, so this escapes string contents only. */
static gchar *
escape_controls (gchar *text, gsize *length)
{
  const guchar *p = (const guchar *) text;
  GString *out = NULL;

  for (; *p; p++) {
    /* U+0080..U+009F are 0xc2 0x80..0x9f in UTF-8. */
    gboolean c1 = p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f;

    if (!c1 && *p >= 0x20 && *p != 0x7f) {
      if (out)
        g_string_append_c (out, (gchar) *p);
      continue;
    }
    if (!out) {
      out = g_string_sized_new (strlen (text) + 16);
      g_string_append_len (out, text, (const gchar *) p - text);
    }
    if (c1)
      p++;
    g_string_append_printf (out, "\\u%04x", *p);
  }
  if (!out)
    return text;
  g_free (text);
  if (length)
    *length = out->len;
  return g_string_free (out, FALSE);
}

/* "classes": [{"id", "label", "score"}] from the class-ids/labels/scores
 * arrays of @result (the frame meta and the region parameter share them). */
static void
add_classes (JsonBuilder *b, const GstStructure *result)
{
  guint n = gst_swin_result_get_n_classes (result);

  json_builder_set_member_name (b, "classes");
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++) {
    gint id;
    const gchar *label;
    gdouble score;

    if (!gst_swin_result_get_class (result, i, &id, &label, &score))
      break;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_int_value (b, id);
    add_string (b, "label", label);
    add_double (b, "score", score);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
}

/* "features": the values of @features (gstswinmeta.h), nothing if it is
 * NULL or malformed. */
static void
add_features (JsonBuilder *b, const GstStructure *features)
{
  const gfloat *values;
  guint n;

  if (!features || !(values = gst_swin_features_get_values (features, &n)))
    return;
  json_builder_set_member_name (b, "features");
  json_builder_begin_array (b);
  /* Cast back to float32, each number is the value itself (the
   * workaround above moves a double by one ulp, far less than a float's). */
  for (guint i = 0; i < n; i++)
    add_double_value (b, values[i]);
  json_builder_end_array (b);
}

/* @result under its own name: {"label", "label_id", "confidence", "model",
 * "classes"}, and its region's "features" (from the same element) unless
 * @features is NULL. */
static void
add_region_result (JsonBuilder *b, const GstStructure *c, const GstStructure *features)
{
  gint label_id;
  gdouble confidence;

  json_builder_set_member_name (b, gst_structure_get_name (c));
  json_builder_begin_object (b);
  add_string (b, "label", gst_structure_get_string (c, GST_SWIN_FIELD_LABEL));
  json_builder_set_member_name (b, "label_id");
  if (gst_structure_get_int (c, GST_SWIN_FIELD_LABEL_ID, &label_id))
    json_builder_add_int_value (b, label_id);
  else
    json_builder_add_null_value (b);
  if (gst_structure_get_double (c, GST_SWIN_FIELD_CONFIDENCE, &confidence)) {
    add_double (b, "confidence", confidence);
  } else {
    json_builder_set_member_name (b, "confidence");
    json_builder_add_null_value (b);
  }
  add_string (b, "model", gst_structure_get_string (c, GST_SWIN_FIELD_MODEL_NAME));
  add_classes (b, c);
  add_features (b, features);
  json_builder_end_object (b);
}

/* The region with each of its swinclassify results under its name (one
 * key per classifier of a cascade, as DL Streamer writes one per model),
 * with @buffer's features of it where @features. */
static void
add_region (JsonBuilder *b, GstBuffer *buffer, GstVideoRegionOfInterestMeta *roi,
            gboolean features)
{
  gpointer state = NULL;
  const GstStructure *c;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, roi->id);
  add_string (b, "roi_type", roi->roi_type ? g_quark_to_string (roi->roi_type) : NULL);
  json_builder_set_member_name (b, "x");
  json_builder_add_int_value (b, roi->x);
  json_builder_set_member_name (b, "y");
  json_builder_add_int_value (b, roi->y);
  json_builder_set_member_name (b, "w");
  json_builder_add_int_value (b, roi->w);
  json_builder_set_member_name (b, "h");
  json_builder_add_int_value (b, roi->h);
  /* the object's identity across frames: its first tracked result's */
  while ((c = gst_video_region_of_interest_meta_iterate_swin_results (roi, &state))) {
    guint64 track_id;

    if (gst_swin_region_result_get_track_id (c, &track_id)) {
      json_builder_set_member_name (b, "track_id");
      json_builder_add_int_value (b, (gint64) MIN (track_id, (guint64) G_MAXINT64));
      break;
    }
  }
  state = NULL;
  while ((c = gst_video_region_of_interest_meta_iterate_swin_results (roi, &state)))
    add_region_result (b, c, features ? gst_buffer_get_swin_region_features (
        buffer, roi, gst_structure_get_name (c)) : NULL);
  json_builder_end_object (b);
}

/* Without a frame result (inference-region=roi-list): "model" and "frame"
 * of the first result of the first classified region, so that every object
 * says which model and which frame, as a frame result's does (each is
 * omitted when the region's result lacks it: results written by other
 * elements). */
static void
add_region_origin (JsonBuilder *b, GstBuffer *buffer)
{
  const GstStructure *c = first_result (buffer);
  guint64 frame;

  if (!c)
    return;
  if (gst_structure_has_field_typed (c, GST_SWIN_FIELD_MODEL_NAME, G_TYPE_STRING))
    add_string (b, "model", gst_structure_get_string (c, GST_SWIN_FIELD_MODEL_NAME));
  if (gst_structure_get_uint64 (c, GST_SWIN_FIELD_FRAME, &frame)) {
    json_builder_set_member_name (b, "frame");
    json_builder_add_int_value (b, (gint64) frame);
  }
}

/* "objects": every region with a swinclassify result, in the buffer's meta
 * order; nothing when there is none. */
static void
add_objects (JsonBuilder *b, GstBuffer *buffer, gboolean features)
{
  gpointer state = NULL;
  GstMeta *meta;
  gboolean open = FALSE;

  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state,
                                                   GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) meta;
    gpointer results = NULL;

    if (!gst_video_region_of_interest_meta_iterate_swin_results (roi, &results))
      continue;
    if (!open) {
      json_builder_set_member_name (b, "objects");
      json_builder_begin_array (b);
      open = TRUE;
    }
    add_region (b, buffer, roi, features);
  }
  if (open)
    json_builder_end_array (b);
}

gchar *
gst_swin_json_serialize (GstBuffer *buffer, const GstSwinJsonContext *context, gsize *length)
{
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *gen = json_generator_new ();
  const GstStructure *result = gst_buffer_get_swin_result (buffer);
  GstClockTime stream_time = GST_CLOCK_TIME_NONE;
  JsonNode *root;
  gchar *text;

  if (context->segment && context->segment->format == GST_FORMAT_TIME)
    stream_time = gst_segment_to_stream_time (context->segment, GST_FORMAT_TIME,
                                              GST_BUFFER_PTS (buffer));

  json_builder_begin_object (b);
  add_time (b, "timestamp", stream_time);
  add_time (b, "pts", GST_BUFFER_PTS (buffer));
  if (context->source)
    add_string (b, "source", context->source);
  if (context->width > 0 && context->height > 0) {
    json_builder_set_member_name (b, "resolution");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "width");
    json_builder_add_int_value (b, context->width);
    json_builder_set_member_name (b, "height");
    json_builder_add_int_value (b, context->height);
    json_builder_end_object (b);
  }
  if (result) {
    add_string (b, "model", gst_swin_result_get_model (result));
    json_builder_set_member_name (b, "frame");
    json_builder_add_int_value (b, (gint64) gst_swin_result_get_frame (result));
    json_builder_set_member_name (b, "age");
    json_builder_add_int_value (b, gst_swin_result_get_age (result));
    add_classes (b, result);
    if (context->features)
      add_features (b, gst_buffer_get_swin_frame_features (buffer));
  } else {
    add_region_origin (b, buffer);
  }
  add_objects (b, buffer, context->features);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = escape_controls (json_generator_to_data (gen, length), length);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
  return text;
}
