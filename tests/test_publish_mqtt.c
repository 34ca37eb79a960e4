/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinpublish with method=mqtt against a real broker (Debian's mosquitto,
 * started by each test on 127.0.0.1 and a free port): a stream through a
 * real swinclassify, qos 0/1/2, the broker restarted (SIGTERM) and killed
 * (SIGKILL) mid-stream, a queue too small for an outage, no broker at start,
 * never a broker, EOS and stopping while undelivered, bad settings and
 * topics, a message libmosquitto refuses, a password, TLS.
 *
 * Delivery is at least once: a message stays queued until the broker
 * acknowledges it, and what was on the wire when the connection broke is
 * sent again; the tests count duplicates but do not fail on them. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <json-glib/json-glib.h>
#include <mosquitto.h>
#include <string.h>
#include <signal.h>
#include "gstswinmeta.h"
#include "swin/swin.h"
#include "swin_test_broker.h"
#include "swin_test_bus.h"
#include "swin_test_element.h"
#include "swin_test_json.h"
#include "swin_test_model.h"
#include "swin_test_publish.h"
#include "swin_test_results.h"
#include "swin_test_subscriber.h"
#include "swin_test_video.h"

#define IMG 56
#define CLASSES 10
#define FRAME_CAPS "video/x-raw,format=RGB,width=70,height=50,framerate=30/1"
/* A push that takes longer than this means the element waited for the
 * network (a reconnection takes at least a second). */
#define MAX_PUSH_US (250 * 1000)

static gchar *tmpdir;
static gchar *model_path;

static void
make_tiny_model (void)
{
  SwinInitParams ip = { .embed_dim = 16, .num_stages = 2, .depths = { 2, 2 }, .heads = { 1, 2 },
                        .window = 7, .num_classes = CLASSES, .img_size = IMG, .seed = 6 };
  GError *error = NULL;

  tmpdir = g_dir_make_tmp ("swin-publish-mqtt-XXXXXX", &error);
  g_assert_no_error (error);
  model_path = swin_test_write_model (tmpdir, "tiny.safetensors", &ip);
}

/* The test frame number @i: frame @i at 30 fps with a result of its own. */
static GstBuffer *
frame_buffer (guint i)
{
  return swin_test_result_buffer (i, gst_util_uint64_scale (i, GST_SECOND, 30), 1000 + i);
}

/* Per frame number, how many times it was received; fails on a message
 * that is not the JSON of the test frame it names. */
static guint *
count_frames (GPtrArray *messages, guint n_frames, const gchar *source)
{
  guint *seen = g_new0 (guint, n_frames);

  for (guint i = 0; i < messages->len; i++) {
    JsonObject *o = swin_test_json_parse (g_ptr_array_index (messages, i));
    gint64 frame = json_object_get_int_member (o, "frame");
    GstBuffer *expect;

    fail_unless (frame >= 0 && frame < n_frames, "unexpected frame %" G_GINT64_FORMAT, frame);
    expect = frame_buffer ((guint) frame);
    swin_test_json_check_object (o, expect, GST_BUFFER_PTS (expect), source, SWIN_TEST_RESULT_WIDTH,
                           SWIN_TEST_RESULT_HEIGHT);
    gst_buffer_unref (expect);
    seen[frame]++;
    json_object_unref (o);
  }
  return seen;
}

/* The swinpublish's "dropped" or "refused". */
static guint64
get_losses (GstHarness *h, const gchar *which)
{
  GstElement *e = gst_harness_find_element (h, "swinpublish");
  guint64 n;

  g_object_get (e, which, &n, NULL);
  gst_object_unref (e);
  return n;
}

/* Waits (at most @timeout_s) until @s received frame @frame. */
static gboolean
wait_for_frame (SwinTestSubscriber *s, guint frame, double timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  gchar *needle = g_strdup_printf ("\"frame\":%u,", frame);
  gboolean found = FALSE;

  while (!found && g_get_monotonic_time () < deadline) {
    GPtrArray *m = swin_test_subscriber_take (s);

    for (guint i = 0; i < m->len && !found; i++)
      found = strstr (g_ptr_array_index (m, i), needle) != NULL;
    g_ptr_array_unref (m);
    if (!found)
      g_usleep (20 * 1000);
  }
  g_free (needle);
  return found;
}

/* Waits (at most @timeout_s) until @s received frames 0..@n-1. */
static gboolean
wait_for_frames (SwinTestSubscriber *s, guint n, double timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);

  for (guint i = 0; i < n; i++) {
    double left = (double) (deadline - g_get_monotonic_time ()) / G_USEC_PER_SEC;

    if (left <= 0 || !wait_for_frame (s, i, left))
      return FALSE;
  }
  return TRUE;
}

/* Pushes frames [@from, @to) at about @interval_us apart; fails if one push
 * takes more than MAX_PUSH_US. */
static void
push_frames (GstHarness *h, guint from, guint to, gulong interval_us)
{
  for (guint i = from; i < to; i++) {
    gint64 t0 = g_get_monotonic_time ();
    gint64 took;

    fail_unless_equals_int (gst_harness_push (h, frame_buffer (i)), GST_FLOW_OK);
    took = g_get_monotonic_time () - t0;
    fail_unless (took < MAX_PUSH_US, "pushing frame %u took %" G_GINT64_FORMAT " us", i, took);
    if (interval_us)
      g_usleep (interval_us);
  }
}

/* A stream through "swinclassify ! swinpublish method=mqtt": one message
 * per classified frame, equal to the buffer's metadata. */
GST_START_TEST (test_mqtt_classify_roundtrip)
{
  SwinTestBroker *b = swin_test_broker_new (NULL);
  SwinTestSubscriber *sub;
  gchar *address = swin_test_broker_address (b), *launch;
  GstHarness *h;
  GstBuffer *out[4];
  GPtrArray *messages;

  swin_test_broker_start (b);
  sub = swin_test_subscriber_new (b, "swin/cam", 1, NULL);
  launch = g_strdup_printf (
      "swinclassify name=cam model=\"%s\" device=\"%s\" ! "
      "swinpublish method=mqtt address=%s topic=swin/cam qos=1", model_path,
      g_getenv ("SWIN_TEST_DEVICE"), address);
  h = gst_harness_new_parse (launch);
  gst_harness_set_src_caps_str (h, FRAME_CAPS);
  for (guint i = 0; i < G_N_ELEMENTS (out); i++) {
    out[i] = gst_harness_push_and_pull (h, swin_test_make_frame (FRAME_CAPS, i, 60 + i));
    fail_unless (out[i] != NULL && gst_buffer_get_swin_result (out[i]) != NULL);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  fail_unless_equals_int (swin_test_subscriber_wait (sub, G_N_ELEMENTS (out), 20),
                          G_N_ELEMENTS (out));
  /* Nothing more arrives. */
  fail_unless_equals_int (swin_test_subscriber_wait (sub, G_N_ELEMENTS (out) + 1, 0.3),
                          G_N_ELEMENTS (out));
  messages = swin_test_subscriber_take (sub);
  for (guint i = 0; i < messages->len; i++) {
    JsonObject *o = swin_test_json_parse (g_ptr_array_index (messages, i));
    gint64 frame = json_object_get_int_member (o, "frame");

    fail_unless (frame >= 0 && frame < (gint64) G_N_ELEMENTS (out));
    swin_test_json_check_object (o, out[frame], GST_BUFFER_PTS (out[frame]), "cam", 70, 50);
    json_object_unref (o);
  }
  for (guint i = 0; i < G_N_ELEMENTS (out); i++)
    gst_buffer_unref (out[i]);
  g_ptr_array_unref (messages);
  gst_harness_teardown (h);
  swin_test_subscriber_free (sub);
  swin_test_broker_free (b);
  g_free (launch);
  g_free (address);
}
GST_END_TEST;

/* Every qos level delivers every message exactly once while the broker
 * stays up. */
GST_START_TEST (test_mqtt_qos_levels)
{
  SwinTestBroker *b = swin_test_broker_new (NULL);
  gchar *address = swin_test_broker_address (b);
  const guint n = 60;

  swin_test_broker_start (b);
  for (gint qos = 0; qos <= 2; qos++) {
    gchar *topic = g_strdup_printf ("swin/qos%d", qos);
    SwinTestSubscriber *sub = swin_test_subscriber_new (b, topic, qos, NULL);
    GstBus *bus;
    gchar *client_id = g_strdup_printf ("swin-box1-qos%d", qos);
    GstHarness *h = swin_test_publish_harness (&bus, FALSE, "method", 1, "address", address, "topic", topic,
                                      "qos", qos, "client-id", client_id, NULL);
    gchar *broker_log, *connected_as;
    GPtrArray *messages;
    guint *seen;

    push_frames (h, 0, n, 0);
    fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
    fail_unless_equals_int (swin_test_subscriber_wait (sub, n, 20), n);
    fail_unless_equals_int (swin_test_subscriber_wait (sub, n + 1, 0.3), n);
    messages = swin_test_subscriber_take (sub);
    seen = count_frames (messages, n, "pub");
    for (guint i = 0; i < n; i++)
      fail_unless_equals_int (seen[i], 1);
    fail_unless_equals_int (get_losses (h, "dropped"), 0);
    fail_if (swin_test_bus_count_messages (bus, GST_MESSAGE_ERROR | GST_MESSAGE_WARNING, NULL));
    /* The broker saw our client id. */
    broker_log = swin_test_broker_log (b);
    connected_as = g_strdup_printf (" as %s ", client_id);
    fail_unless (strstr (broker_log, connected_as) != NULL, "no client %s in:\n%s", client_id,
                 broker_log);
    g_free (connected_as);
    g_free (broker_log);
    g_free (client_id);
    gst_harness_teardown (h);
    swin_test_bus_free (bus);
    g_free (seen);
    g_ptr_array_unref (messages);
    swin_test_subscriber_free (sub);
    g_free (topic);
  }
  swin_test_broker_free (b);
  g_free (address);
}
GST_END_TEST;

/* The broker goes away mid-stream and comes back on the same port: _i = 0
 * a clean restart (SIGTERM: it saves its state), _i = 1 a crash (SIGKILL).
 * Before it goes, it is frozen (SIGSTOP) while frames keep coming, so that
 * messages are on the wire, never acknowledged, when it dies.  Frames keep
 * flowing without waiting; every message reaches the subscriber
 * (persistent session, qos 1) at least once. */
GST_START_TEST (test_mqtt_broker_restart)
{
  const gboolean crash = __i__ == 1;
  /* A crashed broker comes back with its last autosave (every second),
   * which holds the subscriber's session made well before. */
  SwinTestBroker *b = swin_test_broker_new (crash ? "autosave_interval 1\n" : NULL);
  gchar *address = swin_test_broker_address (b);
  const guint n = 300, freeze_at = 100, stop_at = 140, restart_at = 200;
  SwinTestSubscriber *sub;
  GstBus *bus;
  GstHarness *h;
  GPtrArray *messages;
  guint *seen, duplicates = 0, lost_before = 0;
  gint64 t0;
  gchar *text;

  swin_test_broker_start (b);
  sub = swin_test_subscriber_new (b, "swin/restart", 1, "swin-test-subscriber");
  if (crash)
    g_usleep (2500 * 1000);
  h = swin_test_publish_harness (&bus, FALSE, "method", 1, "address", address, "topic", "swin/restart",
                        "qos", 1, "max-reconnect-interval", (guint64) 2 * GST_SECOND,
                        "flush-timeout", (guint64) 30 * GST_SECOND, NULL);

  push_frames (h, 0, freeze_at, 5000);
  kill (b->pid, SIGSTOP);
  push_frames (h, freeze_at, stop_at, 5000);
  g_usleep (100 * 1000);
  swin_test_broker_stop (b, crash ? SIGKILL : SIGTERM);
  push_frames (h, stop_at, restart_at, 5000);
  swin_test_broker_start (b);
  push_frames (h, restart_at, n, 5000);

  /* EOS returns once everything is acknowledged. */
  t0 = g_get_monotonic_time ();
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  g_print ("EOS waited %.2f s for the queue\n", (g_get_monotonic_time () - t0) / 1e6);
  fail_unless (g_get_monotonic_time () - t0 < 30 * G_USEC_PER_SEC);

  text = swin_test_bus_wait_message (bus, GST_MESSAGE_WARNING, "Lost the connection", 0);
  fail_unless (text != NULL, "no warning about the outage: %s", swin_test_bus_log (bus));
  g_free (text);
  fail_unless_equals_int (get_losses (h, "dropped"), 0);
  fail_if (swin_test_bus_count_messages (bus, GST_MESSAGE_ERROR, NULL), "%s", swin_test_bus_log (bus));

  /* Frames pushed once the broker was frozen were never acknowledged by
   * it: each must arrive, the first 20 of them resent from libmosquitto's
   * in-flight window.  Before, the old broker acknowledged them; after a
   * clean stop it kept them for the subscriber too. */
  fail_unless (wait_for_frames (sub, n, 20) || crash, "not all frames arrived");
  messages = swin_test_subscriber_take (sub);
  seen = count_frames (messages, n, "pub");
  for (guint i = 0; i < n; i++) {
    if (i >= freeze_at || !crash)
      fail_unless (seen[i] >= 1, "frame %u never arrived", i);
    else if (seen[i] == 0)
      lost_before++;
    duplicates += seen[i] > 1 ? seen[i] - 1 : 0;
  }
  /* A crashed broker may lose what it had acknowledged but not yet passed
   * on: its loss, counted here, not ours. */
  g_print ("broker %s: %u messages for %u frames, %u duplicates, %u acknowledged frames lost "
           "by the crashed broker\n", crash ? "killed" : "restarted", messages->len, n,
           duplicates, lost_before);

  gst_harness_teardown (h);
  g_free (seen);
  g_ptr_array_unref (messages);
  swin_test_bus_free (bus);
  swin_test_subscriber_free (sub);
  swin_test_broker_free (b);
  g_free (address);
}
GST_END_TEST;

/* An outage longer than the queue: the oldest waiting messages are
 * dropped, counted exactly, and reported once; the newest are delivered. */
GST_START_TEST (test_mqtt_overflow)
{
  SwinTestBroker *b = swin_test_broker_new (NULL);
  gchar *address = swin_test_broker_address (b);
  const guint n = 300, stop_at = 50, restart_at = 250, max_queue = 30;
  SwinTestSubscriber *sub;
  GstBus *bus;
  GstHarness *h;
  GPtrArray *messages;
  guint *seen, missing = 0, first_missing = G_MAXUINT, last_missing = 0;
  guint64 dropped;
  gchar *text;

  swin_test_broker_start (b);
  sub = swin_test_subscriber_new (b, "swin/overflow", 1, "swin-test-overflow");
  h = swin_test_publish_harness (&bus, FALSE, "method", 1, "address", address, "topic", "swin/overflow",
                        "qos", 1, "max-queue", max_queue,
                        "max-reconnect-interval", (guint64) 2 * GST_SECOND,
                        "flush-timeout", (guint64) 20 * GST_SECOND, NULL);
  push_frames (h, 0, stop_at, 2000);
  swin_test_broker_stop (b, SIGTERM);
  push_frames (h, stop_at, restart_at, 2000);
  swin_test_broker_start (b);

  /* Back: the newest frame of the outage arrives before anything else is
   * pushed, so that every drop happened during the outage. */
  text = swin_test_bus_wait_message (bus, GST_MESSAGE_INFO, "Connected", 20 * GST_SECOND);
  fail_unless (text != NULL, "not reconnected: %s", swin_test_bus_log (bus));
  g_free (text);
  fail_unless (wait_for_frame (sub, restart_at - 1, 20), "newest frame of the outage lost");
  push_frames (h, restart_at, n, 2000);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (wait_for_frame (sub, n - 1, 20));

  dropped = get_losses (h, "dropped");
  messages = swin_test_subscriber_take (sub);
  seen = count_frames (messages, n, "pub");
  for (guint i = 0; i < n; i++) {
    if (seen[i])
      continue;
    missing++;
    first_missing = MIN (first_missing, i);
    last_missing = MAX (last_missing, i);
  }
  g_print ("overflow: %u frames, max-queue %u, dropped %" G_GUINT64_FORMAT ", frames %u-%u "
           "missing\n", n, max_queue, dropped, first_missing, last_missing);
  /* Exactly the dropped ones are missing ... */
  fail_unless_equals_int (dropped, missing);
  /* ... at most max-queue of the outage's frames survived ... */
  fail_unless (missing >= restart_at - stop_at - max_queue, "only %u dropped", missing);
  /* ... and those dropped are the oldest: one run inside the outage. */
  fail_unless_equals_int (last_missing - first_missing + 1, missing);
  fail_unless (first_missing >= stop_at && last_missing < restart_at - 1);
  fail_unless_equals_int (swin_test_bus_count_messages (bus, GST_MESSAGE_WARNING, "queue is full"), 1);

  gst_harness_teardown (h);
  g_free (seen);
  g_ptr_array_unref (messages);
  swin_test_bus_free (bus);
  swin_test_subscriber_free (sub);
  swin_test_broker_free (b);
  g_free (address);
}
GST_END_TEST;

/* No broker when the element starts: it starts anyway, warns, queues, and
 * delivers everything once a broker appears. */
GST_START_TEST (test_mqtt_no_broker_at_start)
{
  SwinTestBroker *b = swin_test_broker_new (NULL);
  gchar *address = swin_test_broker_address (b);
  const guint n = 20;
  SwinTestSubscriber *sub;
  GstBus *bus;
  GstHarness *h;
  GPtrArray *messages;
  guint *seen;
  gchar *text;

  /* The subscriber's persistent session outlives a broker stop, so that it
   * is subscribed whenever the element gets through. */
  swin_test_broker_start (b);
  sub = swin_test_subscriber_new (b, "swin/late", 1, "swin-test-late");
  swin_test_broker_stop (b, SIGTERM);

  h = swin_test_publish_harness (&bus, FALSE, "method", 1, "address", address, "topic", "swin/late",
                        "max-reconnect-interval", (guint64) 2 * GST_SECOND, NULL);
  text = swin_test_bus_wait_message (bus, GST_MESSAGE_WARNING, "Cannot connect", 0);
  fail_unless (text != NULL, "no warning: %s", swin_test_bus_log (bus));
  g_free (text);
  push_frames (h, 0, n, 0);
  g_usleep (300 * 1000);
  fail_unless_equals_int (swin_test_subscriber_wait (sub, 1, 0), 0);

  swin_test_broker_start (b);
  fail_unless (wait_for_frames (sub, n, 20), "not delivered after the broker appeared");
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  messages = swin_test_subscriber_take (sub);
  seen = count_frames (messages, n, "pub");
  for (guint i = 0; i < n; i++)
    fail_unless_equals_int (seen[i], 1);
  text = swin_test_bus_wait_message (bus, GST_MESSAGE_INFO, "Connected", 0);
  fail_unless (text != NULL, "no message about the connection: %s", swin_test_bus_log (bus));
  g_free (text);

  gst_harness_teardown (h);
  g_free (seen);
  g_ptr_array_unref (messages);
  swin_test_bus_free (bus);
  swin_test_subscriber_free (sub);
  swin_test_broker_free (b);
  g_free (address);
}
GST_END_TEST;

/* Never a broker: frames never wait, the queue keeps the newest max-queue
 * messages and drops exactly the rest, EOS gives up after flush-timeout. */
GST_START_TEST (test_mqtt_never_a_broker)
{
  gchar *address = g_strdup_printf ("127.0.0.1:%d", swin_test_free_port ());
  const guint n = 1000, max_queue = 100;
  GstBus *bus;
  GstHarness *h = swin_test_publish_harness (&bus, FALSE, "method", 1, "address", address,
                                    "max-queue", max_queue,
                                    "flush-timeout", (guint64) 300 * GST_MSECOND, NULL);
  guint64 dropped;
  gint64 t0, took;
  gchar *text, *expect;

  t0 = g_get_monotonic_time ();
  push_frames (h, 0, n, 0);
  took = g_get_monotonic_time () - t0;
  g_print ("%u frames pushed in %.3f s without a broker\n", n, took / 1e6);
  dropped = get_losses (h, "dropped");
  fail_unless_equals_int (dropped, n - max_queue);
  fail_unless_equals_int (swin_test_bus_count_messages (bus, GST_MESSAGE_WARNING, "queue is full"), 1);

  t0 = g_get_monotonic_time ();
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  took = g_get_monotonic_time () - t0;
  fail_unless (took >= 290 * 1000 && took < 5 * G_USEC_PER_SEC, "EOS took %" G_GINT64_FORMAT
               " us", took);
  expect = g_strdup_printf ("%u MQTT messages were not delivered", max_queue);
  text = swin_test_bus_wait_message (bus, GST_MESSAGE_WARNING, expect, 0);
  fail_unless (text != NULL);
  g_free (text);
  g_free (expect);

  gst_harness_teardown (h);
  expect = g_strdup_printf ("Stopped with %u MQTT messages undelivered", max_queue);
  text = swin_test_bus_wait_message (bus, GST_MESSAGE_WARNING, expect, 0);
  fail_unless (text != NULL);
  g_free (text);
  g_free (expect);
  swin_test_bus_free (bus);
  g_free (address);
}
GST_END_TEST;

static gpointer
push_eos (gpointer h)
{
  return GINT_TO_POINTER (gst_harness_push_event (h, gst_event_new_eos ()));
}

/* Stopping the element does not wait for an EOS that waits for the broker. */
GST_START_TEST (test_mqtt_stop_during_eos)
{
  gchar *address = g_strdup_printf ("127.0.0.1:%d", swin_test_free_port ());
  GstBus *bus;
  GstHarness *h = swin_test_publish_harness (&bus, FALSE, "method", 1, "address", address,
                                    "flush-timeout", (guint64) 60 * GST_SECOND, NULL);
  GThread *thread;
  gint64 t0;

  push_frames (h, 0, 3, 0);
  thread = g_thread_new ("eos", push_eos, h);
  g_usleep (300 * 1000);
  t0 = g_get_monotonic_time ();
  fail_unless_equals_int (gst_element_set_state (h->element, GST_STATE_NULL),
                          GST_STATE_CHANGE_SUCCESS);
  fail_unless (g_get_monotonic_time () - t0 < 5 * G_USEC_PER_SEC);
  g_thread_join (thread);
  gst_harness_teardown (h);
  swin_test_bus_free (bus);
  g_free (address);
}
GST_END_TEST;

/* Settings that cannot work fail the start with an error that says why. */
GST_START_TEST (test_mqtt_bad_settings)
{
  static const struct {
    const gchar *property, *value, *error;
  } cases[] = {
    { "address", "127.0.0.1", "Invalid MQTT broker address \"127.0.0.1\"" },
    { "address", "127.0.0.1:0", "Invalid MQTT broker address" },
    { "address", "127.0.0.1:65536", "Invalid MQTT broker address" },
    { "address", "127.0.0.1:18x3", "Invalid MQTT broker address" },
    { "address", ":1883", "Invalid MQTT broker address" },
    { "address", "", "Invalid MQTT broker address" },
    { "address", "[::1:1883", "Invalid MQTT broker address" },
    { "address", "no-such-host.invalid:1883", "Cannot resolve the MQTT broker's host" },
    { "topic", "cams/#", "Invalid MQTT topic" },
    { "ca-file", "/nonexistent/ca.crt", "Cannot read the ca-file \"/nonexistent/ca.crt\"" },
    { "cert-file", "/etc/hostname", "TLS needs ca-file" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstElement *e = gst_element_factory_make ("swinpublish", NULL);
    GstBus *bus = gst_bus_new ();
    gchar *text;

    gst_element_set_bus (e, bus);
    g_object_set (e, "method", 1, "address", "127.0.0.1:1883", NULL);
    g_object_set (e, cases[i].property, cases[i].value, NULL);
    fail_unless_equals_int (gst_element_set_state (e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
    text = swin_test_bus_wait_message (bus, GST_MESSAGE_ERROR, cases[i].error, 0);
    fail_unless (text != NULL, "%s=%s: expected \"%s\", got: %s", cases[i].property,
                 cases[i].value, cases[i].error, swin_test_bus_log (bus));
    g_free (text);
    gst_element_set_state (e, GST_STATE_NULL);
    gst_object_unref (e);
    swin_test_bus_free (bus);
    }
}
GST_END_TEST;

/* Starts a swinpublish method=mqtt with @topic and a broker address where
 * none listens; the text of the error it posted (the start must fail), or
 * NULL if the start succeeded. */
static gchar *
start_with_topic (const gchar *topic)
{
  GstElement *e = gst_element_factory_make ("swinpublish", NULL);
  GstBus *bus = gst_bus_new ();
  gchar *address = g_strdup_printf ("127.0.0.1:%d", swin_test_free_port ());
  GstStateChangeReturn ret;
  gchar *text = NULL;

  gst_element_set_bus (e, bus);
  g_object_set (e, "method", 1, "address", address, "topic", topic, NULL);
  ret = gst_element_set_state (e, GST_STATE_PAUSED);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    text = swin_test_bus_wait_message (bus, GST_MESSAGE_ERROR, "Invalid MQTT topic", 0);
    fail_unless (text != NULL, "no error naming the topic: %s", swin_test_bus_log (bus));
  }
  gst_element_set_state (e, GST_STATE_NULL);
  gst_object_unref (e);
  swin_test_bus_free (bus);
  g_free (address);
  return text;
}

/* Every topic that libmosquitto would refuse to publish on fails the start
 * with the reason; the longest valid one starts. */
GST_START_TEST (test_mqtt_bad_topics)
{
  static const struct {
    const gchar *topic, *why;
  } cases[] = {
    { "", "empty" },
    { "cams/#", "the wildcard '#'" },
    { "cams/+/front", "the wildcard '+'" },
    { "a\x01" "b", "the control character U+0001 at byte 1" },
    { "a\nb", "the control character U+000A" },
    { "ab\x1f", "the control character U+001F at byte 2" },
    { "a\x7f" "b", "the control character U+007F" },
    { "a\xc2\x85" "b", "the control character U+0085" },
    { "a\xef\xbf\xbe" "b", "the Unicode non-character U+FFFE" },
    { "a\xef\xb7\x90", "the Unicode non-character U+FDD0" },
    { "a\xff" "b", "not valid UTF-8" },
  };
  gchar *longest = g_strnfill (65535, 't'), *too_long = g_strnfill (70000, 't');
  gchar *text;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    text = start_with_topic (cases[i].topic);
    fail_unless (text != NULL, "topic %u started", i);
    fail_unless (strstr (text, cases[i].why) != NULL, "topic %u: expected \"%s\" in: %s", i,
                 cases[i].why, text);
    g_free (text);
  }
  /* Too long: said so, with only the start of it quoted. */
  text = start_with_topic (too_long);
  fail_unless (text != NULL);
  fail_unless (strstr (text, "70000 bytes") && strstr (text, "65535"), "%s", text);
  fail_unless (strlen (text) < 200, "%" G_GSIZE_FORMAT " characters", strlen (text));
  g_free (text);
  fail_unless (start_with_topic (longest) == NULL);
  g_free (longest);
  g_free (too_long);
}
GST_END_TEST;

/* Frame 1 with a label that makes its message longer than MQTT allows
 * (268,435,455 bytes): libmosquitto refuses to send it. */
static GstBuffer *
oversized_frame (void)
{
  GstBuffer *buf = frame_buffer (1);
  GstStructure *s = gst_custom_meta_get_structure (
      gst_buffer_get_custom_meta (buf, GST_SWIN_META_NAME));
  const gsize n = 256 * 1024 * 1024;
  gchar *label = g_malloc (n + 1);
  gint id = 1;
  gdouble score = 0.5;
  gconstpointer pid[] = { &id }, plabel[] = { label }, pscore[] = { &score };

  memset (label, 'x', n);
  label[n] = '\0';
  swin_test_set_array (s, GST_SWIN_FIELD_CLASS_IDS, G_TYPE_INT, 1, pid);
  swin_test_set_array (s, GST_SWIN_FIELD_LABELS, G_TYPE_STRING, 1, plabel);
  swin_test_set_array (s, GST_SWIN_FIELD_SCORES, G_TYPE_DOUBLE, 1, pscore);
  g_free (label);
  return buf;
}

/* A message that libmosquitto refuses is a warning and counted in
 * "refused", not in "dropped"; the frames around it are delivered, on a
 * topic with non-ASCII characters. */
GST_START_TEST (test_mqtt_refused)
{
  static const gchar *topic = "swin/cam\xc3\xa9ra/\xe2\x98\x83";
  SwinTestBroker *b = swin_test_broker_new (NULL);
  gchar *address = swin_test_broker_address (b);
  SwinTestSubscriber *sub;
  GstBus *bus;
  GstHarness *h;
  GPtrArray *messages;
  guint *seen;
  gchar *text;

  swin_test_broker_start (b);
  sub = swin_test_subscriber_new (b, topic, 1, NULL);
  h = swin_test_publish_harness (&bus, FALSE, "method", 1, "address", address, "topic", topic, NULL);
  fail_unless_equals_int (gst_harness_push (h, frame_buffer (0)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, oversized_frame ()), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, frame_buffer (2)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int (swin_test_subscriber_wait (sub, 2, 20), 2);
  fail_unless_equals_int (swin_test_subscriber_wait (sub, 3, 0.3), 2);
  messages = swin_test_subscriber_take (sub);
  seen = count_frames (messages, 3, "pub");
  fail_unless (seen[0] == 1 && seen[1] == 0 && seen[2] == 1);

  text = swin_test_bus_wait_message (bus, GST_MESSAGE_WARNING, "refused", 5 * GST_SECOND);
  fail_unless (text != NULL, "no warning: %s", swin_test_bus_log (bus));
  fail_unless (strstr (text, mosquitto_strerror (MOSQ_ERR_PAYLOAD_SIZE)) != NULL, "%s", text);
  g_free (text);
  fail_unless_equals_int (swin_test_bus_count_messages (bus, GST_MESSAGE_WARNING, NULL), 1);
  fail_if (swin_test_bus_count_messages (bus, GST_MESSAGE_ERROR, NULL), "%s", swin_test_bus_log (bus));
  fail_unless_equals_uint64 (get_losses (h, "refused"), 1);
  fail_unless_equals_uint64 (get_losses (h, "dropped"), 0);
  gst_harness_teardown (h);

  g_free (seen);
  g_ptr_array_unref (messages);
  swin_test_bus_free (bus);
  swin_test_subscriber_free (sub);
  swin_test_broker_free (b);
  g_free (address);
}
GST_END_TEST;

/* Runs @argv; fails the test if it does not exit 0. */
static void
run_tool (const gchar *const *argv)
{
  gchar *err = NULL;
  gint status;
  GError *error = NULL;

  fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL,
                             G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                             &err, &status, &error), "%s: %s", argv[0],
               error ? error->message : "");
  fail_unless (g_spawn_check_wait_status (status, NULL), "%s failed: %s", argv[0], err);
  g_free (err);
}

/* A broker that wants a password: the right one delivers, a wrong one is an
 * error and stops the stream. */
GST_START_TEST (test_mqtt_password)
{
  SwinTestBroker *b = swin_test_broker_new ("password_file @DIR@/passwd\n");
  gchar *passwd = g_build_filename (b->dir, "passwd", NULL);
  const gchar *passwd_tool = g_getenv ("SWIN_TEST_MOSQUITTO_PASSWD");
  const gchar *argv[] = { passwd_tool ? passwd_tool : "mosquitto_passwd", "-c", "-b", passwd,
                          "camera", "s3cret", NULL };
  gchar *address = swin_test_broker_address (b);
  SwinTestSubscriber *sub;
  GstBus *bus;
  GstHarness *h;
  gchar *text;

  run_tool (argv);
  swin_test_broker_start (b);
  /* Anonymous clients are allowed; a client giving a name must give its
   * password. */
  sub = swin_test_subscriber_new (b, "swin/auth", 1, NULL);

  h = swin_test_publish_harness (&bus, FALSE, "method", 1, "address", address, "topic", "swin/auth",
                        "username", "camera", "password", "s3cret", NULL);
  push_frames (h, 0, 5, 0);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (wait_for_frames (sub, 5, 20));
  fail_if (swin_test_bus_count_messages (bus, GST_MESSAGE_ERROR, NULL));
  gst_harness_teardown (h);
  swin_test_bus_free (bus);

  h = swin_test_publish_harness (&bus, FALSE, "method", 1, "address", address, "topic", "swin/auth",
                        "username", "camera", "password", "wrong", NULL);
  text = swin_test_bus_wait_message (bus, GST_MESSAGE_ERROR, "refused the connection",
                                20 * GST_SECOND);
  fail_unless (text != NULL, "no error for a wrong password: %s", swin_test_bus_log (bus));
  fail_unless (strstr (text, "not authorised") != NULL, "%s", text);
  g_free (text);
  fail_unless_equals_int (gst_harness_push (h, frame_buffer (0)), GST_FLOW_ERROR);
  gst_harness_teardown (h);
  swin_test_bus_free (bus);

  swin_test_subscriber_free (sub);
  swin_test_broker_free (b);
  g_free (passwd);
  g_free (address);
}
GST_END_TEST;

/* A certificate authority in @dir named @name (@name.key, @name.crt). */
static void
make_ca (const gchar *openssl, const gchar *dir, const gchar *name)
{
  gchar *key = g_strdup_printf ("%s/%s.key", dir, name);
  gchar *crt = g_strdup_printf ("%s/%s.crt", dir, name);
  gchar *subj = g_strdup_printf ("/CN=swin test %s", name);
  const gchar *argv[] = { openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                          "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", crt,
                          "-days", "2", "-subj", subj, NULL };

  run_tool (argv);
  g_free (key);
  g_free (crt);
  g_free (subj);
}

/* A key and certificate @name signed by the CA "ca" in @dir, valid for
 * 127.0.0.1. */
static void
make_cert (const gchar *openssl, const gchar *dir, const gchar *name)
{
  gchar *key = g_strdup_printf ("%s/%s.key", dir, name);
  gchar *csr = g_strdup_printf ("%s/%s.csr", dir, name);
  gchar *crt = g_strdup_printf ("%s/%s.crt", dir, name);
  gchar *ext = g_strdup_printf ("%s/%s.ext", dir, name);
  gchar *ca_crt = g_strdup_printf ("%s/ca.crt", dir);
  gchar *ca_key = g_strdup_printf ("%s/ca.key", dir);
  const gchar *req[] = { openssl, "req", "-newkey", "ec", "-pkeyopt",
                         "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", csr,
                         "-subj", "/CN=127.0.0.1", NULL };
  const gchar *sign[] = { openssl, "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
                          "-CAcreateserial", "-out", crt, "-days", "2", "-extfile", ext, NULL };

  fail_unless (g_file_set_contents (ext, "subjectAltName=IP:127.0.0.1\n", -1, NULL));
  run_tool (req);
  run_tool (sign);
  g_free (key);
  g_free (csr);
  g_free (crt);
  g_free (ext);
  g_free (ca_crt);
  g_free (ca_key);
}

/* TLS with a client certificate: the broker absent at start, then
 * restarted mid-stream (libmosquitto 2.0 needs our help for both over TLS),
 * every message delivered; a broker certificate from an authority we do not
 * trust: an error that says so. */
GST_START_TEST (test_mqtt_tls)
{
  const gchar *openssl = g_getenv ("SWIN_TEST_OPENSSL");
  SwinTestBroker *b = swin_test_broker_new ("cafile @DIR@/ca.crt\n"
                                            "certfile @DIR@/server.crt\n"
                                            "keyfile @DIR@/server.key\n"
                                            "require_certificate true\n");
  gchar *address = swin_test_broker_address (b);
  gchar *ca = g_build_filename (b->dir, "ca.crt", NULL);
  gchar *other_ca = g_build_filename (b->dir, "other.crt", NULL);
  gchar *cert = g_build_filename (b->dir, "client.crt", NULL);
  gchar *key = g_build_filename (b->dir, "client.key", NULL);
  const guint n = 20;
  SwinTestSubscriber *sub;
  GstElement *e;
  GstBus *bus;
  GstHarness *h;
  GPtrArray *messages;
  guint *seen;
  gchar *text;

  fail_unless (openssl != NULL, "SWIN_TEST_OPENSSL not set");
  make_ca (openssl, b->dir, "ca");
  make_ca (openssl, b->dir, "other");
  make_cert (openssl, b->dir, "server");
  make_cert (openssl, b->dir, "client");
  swin_test_broker_start (b);
  sub = swin_test_subscriber_new_tls (b, "swin/tls", 1, "swin-test-tls", ca, cert, key);
  swin_test_broker_stop (b, SIGTERM);

  h = swin_test_publish_harness (&bus, FALSE, "method", 1, "address", address, "topic", "swin/tls",
                        "ca-file", ca, "cert-file", cert, "key-file", key,
                        "max-reconnect-interval", (guint64) 2 * GST_SECOND,
                        "flush-timeout", (guint64) 20 * GST_SECOND, NULL);
  push_frames (h, 0, n / 2, 0);
  swin_test_broker_start (b);
  fail_unless (wait_for_frames (sub, n / 2, 20), "not delivered once the broker came: %s",
               swin_test_bus_log (bus));
  swin_test_broker_stop (b, SIGTERM);
  push_frames (h, n / 2, n, 0);
  swin_test_broker_start (b);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (wait_for_frames (sub, n, 20), "not delivered after a restart: %s",
               swin_test_bus_log (bus));
  messages = swin_test_subscriber_take (sub);
  seen = count_frames (messages, n, "pub");
  for (guint i = 0; i < n; i++)
    fail_unless (seen[i] >= 1);
  fail_if (swin_test_bus_count_messages (bus, GST_MESSAGE_ERROR, NULL), "%s", swin_test_bus_log (bus));
  gst_harness_teardown (h);
  swin_test_bus_free (bus);
  g_free (seen);
  g_ptr_array_unref (messages);

  /* The handshake fails at start (the state change fails) or just after
   * (an error message); both say why. */
  e = gst_element_factory_make ("swinpublish", NULL);
  bus = gst_bus_new ();
  gst_element_set_bus (e, bus);
  g_object_set (e, "method", 1, "address", address, "ca-file", other_ca, "cert-file", cert,
                "key-file", key, NULL);
  gst_element_set_state (e, GST_STATE_PLAYING);
  text = swin_test_bus_wait_message (bus, GST_MESSAGE_ERROR, "certificate verify failed",
                                20 * GST_SECOND);
  fail_unless (text != NULL, "no error for an untrusted broker: %s", swin_test_bus_log (bus));
  g_free (text);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_object_unref (e);
  swin_test_bus_free (bus);

  swin_test_subscriber_free (sub);
  swin_test_broker_free (b);
  g_free (ca);
  g_free (other_ca);
  g_free (cert);
  g_free (key);
  g_free (address);
}
GST_END_TEST;

static Suite *
publish_mqtt_suite (void)
{
  Suite *s = suite_create ("swinpublish-mqtt");
  TCase *tc = tcase_create ("mqtt");

  make_tiny_model ();
  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_mqtt_classify_roundtrip);
  tcase_add_test (tc, test_mqtt_qos_levels);
  tcase_add_loop_test (tc, test_mqtt_broker_restart, 0, 2);
  tcase_add_test (tc, test_mqtt_overflow);
  tcase_add_test (tc, test_mqtt_no_broker_at_start);
  tcase_add_test (tc, test_mqtt_never_a_broker);
  tcase_add_test (tc, test_mqtt_stop_during_eos);
  tcase_add_test (tc, test_mqtt_bad_settings);
  tcase_add_test (tc, test_mqtt_bad_topics);
  tcase_add_test (tc, test_mqtt_refused);
  tcase_add_test (tc, test_mqtt_password);
  tcase_add_test (tc, test_mqtt_tls);
  return s;
}

int
main (int argc, char **argv)
{
  int failed = swin_test_run_suite (&argc, &argv, publish_mqtt_suite, "swinpublish-mqtt", __FILE__);

  swin_test_remove_dir (tmpdir, model_path, NULL);
  return failed;
}
