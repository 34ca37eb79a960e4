/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swin-print: runs a pipeline containing a swinclassify element and prints
 * one JSON line per frame with the classification attached to it, in the
 * same form as the swinpublish element (plugin/gstswinjson.h), e.g.
 *
 *   {"timestamp":100000000,"pts":100000000,"source":"swinclassify0",
 *    "resolution":{"width":320,"height":240},"model":"swin_t","frame":3,"age":0,
 *    "classes":[{"id":207,"label":"golden retriever","score":0.8312...}, ...]}
 *
 * Frames without a result yet have no "model", "frame", "age" and "classes".
 * With a cascade of swinclassify elements ("... ! swinclassify ! swinclassify
 * result-name=colour ! ..."), the frames are read after the last of the
 * chain, so that each region shows every classifier's result.
 * With --overlay=NAME the top-1 label and score are also written into the
 * "text" property of the element NAME (e.g. a textoverlay downstream of
 * swinclassify).
 *
 * Usage: swin-print [--overlay=NAME] 'PIPELINE DESCRIPTION'
 * e.g.   swin-print 'videotestsrc num-buffers=10 ! swinclassify model=m.safetensors ! fakesink'
 */
#include <glib-unix.h>
#include <gst/gst.h>
#include <stdio.h>

#include "gstswinjson.h"
#include "gstswinmeta.h"

typedef struct {
  GMainLoop *loop;
  GstElement *pipeline;
  GstElement *overlay;   /* NULL without --overlay */
  int status;
} App;

/* Writes the top-1 class of @r into the overlay's text. */
static void
update_overlay (App *app, const GstStructure *r)
{
  const gchar *label;
  gdouble score;
  gchar *text;

  if (!gst_swin_result_get_class (r, 0, NULL, &label, &score))
    return;
  text = g_strdup_printf ("%s (%.0f%%)", label, 100.0 * score);
  g_object_set (app->overlay, "text", text, NULL);
  g_free (text);
}

static GstPadProbeReturn
on_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  App *app = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  const GstStructure *r = gst_buffer_get_swin_result (buf);
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstEvent *segment_event = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  const GstSegment *segment = NULL;
  GstSwinJsonContext ctx = { 0 };
  gchar *source = gst_element_get_name (GST_PAD_PARENT (pad));
  gchar *line;

  if (caps) {
    const GstStructure *s = gst_caps_get_structure (caps, 0);

    gst_structure_get_int (s, "width", &ctx.width);
    gst_structure_get_int (s, "height", &ctx.height);
  }
  if (segment_event)
    gst_event_parse_segment (segment_event, &segment);
  ctx.segment = segment;
  ctx.source = source;
  line = gst_swin_json_serialize (buf, &ctx, NULL);
  puts (line);
  fflush (stdout);
  if (r && app->overlay)
    update_overlay (app, r);
  g_free (line);
  g_free (source);
  if (segment_event)
    gst_event_unref (segment_event);
  if (caps)
    gst_caps_unref (caps);
  return GST_PAD_PROBE_OK;
}

static gboolean
on_message (GstBus *bus, GstMessage *msg, gpointer data)
{
  App *app = data;
  GError *error = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_EOS:
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &error, &debug);
      g_printerr ("swin-print: %s: %s\n%s\n", GST_OBJECT_NAME (msg->src), error->message,
                  debug ? debug : "");
      g_clear_error (&error);
      g_free (debug);
      app->status = 1;
      g_main_loop_quit (app->loop);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigint (gpointer data)
{
  App *app = data;

  /* Let the sinks finish (e.g. a file being written) before quitting. */
  gst_element_send_event (app->pipeline, gst_event_new_eos ());
  return G_SOURCE_CONTINUE;
}

static gboolean
is_classifier (GstElement *e)
{
  GstElementFactory *f = gst_element_get_factory (e);

  return f && g_str_equal (GST_OBJECT_NAME (f), "swinclassify");
}

/* The element after @e's "src" pad, or NULL; a new reference. */
static GstElement *
next_element (GstElement *e)
{
  GstPad *src = gst_element_get_static_pad (e, "src");
  GstPad *peer = src ? gst_pad_get_peer (src) : NULL;
  GstElement *next = peer ? gst_pad_get_parent_element (peer) : NULL;

  if (peer)
    gst_object_unref (peer);
  if (src)
    gst_object_unref (src);
  return next;
}

/* The last swinclassify of the chain of single "src" pads that starts at
 * @first (taken): the one whose frames carry every classifier's results. */
static GstElement *
last_classifier (GstElement *first)
{
  GstElement *last = first, *e = gst_object_ref (first);

  /* Bounded: a pipeline linked into a loop must not hang the walk. */
  for (guint hops = 0; e && hops < 1024; hops++) {
    GstElement *next = next_element (e);

    gst_object_unref (e);
    e = next;
    if (e && is_classifier (e)) {
      gst_object_unref (last);
      last = gst_object_ref (e);
    }
  }
  if (e)
    gst_object_unref (e);
  return last;
}

/* The swinclassify of @bin to read the frames after, or NULL; a new
 * reference. */
static GstElement *
find_classifier (GstBin *bin)
{
  GstIterator *it = gst_bin_iterate_recurse (bin);
  GValue v = G_VALUE_INIT;
  GstElement *found = NULL;

  while (!found && gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&v);

    if (is_classifier (e))
      found = gst_object_ref (e);
    g_value_unset (&v);
  }
  gst_iterator_free (it);
  return found ? last_classifier (found) : NULL;
}

int
main (int argc, char **argv)
{
  gchar *overlay_name = NULL;
  GOptionEntry entries[] = {
    { "overlay", 'o', 0, G_OPTION_ARG_STRING, &overlay_name,
      "Element whose \"text\" property gets the top-1 label (e.g. a textoverlay)", "NAME" },
    G_OPTION_ENTRY_NULL,
  };
  GOptionContext *opts = g_option_context_new ("'PIPELINE DESCRIPTION'");
  App app = { 0 };
  GError *error = NULL;
  GstElement *classifier;
  GstPad *pad;
  GstBus *bus;
  gchar *description;
  guint sigint;

  g_option_context_add_main_entries (opts, entries, NULL);
  g_option_context_add_group (opts, gst_init_get_option_group ());
  g_option_context_set_summary (opts,
      "Runs a pipeline with a swinclassify element and prints one JSON line per frame.");
  if (!g_option_context_parse (opts, &argc, &argv, &error) || argc < 2) {
    g_printerr ("%s\n", error ? error->message : "no pipeline description given (see --help)");
    return 2;
  }
  g_option_context_free (opts);

  description = g_strjoinv (" ", argv + 1);
  app.pipeline = gst_parse_launch (description, &error);
  g_free (description);
  if (!app.pipeline || error) {
    g_printerr ("swin-print: invalid pipeline: %s\n", error ? error->message : "unknown error");
    return 2;
  }
  if (!GST_IS_BIN (app.pipeline) || !(classifier = find_classifier (GST_BIN (app.pipeline)))) {
    g_printerr ("swin-print: the pipeline has no swinclassify element\n");
    return 2;
  }
  if (overlay_name) {
    app.overlay = gst_bin_get_by_name (GST_BIN (app.pipeline), overlay_name);
    if (!app.overlay || !g_object_class_find_property (G_OBJECT_GET_CLASS (app.overlay), "text")) {
      g_printerr ("swin-print: no element \"%s\" with a \"text\" property\n", overlay_name);
      return 2;
    }
  }

  pad = gst_element_get_static_pad (classifier, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, &app, NULL);
  gst_object_unref (pad);
  gst_object_unref (classifier);

  app.loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (app.pipeline);
  gst_bus_add_watch (bus, on_message, &app);
  sigint = g_unix_signal_add (SIGINT, on_sigint, &app);
  if (gst_element_set_state (app.pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    /* The reason is on the bus. */
    app.status = 1;
    while (gst_bus_have_pending (bus)) {
      GstMessage *msg = gst_bus_pop (bus);

      on_message (bus, msg, &app);
      gst_message_unref (msg);
    }
  } else {
    g_main_loop_run (app.loop);
  }

  g_source_remove (sigint);
  gst_element_set_state (app.pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  if (app.overlay)
    gst_object_unref (app.overlay);
  gst_object_unref (app.pipeline);
  g_main_loop_unref (app.loop);
  g_free (overlay_name);
  return app.status;
}
