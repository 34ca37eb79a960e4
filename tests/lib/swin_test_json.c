/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "swin_test_json.h"

#include <gst/check/gstcheck.h>
#include <gst/video/video.h>
#include <math.h>

#include "gstswinmeta.h"

JsonObject *
swin_test_json_parse (const gchar *text)
{
  JsonParser *parser = json_parser_new ();
  GError *error = NULL;
  JsonObject *o;

  fail_unless (json_parser_load_from_data (parser, text, -1, &error), "invalid JSON (%s): %s",
               error ? error->message : "", text);
  fail_unless (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)), "not an object: %s", text);
  o = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  g_object_unref (parser);
  return o;
}

void
swin_test_json_check_double (JsonObject *o, const gchar *name, gdouble expect)
{
  JsonNode *n = json_object_get_member (o, name);
  gdouble got;

  fail_unless (n != NULL, "no \"%s\"", name);
  if (!isfinite (expect)) {
    fail_unless (JSON_NODE_HOLDS_NULL (n), "\"%s\": non-finite value not null", name);
    return;
  }
  got = json_node_get_double (n);
  fail_unless (got == expect || got == nextafter (expect, 0.0), "\"%s\": %.17g, expected %.17g",
               name, got, expect);
}

void
swin_test_json_check_int (JsonObject *o, const gchar *name, gint64 expect)
{
  JsonNode *n = json_object_get_member (o, name);

  fail_unless (n != NULL && JSON_NODE_HOLDS_VALUE (n) &&
               json_node_get_value_type (n) == G_TYPE_INT64, "\"%s\" missing or not an integer",
               name);
  fail_unless (json_node_get_int (n) == expect, "\"%s\": %" G_GINT64_FORMAT ", expected %"
               G_GINT64_FORMAT, name, json_node_get_int (n), expect);
}

void
swin_test_json_check_string (JsonObject *o, const gchar *name, const gchar *expect)
{
  JsonNode *n = json_object_get_member (o, name);

  fail_unless (n != NULL && json_node_get_value_type (n) == G_TYPE_STRING, "\"%s\" missing",
               name);
  fail_unless_equals_string (json_node_get_string (n), expect);
}

void
swin_test_json_check_classes (JsonObject *o, const GstStructure *result)
{
  JsonArray *a = json_object_get_array_member (o, "classes");
  guint n = gst_swin_result_get_n_classes (result);

  fail_unless (a != NULL, "no \"classes\"");
  fail_unless_equals_int (json_array_get_length (a), n);
  for (guint i = 0; i < n; i++) {
    JsonObject *c = json_array_get_object_element (a, i);
    gint id;
    const gchar *label;
    gdouble score;

    fail_unless (gst_swin_result_get_class (result, i, &id, &label, &score));
    swin_test_json_check_int (c, "id", id);
    swin_test_json_check_string (c, "label", label);
    swin_test_json_check_double (c, "score", score);
  }
}

void
swin_test_json_check_object (JsonObject *o, GstBuffer *buf, GstClockTime timestamp,
                             const gchar *source, gint width, gint height)
{
  const GstStructure *r = gst_buffer_get_swin_result (buf);
  JsonObject *res = json_object_get_object_member (o, "resolution");
  JsonArray *objects = json_object_has_member (o, "objects")
                       ? json_object_get_array_member (o, "objects") : NULL;
  gpointer state = NULL;
  GstMeta *meta;
  guint n_objects = 0;

  swin_test_json_check_int (o, "timestamp", (gint64) timestamp);
  swin_test_json_check_int (o, "pts", (gint64) GST_BUFFER_PTS (buf));
  swin_test_json_check_string (o, "source", source);
  fail_unless (res != NULL);
  swin_test_json_check_int (res, "width", width);
  swin_test_json_check_int (res, "height", height);
  if (r) {
    swin_test_json_check_string (o, "model", gst_swin_result_get_model (r));
    swin_test_json_check_int (o, "frame", (gint64) gst_swin_result_get_frame (r));
    swin_test_json_check_int (o, "age", gst_swin_result_get_age (r));
    swin_test_json_check_classes (o, r);
  } else {
    /* "model" and "frame" of the first classified region, where it has them. */
    const GstStructure *first = NULL;
    guint64 frame;

    while (!first && (meta = gst_buffer_iterate_meta_filtered (buf, &state,
                                                               GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)))
      first = gst_video_region_of_interest_meta_get_param ((GstVideoRegionOfInterestMeta *) meta,
                                                           "classification");
    state = NULL;
    fail_if (json_object_has_member (o, "classes") || json_object_has_member (o, "age"));
    fail_unless (first != NULL);
    swin_test_json_check_string (o, "model", gst_structure_get_string (first, "model_name"));
    if (gst_structure_get_uint64 (first, "frame", &frame))
      swin_test_json_check_int (o, "frame", (gint64) frame);
    else
      fail_if (json_object_has_member (o, "frame"));
  }

  while ((meta = gst_buffer_iterate_meta_filtered (buf, &state,
                                                   GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) meta;
    const GstStructure *c = gst_video_region_of_interest_meta_get_param (roi, "classification");
    JsonObject *jo, *jc;
    gint label_id;
    gdouble confidence;

    if (!c)
      continue;
    fail_unless (objects && n_objects < json_array_get_length (objects), "region missing");
    jo = json_array_get_object_element (objects, n_objects++);
    swin_test_json_check_int (jo, "id", roi->id);
    swin_test_json_check_string (jo, "roi_type", g_quark_to_string (roi->roi_type));
    swin_test_json_check_int (jo, "x", roi->x);
    swin_test_json_check_int (jo, "y", roi->y);
    swin_test_json_check_int (jo, "w", roi->w);
    swin_test_json_check_int (jo, "h", roi->h);
    jc = json_object_get_object_member (jo, "classification");
    fail_unless (jc != NULL);
    swin_test_json_check_string (jc, "label", gst_structure_get_string (c, "label"));
    fail_unless (gst_structure_get_int (c, "label_id", &label_id));
    swin_test_json_check_int (jc, "label_id", label_id);
    fail_unless (gst_structure_get_double (c, "confidence", &confidence));
    swin_test_json_check_double (jc, "confidence", confidence);
    swin_test_json_check_string (jc, "model", gst_structure_get_string (c, "model_name"));
    swin_test_json_check_classes (jc, c);
  }
  fail_unless_equals_int (objects ? json_array_get_length (objects) : 0, n_objects);
}
