/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the swinpublish tests (header-only): buffers carrying
 * results made the way swinclassify and a region classifier attach them,
 * the check of a published JSON object against the buffer it came from, a
 * harness around swinpublish with a bus, and reading that bus. */
#pragma once

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "gstswinmeta.h"

#define SWIN_PUB_CAPS "video/x-raw,format=RGB,width=16,height=12,framerate=30/1"
#define SWIN_PUB_WIDTH 16
#define SWIN_PUB_HEIGHT 12

/* A GstValueArray field @name of @s from @n values of @type at @values. */
static inline void
swin_pub_set_array (GstStructure *s, const gchar *name, GType type, guint n,
                    const gconstpointer *values)
{
  GValue array = G_VALUE_INIT;

  gst_value_array_init (&array, n);
  for (guint i = 0; i < n; i++) {
    GValue v = G_VALUE_INIT;

    g_value_init (&v, type);
    if (type == G_TYPE_INT)
      g_value_set_int (&v, *(const gint *) values[i]);
    else if (type == G_TYPE_DOUBLE)
      g_value_set_double (&v, *(const gdouble *) values[i]);
    else
      g_value_set_string (&v, values[i]);
    gst_value_array_append_and_take_value (&array, &v);
  }
  gst_structure_take_value (s, name, &array);
}

/* Fills @s with @n classes: ids, labels ("label <id>" + @label_suffix) and
 * scores from @rand, scores descending as swinclassify writes them. */
static inline void
swin_pub_fill_classes (GstStructure *s, guint n, GRand *rand, const gchar *label_suffix)
{
  gint ids[8];
  gdouble scores[8];
  gchar *labels[8];
  gconstpointer pid[8], plabel[8], pscore[8];
  gdouble prev = 1.0;

  g_assert (n <= 8);
  for (guint i = 0; i < n; i++) {
    ids[i] = g_rand_int_range (rand, 0, 1000);
    prev = scores[i] = prev * g_rand_double (rand);
    labels[i] = g_strdup_printf ("label %d%s", ids[i], label_suffix ? label_suffix : "");
    pid[i] = &ids[i];
    plabel[i] = labels[i];
    pscore[i] = &scores[i];
  }
  swin_pub_set_array (s, GST_SWIN_FIELD_CLASS_IDS, G_TYPE_INT, n, pid);
  swin_pub_set_array (s, GST_SWIN_FIELD_LABELS, G_TYPE_STRING, n, plabel);
  swin_pub_set_array (s, GST_SWIN_FIELD_SCORES, G_TYPE_DOUBLE, n, pscore);
  for (guint i = 0; i < n; i++)
    g_free (labels[i]);
}

/* A frame of SWIN_PUB_CAPS with PTS @pts and, as swinclassify attaches it,
 * a frame result: 1 to 5 classes, model "tiny", frame @frame, age
 * @frame % 3.  (The meta is registered once the swin plugin is loaded.) */
static inline GstBuffer *
swin_pub_result_buffer (guint64 frame, GstClockTime pts, guint32 seed)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, SWIN_PUB_WIDTH * SWIN_PUB_HEIGHT * 3, NULL);
  GstCustomMeta *meta = gst_buffer_add_custom_meta (buf, GST_SWIN_META_NAME);
  GRand *rand = g_rand_new_with_seed (seed);
  GstStructure *s;

  fail_unless (meta != NULL, "GstSwinClassifyMeta not registered");
  gst_buffer_memset (buf, 0, (guint8) seed, gst_buffer_get_size (buf));
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  s = gst_custom_meta_get_structure (meta);
  swin_pub_fill_classes (s, 1 + (guint) (frame % 5), rand, NULL);
  gst_structure_set (s, GST_SWIN_FIELD_MODEL, G_TYPE_STRING, "tiny", GST_SWIN_FIELD_AGE,
                     G_TYPE_UINT, (guint) (frame % 3), GST_SWIN_FIELD_FRAME, G_TYPE_UINT64,
                     frame, NULL);
  g_rand_free (rand);
  return buf;
}

/* Adds a region to @buf as a detector would, and (@classify) its result as
 * a region classifier attaches it: a "classification" parameter with
 * label, label_id, confidence, model_name and the classes arrays. */
static inline GstVideoRegionOfInterestMeta *
swin_pub_add_region (GstBuffer *buf, const gchar *roi_type, guint x, guint y, guint w, guint h,
                     gboolean classify, guint32 seed, const gchar *label_suffix)
{
  GstVideoRegionOfInterestMeta *roi =
      gst_buffer_add_video_region_of_interest_meta (buf, roi_type, x, y, w, h);

  if (classify) {
    GstStructure *c = gst_structure_new_empty ("classification");
    GRand *rand = g_rand_new_with_seed (seed);
    const GValue *ids, *labels, *scores;

    swin_pub_fill_classes (c, 3, rand, label_suffix);
    ids = gst_structure_get_value (c, GST_SWIN_FIELD_CLASS_IDS);
    labels = gst_structure_get_value (c, GST_SWIN_FIELD_LABELS);
    scores = gst_structure_get_value (c, GST_SWIN_FIELD_SCORES);
    gst_structure_set (c, "label", G_TYPE_STRING,
                       g_value_get_string (gst_value_array_get_value (labels, 0)),
                       "label_id", G_TYPE_INT, g_value_get_int (gst_value_array_get_value (ids, 0)),
                       "confidence", G_TYPE_DOUBLE,
                       g_value_get_double (gst_value_array_get_value (scores, 0)),
                       "model_name", G_TYPE_STRING, "regions-model",
                       "frame", G_TYPE_UINT64, (guint64) seed, NULL);
    gst_video_region_of_interest_meta_add_param (roi, c);
    g_rand_free (rand);
  }
  return roi;
}

/* Parses one JSON object; fails the test if @text is not one. */
static inline JsonObject *
swin_pub_parse (const gchar *text)
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

/* A double as published: equal, or (json-glib < 1.10 cannot print some
 * values, see gstswinjson.c) one ulp toward zero. */
static inline void
swin_pub_check_double (JsonObject *o, const gchar *name, gdouble expect)
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

static inline void
swin_pub_check_int (JsonObject *o, const gchar *name, gint64 expect)
{
  JsonNode *n = json_object_get_member (o, name);

  fail_unless (n != NULL && JSON_NODE_HOLDS_VALUE (n) &&
               json_node_get_value_type (n) == G_TYPE_INT64, "\"%s\" missing or not an integer",
               name);
  fail_unless (json_node_get_int (n) == expect, "\"%s\": %" G_GINT64_FORMAT ", expected %"
               G_GINT64_FORMAT, name, json_node_get_int (n), expect);
}

static inline void
swin_pub_check_string (JsonObject *o, const gchar *name, const gchar *expect)
{
  JsonNode *n = json_object_get_member (o, name);

  fail_unless (n != NULL && json_node_get_value_type (n) == G_TYPE_STRING, "\"%s\" missing",
               name);
  fail_unless_equals_string (json_node_get_string (n), expect);
}

/* "classes" of @o equal the class-ids/labels/scores of @result. */
static inline void
swin_pub_check_classes (JsonObject *o, const GstStructure *result)
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
    swin_pub_check_int (c, "id", id);
    swin_pub_check_string (c, "label", label);
    swin_pub_check_double (c, "score", score);
  }
}

/* The published @o describes @buf: times (@timestamp: the expected stream
 * time), @source, resolution, the frame result and every classified
 * region, and nothing else. */
static inline void
swin_pub_check_object (JsonObject *o, GstBuffer *buf, GstClockTime timestamp,
                       const gchar *source, gint width, gint height)
{
  const GstStructure *r = gst_buffer_get_swin_result (buf);
  JsonObject *res = json_object_get_object_member (o, "resolution");
  JsonArray *objects = json_object_has_member (o, "objects")
                       ? json_object_get_array_member (o, "objects") : NULL;
  gpointer state = NULL;
  GstMeta *meta;
  guint n_objects = 0;

  swin_pub_check_int (o, "timestamp", (gint64) timestamp);
  swin_pub_check_int (o, "pts", (gint64) GST_BUFFER_PTS (buf));
  swin_pub_check_string (o, "source", source);
  fail_unless (res != NULL);
  swin_pub_check_int (res, "width", width);
  swin_pub_check_int (res, "height", height);
  if (r) {
    swin_pub_check_string (o, "model", gst_swin_result_get_model (r));
    swin_pub_check_int (o, "frame", (gint64) gst_swin_result_get_frame (r));
    swin_pub_check_int (o, "age", gst_swin_result_get_age (r));
    swin_pub_check_classes (o, r);
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
    swin_pub_check_string (o, "model", gst_structure_get_string (first, "model_name"));
    if (gst_structure_get_uint64 (first, "frame", &frame))
      swin_pub_check_int (o, "frame", (gint64) frame);
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
    swin_pub_check_int (jo, "id", roi->id);
    swin_pub_check_string (jo, "roi_type", g_quark_to_string (roi->roi_type));
    swin_pub_check_int (jo, "x", roi->x);
    swin_pub_check_int (jo, "y", roi->y);
    swin_pub_check_int (jo, "w", roi->w);
    swin_pub_check_int (jo, "h", roi->h);
    jc = json_object_get_object_member (jo, "classification");
    fail_unless (jc != NULL);
    swin_pub_check_string (jc, "label", gst_structure_get_string (c, "label"));
    fail_unless (gst_structure_get_int (c, "label_id", &label_id));
    swin_pub_check_int (jc, "label_id", label_id);
    fail_unless (gst_structure_get_double (c, "confidence", &confidence));
    swin_pub_check_double (jc, "confidence", confidence);
    swin_pub_check_string (jc, "model", gst_structure_get_string (c, "model_name"));
    swin_pub_check_classes (jc, c);
  }
  fail_unless_equals_int (objects ? json_array_get_length (objects) : 0, n_objects);
}

/* A harness around a swinpublish with @props (NULL-terminated
 * property/value list), its bus in *@bus (to read its warnings and
 * errors), started, with SWIN_PUB_CAPS on its input and a TIME segment
 * from 0.  Output buffers are kept only with @keep_output. */
static inline GstHarness *
swin_pub_harness (GstBus **bus, gboolean keep_output, const gchar *first_property, ...)
{
  GstElement *e = gst_element_factory_make ("swinpublish", "pub");
  GstHarness *h;
  va_list args;

  fail_unless (e != NULL, "swinpublish not found");
  gst_object_ref_sink (e);
  va_start (args, first_property);
  if (first_property)
    g_object_set_valist (G_OBJECT (e), first_property, args);
  va_end (args);
  *bus = gst_bus_new ();
  gst_element_set_bus (e, *bus);
  h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps_str (h, SWIN_PUB_CAPS);
  if (!keep_output)
    gst_harness_set_drop_buffers (h, TRUE);
  return h;
}

/* Every error, warning and info message seen on a bus, kept on the bus
 * object: "<type>\t<text>" strings. */
static inline GPtrArray *
swin_pub_bus_record (GstBus *bus)
{
  GPtrArray *record = g_object_get_data (G_OBJECT (bus), "swin-record");

  if (!record) {
    record = g_ptr_array_new_with_free_func (g_free);
    g_object_set_data_full (G_OBJECT (bus), "swin-record", record,
                            (GDestroyNotify) g_ptr_array_unref);
  }
  return record;
}

/* The first recorded message of @types whose text contains @text (NULL:
 * any), from index *@from on; advances *@from past it.  NULL if none. */
static inline const gchar *
swin_pub_find_recorded (GstBus *bus, GstMessageType types, const gchar *text, guint *from)
{
  GPtrArray *record = swin_pub_bus_record (bus);

  for (; *from < record->len; (*from)++) {
    const gchar *entry = g_ptr_array_index (record, *from);
    GstMessageType type = (GstMessageType) g_ascii_strtoull (entry, NULL, 10);
    const gchar *msg = strchr (entry, '\t') + 1;

    if ((type & types) && (!text || strstr (msg, text))) {
      (*from)++;
      return msg;
    }
  }
  return NULL;
}

/* Moves the messages now on @bus into its record; waits at most @timeout
 * for the first one if there is none. */
static inline void
swin_pub_drain_bus (GstBus *bus, GstClockTime timeout)
{
  GstMessageType types = GST_MESSAGE_ERROR | GST_MESSAGE_WARNING | GST_MESSAGE_INFO;
  GstMessage *msg;

  while ((msg = gst_bus_timed_pop_filtered (bus, timeout, types))) {
    GError *error = NULL;

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      gst_message_parse_error (msg, &error, NULL);
    else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING)
      gst_message_parse_warning (msg, &error, NULL);
    else
      gst_message_parse_info (msg, &error, NULL);
    g_ptr_array_add (swin_pub_bus_record (bus),
                     g_strdup_printf ("%u\t%s", GST_MESSAGE_TYPE (msg), error->message));
    g_clear_error (&error);
    gst_message_unref (msg);
    timeout = 0;
  }
}

/* Waits at most @timeout for a message of @types (errors, warnings, infos)
 * containing @text (NULL: any), already seen or new; a copy of its text, or
 * NULL. */
static inline gchar *
swin_pub_wait_message (GstBus *bus, GstMessageType types, const gchar *text,
                       GstClockTime timeout)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout / GST_USECOND);
  guint from = 0;

  for (;;) {
    const gchar *found;
    gint64 left;

    swin_pub_drain_bus (bus, 0);
    if ((found = swin_pub_find_recorded (bus, types, text, &from)))
      return g_strdup (found);
    left = deadline - g_get_monotonic_time ();
    if (left <= 0)
      return NULL;
    swin_pub_drain_bus (bus, MIN (left, 50 * 1000) * GST_USECOND);
  }
}

/* How many messages of @types containing @text (NULL: any) were posted. */
static inline guint
swin_pub_count_messages (GstBus *bus, GstMessageType types, const gchar *text)
{
  guint n = 0, from = 0;

  swin_pub_drain_bus (bus, 0);
  while (swin_pub_find_recorded (bus, types, text, &from))
    n++;
  return n;
}

/* Drops @bus's pending messages (each holds a reference to the element
 * that posted it, which holds the bus) and the caller's reference. */
static inline void
swin_pub_bus_free (GstBus *bus)
{
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

/* All messages seen on @bus, one per line, for failure reports; g_free(). */
static inline gchar *
swin_pub_bus_log (GstBus *bus)
{
  GPtrArray *record = swin_pub_bus_record (bus);
  GString *log = g_string_new (NULL);

  swin_pub_drain_bus (bus, 0);
  for (guint i = 0; i < record->len; i++)
    g_string_append_printf (log, "  %s\n", strchr (g_ptr_array_index (record, i), '\t') + 1);
  return g_string_free (log, FALSE);
}
