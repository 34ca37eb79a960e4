/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinpublish with method=file, and the JSON it writes: a whole stream
 * through a real swinclassify and back, regions with classifications,
 * a cascade of two region classifiers (one key per result on each
 * region), awkward strings and numbers, every control character, standard
 * output, /dev/full, a write cut short, FIFOs with and without a reader,
 * paths that cannot be written, the duration properties, and
 * pipelines/swin-print writing the very same lines, also after a cascade. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include "gstswinmeta.h"
#include "swin/swin.h"
#include "swin_test_bus.h"
#include "swin_test_element.h"
#include "swin_test_json.h"
#include "swin_test_model.h"
#include "swin_test_publish.h"
#include "swin_test_results.h"
#include "swin_test_video.h"
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#define IMG 56
#define CLASSES 10
#define FRAME_CAPS "video/x-raw,format=RGB,width=70,height=50,framerate=30/1"
#define CASCADES "/usr/share/opencv4/haarcascades"

static gchar *tmpdir;
static gchar *model_path;
static gchar *colour_path;

static void
make_tiny_model (void)
{
  SwinInitParams ip = { .embed_dim = 16, .num_stages = 2, .depths = { 2, 2 }, .heads = { 1, 2 },
                        .window = 7, .num_classes = CLASSES, .img_size = IMG, .seed = 5 };
  GError *error = NULL;

  tmpdir = g_dir_make_tmp ("swin-publish-XXXXXX", &error);
  g_assert_no_error (error);
  model_path = swin_test_write_model (tmpdir, "tiny.safetensors", &ip);
  /* the second classifier of a cascade */
  ip.num_classes = 4;
  ip.seed = 31;
  colour_path = swin_test_write_model (tmpdir, "colour.safetensors", &ip);
}

/* The lines of @text (@len bytes, without their newlines); it must end
 * with one.  Takes @text. */
static gchar **
split_lines (gchar *text, gsize len)
{
  gchar **lines;

  fail_unless (len == 0 || text[len - 1] == '\n', "last line not terminated");
  if (len > 0)
    text[len - 1] = '\0';
  lines = len > 0 ? g_strsplit (text, "\n", -1) : g_new0 (gchar *, 1);
  g_free (text);
  return lines;
}

/* The lines of @path (without their newlines); the file must end with one. */
static gchar **
read_lines (const gchar *path)
{
  gchar *text = NULL;
  gsize len = 0;
  GError *error = NULL;

  fail_unless (g_file_get_contents (path, &text, &len, &error), "%s", error ? error->message : "");
  return split_lines (text, len);
}

/* @lines (taken) are, one each, the objects of the @n buffers @bufs pushed
 * into a harness (no upstream element: the source is swinpublish's name;
 * a segment from 0: stream time = PTS). */
static void
check_lines (gchar **lines, GstBuffer **bufs, guint n)
{
  fail_unless_equals_int (g_strv_length (lines), n);
  for (guint i = 0; i < n; i++) {
    JsonObject *o = swin_test_json_parse (lines[i]);

    swin_test_json_check_object (o, bufs[i], GST_BUFFER_PTS (bufs[i]), "pub", SWIN_TEST_RESULT_WIDTH,
                           SWIN_TEST_RESULT_HEIGHT);
    json_object_unref (o);
  }
  g_strfreev (lines);
}

/* A stream through "swinclassify ! swinpublish method=file": one line per
 * classified frame, equal to the metadata on the buffer that went out. */
GST_START_TEST (test_file_classify_roundtrip)
{
  gchar *out_path = g_build_filename (tmpdir, "roundtrip.jsonl", NULL);
  gchar *launch = g_strdup_printf (
      "swinclassify name=cls model=\"%s\" device=\"%s\" inference-interval=2 top-k=3 ! "
      "swinpublish method=file file-path=\"%s\"", model_path, g_getenv ("SWIN_TEST_DEVICE"),
      out_path);
  GstHarness *h = gst_harness_new_parse (launch);
  GstBuffer *out[6];
  gchar **lines;

  gst_harness_set_src_caps_str (h, FRAME_CAPS);
  for (guint i = 0; i < G_N_ELEMENTS (out); i++) {
    GstBuffer *in = swin_test_make_frame (FRAME_CAPS, i, 40 + i);
    GstMapInfo a, b;

    out[i] = gst_harness_push_and_pull (h, gst_buffer_ref (in));
    fail_unless (out[i] != NULL);
    fail_unless (gst_buffer_get_swin_result (out[i]) != NULL);
    /* Pixels untouched. */
    gst_buffer_map (in, &a, GST_MAP_READ);
    gst_buffer_map (out[i], &b, GST_MAP_READ);
    fail_unless (a.size == b.size && memcmp (a.data, b.data, a.size) == 0);
    gst_buffer_unmap (in, &a);
    gst_buffer_unmap (out[i], &b);
    gst_buffer_unref (in);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);

  lines = read_lines (out_path);
  fail_unless_equals_int (g_strv_length (lines), G_N_ELEMENTS (out));
  for (guint i = 0; i < G_N_ELEMENTS (out); i++) {
    JsonObject *o = swin_test_json_parse (lines[i]);
    const GstStructure *r = gst_buffer_get_swin_result (out[i]);

    /* inference-interval=2: every other frame carries the previous result. */
    fail_unless_equals_int (gst_swin_result_get_age (r), i % 2);
    fail_unless_equals_int (gst_swin_result_get_n_classes (r), 3);
    swin_test_json_check_object (o, out[i], GST_BUFFER_PTS (out[i]), "cls", 70, 50);
    json_object_unref (o);
    gst_buffer_unref (out[i]);
  }
  g_strfreev (lines);
  g_unlink (out_path);
  g_free (out_path);
  g_free (launch);
}
GST_END_TEST;

/* The "classification" parameter of a region, written by hand: @label,
 * @confidence and one class. */
static void
add_region_result (GstVideoRegionOfInterestMeta *roi, const gchar *label, gdouble confidence)
{
  GstStructure *c = gst_structure_new_empty ("classification");
  gint id = 7;
  gconstpointer pid[] = { &id }, plabel[] = { label }, pscore[] = { &confidence };

  swin_test_set_array (c, GST_SWIN_FIELD_CLASS_IDS, G_TYPE_INT, 1, pid);
  swin_test_set_array (c, GST_SWIN_FIELD_LABELS, G_TYPE_STRING, 1, plabel);
  swin_test_set_array (c, GST_SWIN_FIELD_SCORES, G_TYPE_DOUBLE, 1, pscore);
  gst_structure_set (c, "label", G_TYPE_STRING, label, "label_id", G_TYPE_INT, id, "confidence",
                     G_TYPE_DOUBLE, confidence, "model_name", G_TYPE_STRING, "regions-model",
                     NULL);
  gst_video_region_of_interest_meta_add_param (roi, c);
}

/* Regions as a detector and a region classifier leave them, the frame
 * result or not, in a segment whose stream time differs from the PTS;
 * strings that need escaping and numbers json-glib 1.6 mishandles. */
GST_START_TEST (test_file_regions)
{
  static const gchar *awkward = "quote\" backslash\\ newline\n tab\t ctrl\x01 \xc3\xa9\xe2\x98\x83";
  gchar *out_path = g_build_filename (tmpdir, "regions.jsonl", NULL);
  GstBus *bus;
  GstHarness *h = swin_test_publish_harness (&bus, FALSE, "file-path", out_path, "source", "cam-7", NULL);
  GstSegment segment;
  GstBuffer *bufs[4];
  gchar **lines;
  JsonObject *o;
  gchar *expect_label;

  /* Stream time = PTS - 10 s + 3 s. */
  gst_segment_init (&segment, GST_FORMAT_TIME);
  segment.start = 10 * GST_SECOND;
  segment.time = 3 * GST_SECOND;
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));

  /* 0: frame result, two classified regions (one with awkward strings and
   * a confidence printed as "1e-05"), one region without a result. */
  bufs[0] = swin_test_result_buffer (0, 10 * GST_SECOND, 1);
  swin_test_add_region (bufs[0], "person", 1, 2, 10, 8, TRUE, 11, awkward);
  swin_test_add_region (bufs[0], "car", 0, 0, 4, 4, FALSE, 0, NULL);
  add_region_result (gst_buffer_add_video_region_of_interest_meta (bufs[0], "dog", 3, 4, 5, 6),
                     "dog", 1e-05);
  /* 1: only a classified region, no frame result. */
  bufs[1] = gst_buffer_new_allocate (NULL, SWIN_TEST_RESULT_WIDTH * SWIN_TEST_RESULT_HEIGHT * 3, NULL);
  GST_BUFFER_PTS (bufs[1]) = 11 * GST_SECOND;
  swin_test_add_region (bufs[1], "face", 5, 5, 3, 3, TRUE, 12, NULL);
  /* 2: nothing to publish. */
  bufs[2] = gst_buffer_new_allocate (NULL, SWIN_TEST_RESULT_WIDTH * SWIN_TEST_RESULT_HEIGHT * 3, NULL);
  GST_BUFFER_PTS (bufs[2]) = 12 * GST_SECOND;
  swin_test_add_region (bufs[2], "tree", 5, 5, 3, 3, FALSE, 0, NULL);
  /* 3: a score of 1e-300 with a label that is not UTF-8 (GstStructure
   * checks its string fields, but not strings inside arrays), and a
   * confidence that is not a number. */
  bufs[3] = swin_test_result_buffer (3, 13 * GST_SECOND, 3);
  {
    GstStructure *s = gst_custom_meta_get_structure (
        gst_buffer_get_custom_meta (bufs[3], GST_SWIN_META_NAME));
    gint id = 1;
    gdouble tiny = 1e-300;
    gconstpointer pid[] = { &id }, plabel[] = { "bad \xff\xfe utf-8" }, pscore[] = { &tiny };

    swin_test_set_array (s, GST_SWIN_FIELD_CLASS_IDS, G_TYPE_INT, 1, pid);
    swin_test_set_array (s, GST_SWIN_FIELD_LABELS, G_TYPE_STRING, 1, plabel);
    swin_test_set_array (s, GST_SWIN_FIELD_SCORES, G_TYPE_DOUBLE, 1, pscore);
    add_region_result (gst_buffer_add_video_region_of_interest_meta (bufs[3], "x", 0, 0, 1, 1),
                       "nan", NAN);
  }

  for (guint i = 0; i < G_N_ELEMENTS (bufs); i++)
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (bufs[i])), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);
  fail_if (swin_test_bus_count_messages (bus, GST_MESSAGE_ERROR | GST_MESSAGE_WARNING, NULL));

  lines = read_lines (out_path);
  fail_unless_equals_int (g_strv_length (lines), 3);
  for (guint i = 0; i < 2; i++) {
    o = swin_test_json_parse (lines[i]);
    swin_test_json_check_object (o, bufs[i], GST_BUFFER_PTS (bufs[i]) - 7 * GST_SECOND, "cam-7",
                           SWIN_TEST_RESULT_WIDTH, SWIN_TEST_RESULT_HEIGHT);
    json_object_unref (o);
  }

  /* The last line: valid JSON with null for NaN and the label repaired. */
  o = swin_test_json_parse (lines[2]);
  {
    JsonObject *cls = json_array_get_object_element (json_object_get_array_member (o, "classes"),
                                                     0);
    JsonObject *c = json_object_get_object_member (
        json_array_get_object_element (json_object_get_array_member (o, "objects"), 0),
        "classification");

    swin_test_json_check_double (cls, "score", 1e-300);
    expect_label = g_utf8_make_valid ("bad \xff\xfe utf-8", -1);
    swin_test_json_check_string (cls, "label", expect_label);
    g_free (expect_label);
    fail_unless (json_node_is_null (json_object_get_member (c, "confidence")));
  }
  json_object_unref (o);

  for (guint i = 0; i < G_N_ELEMENTS (bufs); i++)
    gst_buffer_unref (bufs[i]);
  g_strfreev (lines);
  swin_test_bus_free (bus);
  g_unlink (out_path);
  g_free (out_path);
}
GST_END_TEST;

/* "features" of @o: exactly the values of @features (cast back to
 * float32), which hold the core's pooled features of @rect (NULL: the
 * whole frame) of @frame. */
static void
check_json_features (JsonObject *o, const GstStructure *features, SwinModel *m, GstBuffer *frame,
                     const SwinRect *rect)
{
  JsonArray *a = json_object_get_array_member (o, "features");
  GstCaps *caps = gst_caps_from_string (FRAME_CAPS);
  const gfloat *values;
  GstVideoInfo info;
  guint n;

  fail_unless (features != NULL);
  fail_unless (a != NULL, "no \"features\"");
  values = gst_swin_features_get_values (features, &n);
  fail_unless (values != NULL);
  fail_unless_equals_int (json_array_get_length (a), n);
  for (guint i = 0; i < n; i++)
    fail_unless ((gfloat) json_array_get_double_element (a, i) == values[i],
                 "features[%u]: %.9g in the JSON, %.9g on the buffer", i,
                 json_array_get_double_element (a, i), values[i]);
  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  swin_test_check_features (features, m, frame, &info, rect, SWIN_SCALE_CENTER_CROP);
}

/* include-features=true: "features" of each frame (inference-interval=2:
 * the frame in between writes the previous frame's) and of each region's
 * result, equal to the features on the buffer and to the core's CPU
 * pooled features of the same image; a swinpublish without the property
 * writes the same objects without them. */
GST_START_TEST (test_file_features)
{
  gchar *with_path = g_build_filename (tmpdir, "features.jsonl", NULL);
  gchar *without_path = g_build_filename (tmpdir, "no-features.jsonl", NULL);
  SwinModel *m = swin_model_load (model_path, NULL);
  GstBuffer *in[3], *out[3];
  SwinRect rects[2] = { { 3, 4, 30, 25 }, { 40, 10, 30, 40 } };
  gchar **with, **without;

  fail_unless (m != NULL);
  for (guint regions = 0; regions < 2; regions++) {
    gchar *launch = g_strdup_printf (
        "swinclassify name=cls model=\"%s\" device=\"%s\" features=true %s ! "
        "swinpublish name=pub file-path=\"%s\" include-features=true ! "
        "swinpublish name=plain file-path=\"%s\"", model_path, g_getenv ("SWIN_TEST_DEVICE"),
        regions ? "inference-region=roi-list" : "inference-interval=2", with_path, without_path);
    GstHarness *h = gst_harness_new_parse (launch);

    gst_harness_set_src_caps_str (h, FRAME_CAPS);
    for (guint i = 0; i < G_N_ELEMENTS (in); i++) {
      in[i] = swin_test_make_frame (FRAME_CAPS, i, 60 + 10 * regions + i);
      for (guint r = 0; regions && r < G_N_ELEMENTS (rects); r++)
        gst_buffer_add_video_region_of_interest_meta (in[i], "face", rects[r].x, rects[r].y,
                                                      rects[r].width, rects[r].height)->id = (gint) r;
      out[i] = gst_harness_push_and_pull (h, gst_buffer_ref (in[i]));
      fail_unless (out[i] != NULL);
    }
    fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
    gst_harness_teardown (h);

    with = read_lines (with_path);
    without = read_lines (without_path);
    fail_unless_equals_int (g_strv_length (with), G_N_ELEMENTS (out));
    fail_unless_equals_int (g_strv_length (without), G_N_ELEMENTS (out));
    for (guint i = 0; i < G_N_ELEMENTS (out); i++) {
      JsonObject *o = swin_test_json_parse (with[i]), *plain = swin_test_json_parse (without[i]);

      swin_test_json_check_object (o, out[i], GST_BUFFER_PTS (out[i]), "cls", 70, 50);
      fail_if (json_object_has_member (plain, "features"));
      if (!regions) {
        check_json_features (o, gst_buffer_get_swin_frame_features (out[i]), m, in[i - i % 2], NULL);
      } else {
        JsonArray *objects = json_object_get_array_member (o, "objects");
        JsonArray *plain_objects = json_object_get_array_member (plain, "objects");
        GstVideoRegionOfInterestMeta *roi;
        gpointer state = NULL;
        guint k = 0;

        fail_if (json_object_has_member (o, "features"));
        while ((roi = (GstVideoRegionOfInterestMeta *) gst_buffer_iterate_meta_filtered (
                    out[i], &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
          JsonObject *jo = json_array_get_object_element (objects, k);
          JsonObject *pc = json_object_get_object_member (
              json_array_get_object_element (plain_objects, k), GST_SWIN_REGION_PARAM);

          fail_unless_equals_int (roi->id, k);
          check_json_features (json_object_get_object_member (jo, GST_SWIN_REGION_PARAM),
                               gst_buffer_get_swin_region_features (out[i], roi, NULL), m, in[i],
                               &rects[k]);
          fail_if (json_object_has_member (jo, "features"));
          fail_if (json_object_has_member (pc, "features"));
          k++;
        }
        fail_unless_equals_int (k, G_N_ELEMENTS (rects));
      }
      json_object_unref (o);
      json_object_unref (plain);
    }
    for (guint i = 0; i < G_N_ELEMENTS (out); i++) {
      gst_buffer_unref (in[i]);
      gst_buffer_unref (out[i]);
    }
    g_strfreev (with);
    g_strfreev (without);
    g_free (launch);
  }
  swin_model_free (m);
  g_unlink (with_path);
  g_unlink (without_path);
  g_free (with_path);
  g_free (without_path);
}
GST_END_TEST;

/* The JSON member @name of region object @jo equals @result: label,
 * label_id, confidence, model and classes. */
static void
check_region_result (JsonObject *jo, const gchar *name, const GstStructure *result)
{
  JsonObject *jc = json_object_get_object_member (jo, name);
  const gchar *label;
  gint label_id;
  gdouble confidence;

  fail_unless (jc != NULL, "no \"%s\"", name);
  fail_unless (gst_swin_region_result_get_best (result, &label, &label_id, &confidence));
  swin_test_json_check_string (jc, "label", label);
  swin_test_json_check_int (jc, "label_id", label_id);
  swin_test_json_check_double (jc, "confidence", confidence);
  swin_test_json_check_string (jc, "model", gst_structure_get_string (result, "model_name"));
  swin_test_json_check_classes (jc, result);
}

/* "swinclassify ! swinclassify result-name=colour ! swinpublish": each
 * region's object has both results, each under its result-name. */
GST_START_TEST (test_file_cascade)
{
  gchar *out_path = g_build_filename (tmpdir, "cascade.jsonl", NULL);
  gchar *cascade = swin_test_cascade_launch (model_path, "top-k=3", colour_path,
                                                 "top-k=2 result-name=colour");
  gchar *launch = g_strdup_printf ("%s ! swinpublish method=file file-path=\"%s\"", cascade,
                                   out_path);
  GstHarness *h = gst_harness_new_parse (launch);
  GstBuffer *in = swin_test_make_frame (FRAME_CAPS, 0, 77), *out;
  gchar **lines;
  JsonObject *o;
  JsonArray *objects;

  gst_buffer_add_video_region_of_interest_meta (in, "car", 2, 3, 30, 25)->id = 4;
  gst_buffer_add_video_region_of_interest_meta (in, "car", 35, 10, 33, 38)->id = 4;
  gst_harness_set_src_caps_str (h, FRAME_CAPS);
  out = gst_harness_push_and_pull (h, in);
  fail_unless (out != NULL);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);

  lines = read_lines (out_path);
  fail_unless_equals_int (g_strv_length (lines), 1);
  o = swin_test_json_parse (lines[0]);
  swin_test_json_check_string (o, "model", "tiny");
  objects = json_object_get_array_member (o, "objects");
  fail_unless (objects != NULL && json_array_get_length (objects) == 2);
  {
    gpointer state = NULL;
    GstMeta *meta;
    guint i = 0;

    while ((meta = gst_buffer_iterate_meta_filtered (out, &state,
                                                     GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
      GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) meta;
      JsonObject *jo = json_array_get_object_element (objects, i++);
      const GstStructure *type = gst_video_region_of_interest_meta_get_swin_result (roi);
      const GstStructure *colour =
          gst_video_region_of_interest_meta_get_swin_result_by_name (roi, "colour");

      fail_unless (type != NULL && colour != NULL);
      fail_unless_equals_string (gst_structure_get_string (type, "model_name"), "tiny");
      fail_unless_equals_string (gst_structure_get_string (colour, "model_name"), "colour");
      swin_test_json_check_int (jo, "x", roi->x);
      swin_test_json_check_int (jo, "w", roi->w);
      check_region_result (jo, "classification", type);
      check_region_result (jo, "colour", colour);
      {
        guint64 track_id;

        /* the object's track id: its first result's */
        fail_unless (gst_swin_region_result_get_track_id (type, &track_id));
        swin_test_json_check_int (jo, "track_id", (gint64) track_id);
      }
      /* the region's own keys, its track id and one per result, nothing else */
      fail_unless_equals_int (json_object_get_size (jo), 9);
    }
  }
  json_object_unref (o);
  gst_buffer_unref (out);
  g_strfreev (lines);
  g_unlink (out_path);
  g_free (out_path);
  g_free (cascade);
  g_free (launch);
}
GST_END_TEST;

/* file-path=- writes to standard output. */
GST_START_TEST (test_file_stdout)
{
  gchar *out_path = g_build_filename (tmpdir, "stdout.jsonl", NULL);
  int fd = open (out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int saved = dup (STDOUT_FILENO);
  GstBus *bus;
  GstHarness *h;
  GstBuffer *bufs[3];

  fail_unless (fd >= 0 && saved >= 0);
  fflush (stdout);
  fail_unless (dup2 (fd, STDOUT_FILENO) == STDOUT_FILENO);
  h = swin_test_publish_harness (&bus, FALSE, "file-path", "-", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (bufs); i++) {
    bufs[i] = swin_test_result_buffer (i, i * GST_SECOND / 30, 20 + i);
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (bufs[i])), GST_FLOW_OK);
  }
  gst_harness_teardown (h);
  fflush (stdout);
  dup2 (saved, STDOUT_FILENO);
  close (saved);
  close (fd);

  check_lines (read_lines (out_path), bufs, G_N_ELEMENTS (bufs));
  for (guint i = 0; i < G_N_ELEMENTS (bufs); i++)
    gst_buffer_unref (bufs[i]);
  swin_test_bus_free (bus);
  g_unlink (out_path);
  g_free (out_path);
}
GST_END_TEST;

/* A write that fails mid-stream is an error message and a flow error. */
GST_START_TEST (test_file_dev_full)
{
  GstBus *bus;
  GstHarness *h;
  GstBuffer *empty = gst_buffer_new_allocate (NULL, SWIN_TEST_RESULT_WIDTH * SWIN_TEST_RESULT_HEIGHT * 3, NULL);
  gchar *text;

  fail_unless (g_file_test ("/dev/full", G_FILE_TEST_EXISTS), "/dev/full missing");
  h = swin_test_publish_harness (&bus, FALSE, "file-path", "/dev/full", NULL);
  /* Nothing to write: fine. */
  fail_unless_equals_int (gst_harness_push (h, empty), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, swin_test_result_buffer (0, 0, 1)), GST_FLOW_ERROR);
  text = swin_test_bus_wait_message (bus, GST_MESSAGE_ERROR, "/dev/full", 0);
  fail_unless (text != NULL, "no error message naming /dev/full");
  fail_unless (strstr (text, g_strerror (ENOSPC)) != NULL, "%s", text);
  g_free (text);
  gst_harness_teardown (h);
  swin_test_bus_free (bus);
}
GST_END_TEST;

/* A path that cannot be opened for writing makes the start fail with an
 * error naming it. */
GST_START_TEST (test_file_unwritable)
{
  gchar *plain = g_build_filename (tmpdir, "plain-file", NULL);
  gchar *ro_dir = g_build_filename (tmpdir, "read-only", NULL);
  gchar *paths[] = {
    g_build_filename (tmpdir, "no-such-dir", "out.jsonl", NULL),  /* ENOENT */
    g_build_filename (plain, "out.jsonl", NULL),                  /* ENOTDIR */
    g_strdup (tmpdir),                                            /* EISDIR */
    g_build_filename (ro_dir, "out.jsonl", NULL),                 /* EACCES (not as root) */
    g_strdup (""),
  };

  fail_unless (g_file_set_contents (plain, "x", 1, NULL));
  fail_unless (g_mkdir (ro_dir, 0555) == 0);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++) {
    GstElement *e = gst_element_factory_make ("swinpublish", NULL);
    GstBus *bus = gst_bus_new ();
    gchar *text;

    /* root writes into a read-only directory anyway. */
    if (i == 3 && geteuid () == 0) {
      gst_object_unref (e);
      swin_test_bus_free (bus);
      continue;
    }
    gst_element_set_bus (e, bus);
    g_object_set (e, "file-path", paths[i], NULL);
    fail_unless_equals_int (gst_element_set_state (e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
    text = swin_test_bus_wait_message (bus, GST_MESSAGE_ERROR, *paths[i] ? paths[i] : "No file path",
                                  0);
    fail_unless (text != NULL, "no error naming \"%s\"", paths[i]);
    g_free (text);
    gst_element_set_state (e, GST_STATE_NULL);
    gst_object_unref (e);
    swin_test_bus_free (bus);
  }
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    g_free (paths[i]);
  g_unlink (plain);
  g_rmdir (ro_dir);
  g_free (plain);
  g_free (ro_dir);
}
GST_END_TEST;

/* Every control character (U+0001..U+001F, U+007F..U+009F) in a label and
 * in "source": each line parses (json-glib's parser, the reference) to the
 * very strings that went in, and none is written raw.  U+0000 cannot reach
 * the serialiser: labels and the source are C strings (GstStructure
 * strings, a string property). */
GST_START_TEST (test_file_control_characters)
{
  gchar *out_path = g_build_filename (tmpdir, "controls.jsonl", NULL);
  GstBus *bus;
  GstHarness *h = swin_test_publish_harness (&bus, FALSE, "file-path", out_path, NULL);
  GPtrArray *bufs = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  GPtrArray *sources = g_ptr_array_new_with_free_func (g_free);
  gchar **lines;

  for (gunichar c = 1; c <= 0x9f; c++) {
    gchar ch[8] = { 0 };
    gchar *text;
    GstBuffer *buf;

    if (c == 0x20)
      c = 0x7f;
    ch[g_unichar_to_utf8 (c, ch)] = '\0';
    text = g_strconcat ("a", ch, "b", NULL);
    g_object_set (h->element, "source", text, NULL);
    buf = swin_test_result_buffer (c, c * GST_MSECOND, c);
    swin_test_add_region (buf, "person", 1, 2, 3, 4, TRUE, 100 + c, text);
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (buf)), GST_FLOW_OK);
    g_ptr_array_add (bufs, buf);
    g_ptr_array_add (sources, text);
  }
  gst_harness_teardown (h);
  fail_if (swin_test_bus_count_messages (bus, GST_MESSAGE_ERROR | GST_MESSAGE_WARNING, NULL));

  lines = read_lines (out_path);
  fail_unless_equals_int (g_strv_length (lines), bufs->len);
  for (guint i = 0; i < bufs->len; i++) {
    JsonObject *o;

    for (const guchar *p = (const guchar *) lines[i]; *p; p++)
      fail_if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f),
               "line %u: a control character written raw at byte %d: %s", i,
               (int) (p - (const guchar *) lines[i]), lines[i]);
    o = swin_test_json_parse (lines[i]);
    swin_test_json_check_object (o, g_ptr_array_index (bufs, i),
                           GST_BUFFER_PTS (g_ptr_array_index (bufs, i)),
                           g_ptr_array_index (sources, i), SWIN_TEST_RESULT_WIDTH, SWIN_TEST_RESULT_HEIGHT);
    json_object_unref (o);
  }
  g_strfreev (lines);
  g_ptr_array_unref (bufs);
  g_ptr_array_unref (sources);
  swin_test_bus_free (bus);
  g_unlink (out_path);
  g_free (out_path);
}
GST_END_TEST;

/* A write cut short (a file-size limit, RLIMIT_FSIZE: a short write, then
 * EFBIG) is an error, and the file keeps only the whole lines before it. */
GST_START_TEST (test_file_short_write)
{
  const rlim_t limit = 2000;
  gchar *out_path = g_build_filename (tmpdir, "short.jsonl", NULL);
  struct sigaction ignore = { .sa_handler = SIG_IGN }, saved_action;
  struct rlimit saved, small;
  GstBus *bus;
  GstHarness *h = swin_test_publish_harness (&bus, FALSE, "file-path", out_path, NULL);
  GstBuffer *bufs[100];
  GstFlowReturn ret = GST_FLOW_OK;
  GStatBuf st;
  guint n;
  gchar *text;

  /* Past the limit the kernel sends SIGXFSZ, which would end the test. */
  fail_unless (getrlimit (RLIMIT_FSIZE, &saved) == 0);
  small = saved;
  small.rlim_cur = limit;
  fail_unless (sigaction (SIGXFSZ, &ignore, &saved_action) == 0);
  fail_unless (setrlimit (RLIMIT_FSIZE, &small) == 0);
  for (n = 0; n < G_N_ELEMENTS (bufs); n++) {
    bufs[n] = swin_test_result_buffer (n, n * GST_SECOND / 30, 50 + n);
    ret = gst_harness_push (h, gst_buffer_ref (bufs[n]));
    if (ret != GST_FLOW_OK)
      break;
  }
  fail_unless (setrlimit (RLIMIT_FSIZE, &saved) == 0);
  fail_unless (sigaction (SIGXFSZ, &saved_action, NULL) == 0);
  fail_unless_equals_int (ret, GST_FLOW_ERROR);
  text = swin_test_bus_wait_message (bus, GST_MESSAGE_ERROR, out_path, 0);
  fail_unless (text != NULL, "no error naming the file: %s", swin_test_bus_log (bus));
  fail_unless (strstr (text, g_strerror (EFBIG)) != NULL, "%s", text);
  g_free (text);
  gst_harness_teardown (h);

  fail_unless (g_stat (out_path, &st) == 0);
  fail_unless (st.st_size < (goffset) limit, "%" G_GOFFSET_FORMAT " bytes", (goffset) st.st_size);
  check_lines (read_lines (out_path), bufs, n);
  for (guint i = 0; i <= n; i++)
    gst_buffer_unref (bufs[i]);
  swin_test_bus_free (bus);
  g_unlink (out_path);
  g_free (out_path);
}
GST_END_TEST;

static gpointer
set_paused (gpointer element)
{
  GstStateChangeReturn ret = gst_element_set_state (element, GST_STATE_PAUSED);

  g_object_set_data (element, "swin-test-done", GINT_TO_POINTER (1));
  return GINT_TO_POINTER (ret);
}

/* A FIFO that nobody reads: the start fails at once, saying so, instead of
 * waiting for a reader (for ever without one). */
GST_START_TEST (test_file_fifo_no_reader)
{
  gchar *fifo = g_build_filename (tmpdir, "no-reader.fifo", NULL);
  GstElement *e = gst_element_factory_make ("swinpublish", NULL);
  GstBus *bus = gst_bus_new ();
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  GThread *thread;
  GstStateChangeReturn ret;
  gchar *text;

  fail_unless (mkfifo (fifo, 0600) == 0, "mkfifo: %s", g_strerror (errno));
  gst_element_set_bus (e, bus);
  g_object_set (e, "file-path", fifo, NULL);
  thread = g_thread_new ("start", set_paused, e);
  while (!g_object_get_data (G_OBJECT (e), "swin-test-done") &&
         g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  if (!g_object_get_data (G_OBJECT (e), "swin-test-done")) {
    /* Release the waiting open() so that the test can end. */
    int fd = open (fifo, O_RDONLY | O_NONBLOCK);

    g_thread_join (thread);
    close (fd);
    fail ("the state change waited more than 5 s for a reader of the FIFO");
  }
  ret = GPOINTER_TO_INT (g_thread_join (thread));
  fail_unless_equals_int (ret, GST_STATE_CHANGE_FAILURE);
  text = swin_test_bus_wait_message (bus, GST_MESSAGE_ERROR, fifo, 0);
  fail_unless (text != NULL, "no error naming the FIFO: %s", swin_test_bus_log (bus));
  fail_unless (strstr (text, "FIFO with no reader") != NULL, "%s", text);
  g_free (text);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_object_unref (e);
  swin_test_bus_free (bus);
  g_unlink (fifo);
  g_free (fifo);
}
GST_END_TEST;

typedef struct {
  int fd;
  GString *data;
} FifoReader;

/* Reads until the writer closes, starting late so that the pipe fills up
 * (a write that could not wait would then fail). */
static gpointer
read_fifo (gpointer data)
{
  FifoReader *r = data;
  gchar chunk[4096];
  gssize n;

  g_usleep (200 * 1000);
  while ((n = read (r->fd, chunk, sizeof (chunk))) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    fail_unless (n > 0, "read: %s", g_strerror (errno));
    g_string_append_len (r->data, chunk, n);
  }
  return NULL;
}

/* A FIFO with a reader: every line arrives, also those written while the
 * pipe was full. */
GST_START_TEST (test_file_fifo_reader)
{
  gchar *fifo = g_build_filename (tmpdir, "reader.fifo", NULL);
  FifoReader r = { .data = g_string_new (NULL) };
  GstBuffer *bufs[400];
  GstBus *bus;
  GstHarness *h;
  GThread *thread;
  gsize len;

  fail_unless (mkfifo (fifo, 0600) == 0, "mkfifo: %s", g_strerror (errno));
  /* Non-blocking: there is no writer yet; then blocking reads. */
  r.fd = open (fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  fail_unless (r.fd >= 0);
  fail_unless (fcntl (r.fd, F_SETFL, fcntl (r.fd, F_GETFL) & ~O_NONBLOCK) == 0);
  h = swin_test_publish_harness (&bus, FALSE, "file-path", fifo, NULL);
  thread = g_thread_new ("reader", read_fifo, &r);
  for (guint i = 0; i < G_N_ELEMENTS (bufs); i++) {
    bufs[i] = swin_test_result_buffer (i, i * GST_SECOND / 30, 70 + i);
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (bufs[i])), GST_FLOW_OK);
  }
  gst_harness_teardown (h);
  g_thread_join (thread);
  close (r.fd);
  fail_if (swin_test_bus_count_messages (bus, GST_MESSAGE_ERROR | GST_MESSAGE_WARNING, NULL),
           "%s", swin_test_bus_log (bus));

  /* More than a pipe holds (64 KiB on Linux): the writer had to wait. */
  fail_unless (r.data->len > 64 * 1024, "%" G_GSIZE_FORMAT " bytes", r.data->len);
  len = r.data->len;
  check_lines (split_lines (g_string_free (r.data, FALSE), len), bufs, G_N_ELEMENTS (bufs));
  for (guint i = 0; i < G_N_ELEMENTS (bufs); i++)
    gst_buffer_unref (bufs[i]);
  swin_test_bus_free (bus);
  g_unlink (fifo);
  g_free (fifo);
}
GST_END_TEST;

/* Durations are nanoseconds, as GStreamer's own: guint64 properties that
 * say so, with the documented defaults. */
GST_START_TEST (test_duration_properties)
{
  static const struct {
    const gchar *name;
    guint64 default_ns, min_ns;
  } durations[] = {
    { "max-reconnect-interval", 30 * GST_SECOND, GST_SECOND },
    { "flush-timeout", 5 * GST_SECOND, 0 },
  };
  GstElement *e = gst_element_factory_make ("swinpublish", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (durations); i++) {
    GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (e), durations[i].name);
    guint64 value = 0;

    fail_unless (pspec != NULL, "no %s", durations[i].name);
    fail_unless (pspec->value_type == G_TYPE_UINT64, "%s: a %s", durations[i].name,
                 g_type_name (pspec->value_type));
    fail_unless (strstr (g_param_spec_get_blurb (pspec), "nanoseconds") != NULL, "%s: %s",
                 durations[i].name, g_param_spec_get_blurb (pspec));
    fail_unless_equals_uint64 (G_PARAM_SPEC_UINT64 (pspec)->default_value,
                               durations[i].default_ns);
    fail_unless_equals_uint64 (G_PARAM_SPEC_UINT64 (pspec)->minimum, durations[i].min_ns);
    g_object_get (e, durations[i].name, &value, NULL);
    fail_unless_equals_uint64 (value, durations[i].default_ns);
    g_object_set (e, durations[i].name, (guint64) 1500 * GST_MSECOND, NULL);
    g_object_get (e, durations[i].name, &value, NULL);
    fail_unless_equals_uint64 (value, 1500 * GST_MSECOND);
  }
  gst_object_unref (e);
}
GST_END_TEST;

/* Runs pipelines/swin-print on @launch, with the system's plugins and a
 * registry of its own; its standard output. */
static gchar *
run_swin_print (const gchar *launch)
{
  gchar *registry = g_build_filename (tmpdir, "registry.bin", NULL);
  gchar *argv[] = { (gchar *) g_getenv ("SWIN_PRINT"), (gchar *) launch, NULL };
  gchar **env = g_get_environ ();
  gchar *out = NULL, *err = NULL, *asan_options;
  gint status;
  GError *error = NULL;

  fail_unless (argv[0] != NULL, "SWIN_PRINT not set");
  /* videotestsrc and fakesink come from the system's plugins.  Loading them
   * takes the process past GLib's first block of 2048 quarks, which GLib
   * abandons on purpose and LeakSanitizer would report (see
   * tests/ci-sanitizers.sh): no leak check in that child. */
  env = g_environ_unsetenv (env, "GST_PLUGIN_SYSTEM_PATH_1_0");
  env = g_environ_setenv (env, "GST_REGISTRY_1_0", registry, TRUE);
  asan_options = g_strconcat (g_environ_getenv (env, "ASAN_OPTIONS") ?
                              g_environ_getenv (env, "ASAN_OPTIONS") : "",
                              ":detect_leaks=0", NULL);
  env = g_environ_setenv (env, "ASAN_OPTIONS", asan_options, TRUE);
  fail_unless (g_spawn_sync (NULL, argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                             &error), "%s", error ? error->message : "");
  fail_unless (g_spawn_check_wait_status (status, NULL), "swin-print failed: %s", err);
  g_strfreev (env);
  g_free (asan_options);
  g_free (err);
  g_unlink (registry);
  g_free (registry);
  return out;
}

/* pipelines/swin-print prints, for the same pipeline, exactly the lines
 * swinpublish writes: one serialiser. */
GST_START_TEST (test_swin_print_same_json)
{
  gchar *out_path = g_build_filename (tmpdir, "print.jsonl", NULL);
  const gchar *device = g_getenv ("SWIN_TEST_DEVICE");
  gchar *launch = g_strdup_printf (
      "videotestsrc num-buffers=3 pattern=ball ! video/x-raw,width=64,height=48 ! "
      "swinclassify name=cls model=\"%s\" %s%s ! swinpublish file-path=\"%s\" ! fakesink",
      model_path, device ? "device=" : "", device ? device : "", out_path);
  gchar *out = run_swin_print (launch);
  gchar **lines;

  lines = read_lines (out_path);
  fail_unless_equals_int (g_strv_length (lines), 3);
  for (guint i = 0; i < 3; i++) {
    JsonObject *o = swin_test_json_parse (lines[i]);

    swin_test_json_check_string (o, "source", "cls");
    swin_test_json_check_int (o, "frame", i);
    json_object_unref (o);
  }
  {
    gchar *joined = g_strjoinv ("\n", lines);
    gchar *expect = g_strconcat (joined, "\n", NULL);

    fail_unless_equals_string (out, expect);
    g_free (joined);
    g_free (expect);
  }
  g_strfreev (lines);
  g_free (out);
  g_free (launch);
  g_unlink (out_path);
  g_free (out_path);
}
GST_END_TEST;

/* swin-print after a cascade (regions from a real detector, OpenCV's
 * facedetect on scikit-image's astronaut, as tests/test_detector.c): it
 * reads the frames after the last classifier, whichever swinclassify it
 * finds first in the bin, so the face has both results, as swinpublish
 * writes them. */
GST_START_TEST (test_swin_print_cascade)
{
  gchar *out_path = g_build_filename (tmpdir, "print-cascade.jsonl", NULL);
  const gchar *device = g_getenv ("SWIN_TEST_DEVICE");
  /* The last classifier described first: a bin lists its elements last
   * added first, so the element swin-print finds first is the upstream one. */
  gchar *launch = g_strdup_printf (
      "swinclassify name=last model=\"%s\" device=\"%s\" inference-region=roi-list "
      "result-name=colour ! swinpublish file-path=\"%s\" ! fakesink "
      "filesrc location=/usr/lib/python3/dist-packages/skimage/data/astronaut.png ! pngdec ! "
      "imagefreeze num-buffers=2 ! videoconvert ! video/x-raw,format=RGB ! "
      "facedetect display=false profile=%s/haarcascade_frontalface_default.xml "
      "nose-profile=%s/haarcascade_eye.xml mouth-profile=%s/haarcascade_smile.xml "
      "eyes-profile=%s/haarcascade_eye.xml ! swinclassify name=first model=\"%s\" device=\"%s\" "
      "inference-region=roi-list object-class=face ! last.", colour_path, device, out_path,
      CASCADES, CASCADES, CASCADES, CASCADES, model_path, device);
  gchar *out = run_swin_print (launch);
  gchar **lines = g_strsplit (out, "\n", -1);
  gchar *published = NULL;
  JsonObject *o = swin_test_json_parse (lines[0]);
  JsonArray *objects = json_object_get_array_member (o, "objects");
  guint faces = 0;

  swin_test_json_check_string (o, "source", "last");
  fail_unless (objects != NULL, "no objects: %s", lines[0]);
  for (guint i = 0; i < json_array_get_length (objects); i++) {
    JsonObject *jo = json_array_get_object_element (objects, i);

    /* every region has the second result; the faces also the first */
    fail_unless (json_object_has_member (jo, "colour"), "%s", lines[0]);
    if (g_str_equal (json_object_get_string_member (jo, "roi_type"), "face")) {
      fail_unless (json_object_has_member (jo, "classification"), "%s", lines[0]);
      faces++;
    }
  }
  fail_unless_equals_int (faces, 1);
  fail_unless (g_file_get_contents (out_path, &published, NULL, NULL));
  fail_unless_equals_string (out, published);
  json_object_unref (o);
  g_strfreev (lines);
  g_free (published);
  g_free (out);
  g_free (launch);
  g_unlink (out_path);
  g_free (out_path);
}
GST_END_TEST;

static Suite *
publish_suite (void)
{
  Suite *s = suite_create ("swinpublish-file");
  TCase *tc = tcase_create ("file");

  make_tiny_model ();
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_file_classify_roundtrip);
  tcase_add_test (tc, test_file_regions);
  tcase_add_test (tc, test_file_cascade);
  tcase_add_test (tc, test_file_features);
  tcase_add_test (tc, test_file_stdout);
  tcase_add_test (tc, test_file_dev_full);
  tcase_add_test (tc, test_file_unwritable);
  tcase_add_test (tc, test_file_control_characters);
  tcase_add_test (tc, test_file_short_write);
  tcase_add_test (tc, test_file_fifo_no_reader);
  tcase_add_test (tc, test_file_fifo_reader);
  tcase_add_test (tc, test_duration_properties);
  tcase_add_test (tc, test_swin_print_same_json);
  tcase_add_test (tc, test_swin_print_cascade);
  return s;
}

int
main (int argc, char **argv)
{
  int failed = swin_test_run_suite (&argc, &argv, publish_suite, "swinpublish-file", __FILE__);

  swin_test_remove_dir (tmpdir, model_path, colour_path, NULL);
  return failed;
}
