/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinpublish with method=file, and the JSON it writes: a whole stream
 * through a real swinclassify and back, regions with classifications,
 * awkward strings and numbers, standard output, /dev/full, paths that
 * cannot be written, and pipelines/swin-print writing the very same lines. */
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

#define IMG 56
#define CLASSES 10
#define FRAME_CAPS "video/x-raw,format=RGB,width=70,height=50,framerate=30/1"

static gchar *tmpdir;
static gchar *model_path;

static void
make_tiny_model (void)
{
  SwinInitParams ip = { .embed_dim = 16, .num_stages = 2, .depths = { 2, 2 }, .heads = { 1, 2 },
                        .window = 7, .num_classes = CLASSES, .img_size = IMG, .seed = 5 };
  GError *error = NULL;

  tmpdir = g_dir_make_tmp ("swin-publish-XXXXXX", &error);
  g_assert_no_error (error);
  model_path = swin_test_write_model (tmpdir, "tiny.safetensors", &ip);
}

/* The lines of @path (without their newlines); the file must end with one. */
static gchar **
read_lines (const gchar *path)
{
  gchar *text = NULL;
  gsize len = 0;
  gchar **lines;
  GError *error = NULL;

  fail_unless (g_file_get_contents (path, &text, &len, &error), "%s", error ? error->message : "");
  fail_unless (len == 0 || text[len - 1] == '\n', "last line not terminated");
  if (len > 0)
    text[len - 1] = '\0';
  lines = len > 0 ? g_strsplit (text, "\n", -1) : g_new0 (gchar *, 1);
  g_free (text);
  return lines;
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

/* file-path=- writes to standard output. */
GST_START_TEST (test_file_stdout)
{
  gchar *out_path = g_build_filename (tmpdir, "stdout.jsonl", NULL);
  int fd = open (out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int saved = dup (STDOUT_FILENO);
  GstBus *bus;
  GstHarness *h;
  GstBuffer *bufs[3];
  gchar **lines;

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

  lines = read_lines (out_path);
  fail_unless_equals_int (g_strv_length (lines), G_N_ELEMENTS (bufs));
  for (guint i = 0; i < G_N_ELEMENTS (bufs); i++) {
    JsonObject *o = swin_test_json_parse (lines[i]);

    /* No upstream element in a harness: the source is swinpublish's name. */
    swin_test_json_check_object (o, bufs[i], GST_BUFFER_PTS (bufs[i]), "pub", SWIN_TEST_RESULT_WIDTH,
                           SWIN_TEST_RESULT_HEIGHT);
    json_object_unref (o);
    gst_buffer_unref (bufs[i]);
  }
  g_strfreev (lines);
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

/* pipelines/swin-print prints, for the same pipeline, exactly the lines
 * swinpublish writes: one serialiser. */
GST_START_TEST (test_swin_print_same_json)
{
  gchar *out_path = g_build_filename (tmpdir, "print.jsonl", NULL);
  gchar *registry = g_build_filename (tmpdir, "registry.bin", NULL);
  const gchar *device = g_getenv ("SWIN_TEST_DEVICE");
  gchar *launch = g_strdup_printf (
      "videotestsrc num-buffers=3 pattern=ball ! video/x-raw,width=64,height=48 ! "
      "swinclassify name=cls model=\"%s\" %s%s ! swinpublish file-path=\"%s\" ! fakesink",
      model_path, device ? "device=" : "", device ? device : "", out_path);
  gchar *argv[] = { (gchar *) g_getenv ("SWIN_PRINT"), launch, NULL };
  gchar **env = g_get_environ ();
  gchar *out = NULL, *err = NULL, *asan_options;
  gint status;
  GError *error = NULL;
  gchar **lines;

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
  g_strfreev (env);
  g_free (asan_options);
  g_free (out);
  g_free (err);
  g_free (launch);
  g_unlink (registry);
  g_unlink (out_path);
  g_free (registry);
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
  tcase_add_test (tc, test_file_stdout);
  tcase_add_test (tc, test_file_dev_full);
  tcase_add_test (tc, test_file_unwritable);
  tcase_add_test (tc, test_swin_print_same_json);
  return s;
}

int
main (int argc, char **argv)
{
  int failed = swin_test_run_suite (&argc, &argv, publish_suite, "swinpublish-file", __FILE__);

  swin_test_remove_dir (tmpdir, model_path, NULL);
  return failed;
}
