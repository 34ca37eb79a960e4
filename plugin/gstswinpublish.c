/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-swinpublish
 * @title: swinpublish
 *
 * Publishes the results of an upstream swinclassify: for every buffer that
 * carries a frame result (the "GstSwinClassifyMeta") or regions with a
 * swinclassify result (under any result-name), one JSON object (see gstswinjson.h for its
 * fields: timestamp, pts, source, resolution, model, frame, age, classes,
 * objects; with #GstSwinPublish:include-features also the pooled features
 * of a swinclassify with features=true) goes to a file (#GstSwinPublish:method=file, one object per
 * line; "-" is standard output) or to an MQTT broker (method=mqtt, one
 * message per object).  Buffers pass through untouched; buffers without
 * results publish nothing.
 *
 * MQTT never makes the video wait: messages go through a queue of at most
 * #GstSwinPublish:max-queue messages that libmosquitto's network thread
 * drains.  When the broker cannot be reached (absent at start, restarted,
 * network down) the element warns once per outage, keeps passing frames and
 * reconnects with back-off (1, 4, 9 ... seconds, at most
 * #GstSwinPublish:max-reconnect-interval, in nanoseconds like every duration
 * property).  A message leaves the queue only
 * when it is delivered: written to the connection for qos=0, acknowledged by
 * the broker for qos=1 and 2.  Messages on the wire when the connection
 * breaks are sent again after reconnecting, so with qos >= 1 delivery is
 * at least once: a subscriber may see a message twice after a broker
 * restart, and can tell by its "source" and "frame".  When the queue is full
 * the oldest waiting message is dropped; #GstSwinPublish:dropped counts them
 * and the first drop posts a warning.  A message that libmosquitto refuses
 * to send (larger than MQTT's 256 MiB) is lost: #GstSwinPublish:refused
 * counts them and the first posts a warning.  At EOS the element waits, at
 * most #GstSwinPublish:flush-timeout, for the queue to empty.
 *
 * Errors: a file that cannot be opened, a FIFO that no process reads (the
 * reader must start first), a malformed broker address, a host that does
 * not resolve, a topic libmosquitto would refuse (empty, over 65535 bytes,
 * with the wildcards + or #, not UTF-8, with a control character or a
 * Unicode non-character; the error says which) or unreadable TLS files make
 * the element fail to start; a failed write (e.g. a full disk), a broker
 * refusing the credentials or a failed TLS handshake post an error.  After
 * a failed write a regular file is cut back to its last whole line, so that
 * every line in it parses.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -e v4l2src ! videoconvert ! swinclassify name=cam1 model=swin_t.safetensors ! \
 *     swinpublish method=mqtt address=broker.local:1883 topic=fleet/cam1 ! fakesink
 * gst-launch-1.0 -q videotestsrc num-buffers=10 ! swinclassify model=swin_t.safetensors ! \
 *     swinpublish file-path=- ! fakesink
 * ]|
 */
#include "gstswinpublish.h"

#include "gstswinjson.h"
#include "gstswinmetaprivate.h"
#include "gstswinpublishfile.h"
#include "gstswinpublishmqtt.h"

GST_DEBUG_CATEGORY_STATIC (gst_swin_publish_debug);
#define GST_CAT_DEFAULT gst_swin_publish_debug

#define DEFAULT_METHOD GST_SWIN_PUBLISH_METHOD_FILE
#define DEFAULT_FILE_PATH "-"
#define DEFAULT_ADDRESS "localhost:1883"
#define DEFAULT_TOPIC "swinclassify"
#define DEFAULT_QOS 1
#define DEFAULT_MAX_QUEUE 1000
#define DEFAULT_FLUSH_TIMEOUT (5 * GST_SECOND)
#define DEFAULT_MAX_RECONNECT_INTERVAL (30 * GST_SECOND)
#define DEFAULT_INCLUDE_FEATURES FALSE

enum {
  PROP_0,
  PROP_METHOD,
  PROP_FILE_PATH,
  PROP_ADDRESS,
  PROP_TOPIC,
  PROP_CLIENT_ID,
  PROP_QOS,
  PROP_USERNAME,
  PROP_PASSWORD,
  PROP_CA_FILE,
  PROP_CERT_FILE,
  PROP_KEY_FILE,
  PROP_MAX_QUEUE,
  PROP_MAX_RECONNECT_INTERVAL,
  PROP_FLUSH_TIMEOUT,
  PROP_SOURCE,
  PROP_INCLUDE_FEATURES,
  PROP_DROPPED,
  PROP_REFUSED,
};

struct _GstSwinPublish {
  GstBaseTransform parent;

  /* Properties (object lock). */
  GstSwinPublishMethod method;
  gchar *file_path;
  gchar *address;
  gchar *topic;
  gchar *client_id;
  gint qos;
  gchar *username;
  gchar *password;
  gchar *ca_file;
  gchar *cert_file;
  gchar *key_file;
  guint max_queue;
  GstClockTime max_reconnect_interval;
  GstClockTime flush_timeout;
  gchar *source;
  gboolean include_features;

  /* Between start and stop; the output pointers are also guarded by the
   * object lock so that "dropped" and "refused" can be read from any
   * thread. */
  GstSwinPublishFile *file;
  GstSwinPublishMqtt *mqtt;
  guint64 dropped_at_stop;
  guint64 refused_at_stop;
  gchar *upstream_name;   /* the default "source" */
  gint width, height;
};

G_DEFINE_TYPE (GstSwinPublish, gst_swin_publish, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (swinpublish, "swinpublish", GST_RANK_NONE, GST_TYPE_SWIN_PUBLISH);

#define GST_TYPE_SWIN_PUBLISH_METHOD (gst_swin_publish_method_get_type ())
static GType
gst_swin_publish_method_get_type (void)
{
  static const GEnumValue values[] = {
    { GST_SWIN_PUBLISH_METHOD_FILE, "JSON lines to a file (\"-\": standard output)", "file" },
    { GST_SWIN_PUBLISH_METHOD_MQTT, "Messages to an MQTT broker", "mqtt" },
    { 0, NULL, NULL },
  };
  static GType type = 0;

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstSwinPublishMethod", values));
  return type;
}

/* Only video: the results describe frames. */
static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK,
    GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC,
    GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));

/* Posts @error (a GST_RESOURCE_ERROR) as an error message. */
static void
post_error (GstSwinPublish *self, GError *error)
{
  gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR, error->domain, error->code,
                            g_strdup (error->message), NULL, __FILE__, GST_FUNCTION, __LINE__);
}

/* The MQTT settings as they are now, in strings of their own: a property
 * set while the client starts applies at the next start. */
static void
copy_mqtt_settings (GstSwinPublish *self, GstSwinPublishMqttSettings *s)
{
  GST_OBJECT_LOCK (self);
  *s = (GstSwinPublishMqttSettings) {
    .address = g_strdup (self->address), .topic = g_strdup (self->topic),
    .client_id = g_strdup (self->client_id), .username = g_strdup (self->username),
    .password = g_strdup (self->password), .ca_file = g_strdup (self->ca_file),
    .cert_file = g_strdup (self->cert_file), .key_file = g_strdup (self->key_file),
    .qos = self->qos, .max_queue = self->max_queue,
    .max_reconnect_interval = self->max_reconnect_interval,
  };
  GST_OBJECT_UNLOCK (self);
}

static void
free_mqtt_settings (GstSwinPublishMqttSettings *s)
{
  const gchar *strings[] = { s->address, s->topic, s->client_id, s->username, s->password,
                             s->ca_file, s->cert_file, s->key_file };

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    g_free ((gchar *) strings[i]);
}

static gboolean
gst_swin_publish_start (GstBaseTransform *trans)
{
  GstSwinPublish *self = GST_SWIN_PUBLISH (trans);
  GstSwinPublishFile *file = NULL;
  GstSwinPublishMqtt *mqtt = NULL;
  GError *error = NULL;
  GstSwinPublishMethod method;

  GST_OBJECT_LOCK (self);
  method = self->method;
  GST_OBJECT_UNLOCK (self);

  if (method == GST_SWIN_PUBLISH_METHOD_FILE) {
    gchar *path;

    GST_OBJECT_LOCK (self);
    path = g_strdup (self->file_path);
    GST_OBJECT_UNLOCK (self);
    file = gst_swin_publish_file_open (path, &error);
    g_free (path);
    if (!file) {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("%s", error->message), (NULL));
      g_clear_error (&error);
      return FALSE;
    }
  } else {
    GstSwinPublishMqttSettings s;

    copy_mqtt_settings (self, &s);
    mqtt = gst_swin_publish_mqtt_new (GST_ELEMENT (self), &s, &error);
    free_mqtt_settings (&s);
    if (!mqtt) {
      post_error (self, error);
      g_clear_error (&error);
      return FALSE;
    }
  }
  GST_OBJECT_LOCK (self);
  self->file = file;
  self->mqtt = mqtt;
  self->dropped_at_stop = 0;
  self->refused_at_stop = 0;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_swin_publish_stop (GstBaseTransform *trans)
{
  GstSwinPublish *self = GST_SWIN_PUBLISH (trans);
  GstSwinPublishFile *file;
  GstSwinPublishMqtt *mqtt;
  GError *error = NULL;
  guint left = 0;

  GST_OBJECT_LOCK (self);
  file = self->file;
  mqtt = self->mqtt;
  self->file = NULL;
  self->mqtt = NULL;
  if (mqtt)
    gst_swin_publish_mqtt_get_losses (mqtt, &self->dropped_at_stop, &self->refused_at_stop);
  GST_OBJECT_UNLOCK (self);

  if (!gst_swin_publish_file_close (file, &error)) {
    GST_ELEMENT_ERROR (self, RESOURCE, CLOSE, ("%s", error->message), (NULL));
    g_clear_error (&error);
  }
  gst_swin_publish_mqtt_free (mqtt, &left);
  if (left > 0)
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("Stopped with %u MQTT messages undelivered (send EOS first, e.g. gst-launch-1.0 -e, "
         "and allow a long enough flush-timeout)", left), (NULL));
  g_clear_pointer (&self->upstream_name, g_free);
  self->width = self->height = 0;
  return TRUE;
}

/* The name of the element feeding us: the default "source". */
static gchar *
upstream_name (GstSwinPublish *self)
{
  GstPad *peer = gst_pad_get_peer (GST_BASE_TRANSFORM_SINK_PAD (self));
  GstElement *up = peer ? gst_pad_get_parent_element (peer) : NULL;
  gchar *name = up ? gst_element_get_name (up) : gst_element_get_name (self);

  if (up)
    gst_object_unref (up);
  if (peer)
    gst_object_unref (peer);
  return name;
}

static gboolean
gst_swin_publish_set_caps (GstBaseTransform *trans, GstCaps *incaps, GstCaps *outcaps)
{
  GstSwinPublish *self = GST_SWIN_PUBLISH (trans);
  const GstStructure *s = gst_caps_get_structure (incaps, 0);

  if (!gst_structure_get_int (s, "width", &self->width) ||
      !gst_structure_get_int (s, "height", &self->height))
    self->width = self->height = 0;
  g_free (self->upstream_name);
  self->upstream_name = upstream_name (self);
  return TRUE;
}

static GstFlowReturn
gst_swin_publish_transform_ip (GstBaseTransform *trans, GstBuffer *buf)
{
  GstSwinPublish *self = GST_SWIN_PUBLISH (trans);
  GstSwinJsonContext ctx = { .width = self->width, .height = self->height,
                             .segment = &trans->segment };
  GError *error = NULL;
  gchar *source, *json;
  gsize length;

  if (!gst_swin_json_buffer_has_results (buf))
    return GST_FLOW_OK;
  if (self->mqtt && gst_swin_publish_mqtt_failed (self->mqtt))
    return GST_FLOW_ERROR;  /* the error was posted */

  GST_OBJECT_LOCK (self);
  source = g_strdup (self->source ? self->source : self->upstream_name);
  ctx.features = self->include_features;
  GST_OBJECT_UNLOCK (self);
  if (!source)
    source = upstream_name (self);
  ctx.source = source;
  json = gst_swin_json_serialize (buf, &ctx, &length);
  g_free (source);
  GST_LOG_OBJECT (self, "%s", json);

  if (self->mqtt) {
    gst_swin_publish_mqtt_push (self->mqtt, json, length);
    return GST_FLOW_OK;
  }
  if (!gst_swin_publish_file_write_line (self->file, json, length, &error)) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("%s", error->message), (NULL));
    g_clear_error (&error);
    g_free (json);
    return GST_FLOW_ERROR;
  }
  g_free (json);
  return GST_FLOW_OK;
}

static gboolean
gst_swin_publish_sink_event (GstBaseTransform *trans, GstEvent *event)
{
  GstSwinPublish *self = GST_SWIN_PUBLISH (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      if (self->mqtt) {
        GstClockTime timeout;
        guint left;

        GST_OBJECT_LOCK (self);
        timeout = self->flush_timeout;
        GST_OBJECT_UNLOCK (self);
        left = gst_swin_publish_mqtt_flush (self->mqtt, timeout);
        if (left > 0)
          GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
              ("%u MQTT messages were not delivered within flush-timeout (%" GST_TIME_FORMAT
               ")", left, GST_TIME_ARGS (timeout)), (NULL));
      }
      break;
    /* A flush (seek) or a state change must not wait for the broker. */
    case GST_EVENT_FLUSH_START:
      if (self->mqtt)
        gst_swin_publish_mqtt_set_interrupted (self->mqtt, TRUE);
      break;
    case GST_EVENT_FLUSH_STOP:
      if (self->mqtt)
        gst_swin_publish_mqtt_set_interrupted (self->mqtt, FALSE);
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_swin_publish_parent_class)->sink_event (trans, event);
}

static GstStateChangeReturn
gst_swin_publish_change_state (GstElement *element, GstStateChange transition)
{
  GstSwinPublish *self = GST_SWIN_PUBLISH (element);

  /* An EOS waiting for the broker holds the stream lock that stopping
   * needs: wake it.  (start/stop run inside the parent's change_state, so
   * mqtt cannot go away here.) */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY && self->mqtt)
    gst_swin_publish_mqtt_set_interrupted (self->mqtt, TRUE);
  return GST_ELEMENT_CLASS (gst_swin_publish_parent_class)->change_state (element, transition);
}

static void
replace_string (GstSwinPublish *self, gchar **field, const GValue *value)
{
  GST_OBJECT_LOCK (self);
  g_free (*field);
  *field = g_value_dup_string (value);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_swin_publish_set_property (GObject *object, guint prop_id, const GValue *value,
                               GParamSpec *pspec)
{
  GstSwinPublish *self = GST_SWIN_PUBLISH (object);

  switch (prop_id) {
    case PROP_METHOD:
      GST_OBJECT_LOCK (self);
      self->method = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_FILE_PATH: replace_string (self, &self->file_path, value); break;
    case PROP_ADDRESS: replace_string (self, &self->address, value); break;
    case PROP_TOPIC: replace_string (self, &self->topic, value); break;
    case PROP_CLIENT_ID: replace_string (self, &self->client_id, value); break;
    case PROP_USERNAME: replace_string (self, &self->username, value); break;
    case PROP_PASSWORD: replace_string (self, &self->password, value); break;
    case PROP_CA_FILE: replace_string (self, &self->ca_file, value); break;
    case PROP_CERT_FILE: replace_string (self, &self->cert_file, value); break;
    case PROP_KEY_FILE: replace_string (self, &self->key_file, value); break;
    case PROP_SOURCE: replace_string (self, &self->source, value); break;
    case PROP_INCLUDE_FEATURES:
      GST_OBJECT_LOCK (self);
      self->include_features = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_QOS:
      GST_OBJECT_LOCK (self);
      self->qos = g_value_get_int (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_MAX_QUEUE:
      GST_OBJECT_LOCK (self);
      self->max_queue = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_MAX_RECONNECT_INTERVAL:
      GST_OBJECT_LOCK (self);
      self->max_reconnect_interval = g_value_get_uint64 (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_FLUSH_TIMEOUT:
      GST_OBJECT_LOCK (self);
      self->flush_timeout = g_value_get_uint64 (value);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_swin_publish_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstSwinPublish *self = GST_SWIN_PUBLISH (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_METHOD: g_value_set_enum (value, self->method); break;
    case PROP_FILE_PATH: g_value_set_string (value, self->file_path); break;
    case PROP_ADDRESS: g_value_set_string (value, self->address); break;
    case PROP_TOPIC: g_value_set_string (value, self->topic); break;
    case PROP_CLIENT_ID: g_value_set_string (value, self->client_id); break;
    case PROP_USERNAME: g_value_set_string (value, self->username); break;
    case PROP_PASSWORD: g_value_set_string (value, self->password); break;
    case PROP_CA_FILE: g_value_set_string (value, self->ca_file); break;
    case PROP_CERT_FILE: g_value_set_string (value, self->cert_file); break;
    case PROP_KEY_FILE: g_value_set_string (value, self->key_file); break;
    case PROP_SOURCE: g_value_set_string (value, self->source); break;
    case PROP_INCLUDE_FEATURES: g_value_set_boolean (value, self->include_features); break;
    case PROP_QOS: g_value_set_int (value, self->qos); break;
    case PROP_MAX_QUEUE: g_value_set_uint (value, self->max_queue); break;
    case PROP_MAX_RECONNECT_INTERVAL:
      g_value_set_uint64 (value, self->max_reconnect_interval);
      break;
    case PROP_FLUSH_TIMEOUT: g_value_set_uint64 (value, self->flush_timeout); break;
    case PROP_DROPPED:
    case PROP_REFUSED: {
      guint64 dropped = self->dropped_at_stop, refused = self->refused_at_stop;

      if (self->mqtt)
        gst_swin_publish_mqtt_get_losses (self->mqtt, &dropped, &refused);
      g_value_set_uint64 (value, prop_id == PROP_DROPPED ? dropped : refused);
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_swin_publish_finalize (GObject *object)
{
  GstSwinPublish *self = GST_SWIN_PUBLISH (object);
  gchar **strings[] = { &self->file_path, &self->address, &self->topic, &self->client_id,
                        &self->username, &self->password, &self->ca_file, &self->cert_file,
                        &self->key_file, &self->source, &self->upstream_name };

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    g_clear_pointer (strings[i], g_free);
  G_OBJECT_CLASS (gst_swin_publish_parent_class)->finalize (object);
}

static void
gst_swin_publish_class_init (GstSwinPublishClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags ready = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  GST_DEBUG_CATEGORY_INIT (gst_swin_publish_debug, "swinpublish", 0,
                           "Publishing classification results");
  /* The results it reads may come from buffers made by an application. */
  gst_swin_meta_register ();

  gobject_class->set_property = gst_swin_publish_set_property;
  gobject_class->get_property = gst_swin_publish_get_property;
  gobject_class->finalize = gst_swin_publish_finalize;

  g_object_class_install_property (gobject_class, PROP_METHOD,
      g_param_spec_enum ("method", "Method", "Where the results go",
          GST_TYPE_SWIN_PUBLISH_METHOD, DEFAULT_METHOD, ready));
  g_object_class_install_property (gobject_class, PROP_FILE_PATH,
      g_param_spec_string ("file-path", "File path",
          "method=file: the file to write, one JSON object per line (created or truncated at "
          "start); \"-\" for standard output", DEFAULT_FILE_PATH, ready));
  g_object_class_install_property (gobject_class, PROP_ADDRESS,
      g_param_spec_string ("address", "Address",
          "method=mqtt: the broker as host:port ([v6 address]:port for IPv6)", DEFAULT_ADDRESS,
          ready));
  g_object_class_install_property (gobject_class, PROP_TOPIC,
      g_param_spec_string ("topic", "Topic", "method=mqtt: the topic to publish on",
          DEFAULT_TOPIC, ready));
  g_object_class_install_property (gobject_class, PROP_CLIENT_ID,
      g_param_spec_string ("client-id", "Client id",
          "method=mqtt: the client identifier; NULL: a random one", NULL, ready));
  g_object_class_install_property (gobject_class, PROP_QOS,
      g_param_spec_int ("qos", "QoS",
          "method=mqtt: quality of service: 0 at most once, 1 and 2 until the broker "
          "acknowledges (at least once across reconnections)", 0, 2, DEFAULT_QOS, ready));
  g_object_class_install_property (gobject_class, PROP_USERNAME,
      g_param_spec_string ("username", "Username", "method=mqtt: user name for the broker",
          NULL, ready));
  g_object_class_install_property (gobject_class, PROP_PASSWORD,
      g_param_spec_string ("password", "Password", "method=mqtt: password for the broker",
          NULL, ready));
  g_object_class_install_property (gobject_class, PROP_CA_FILE,
      g_param_spec_string ("ca-file", "CA file",
          "method=mqtt: PEM certificate(s) of the authority that signed the broker's "
          "certificate; set: connect with TLS", NULL, ready));
  g_object_class_install_property (gobject_class, PROP_CERT_FILE,
      g_param_spec_string ("cert-file", "Certificate file",
          "method=mqtt: PEM client certificate for TLS (with key-file)", NULL, ready));
  g_object_class_install_property (gobject_class, PROP_KEY_FILE,
      g_param_spec_string ("key-file", "Key file",
          "method=mqtt: PEM private key of cert-file (unencrypted)", NULL, ready));
  g_object_class_install_property (gobject_class, PROP_MAX_QUEUE,
      g_param_spec_uint ("max-queue", "Maximum queue",
          "method=mqtt: messages kept while the broker is slow or unreachable; beyond it the "
          "oldest are dropped", 1, G_MAXINT, DEFAULT_MAX_QUEUE, ready));
  g_object_class_install_property (gobject_class, PROP_MAX_RECONNECT_INTERVAL,
      g_param_spec_uint64 ("max-reconnect-interval", "Maximum reconnect interval",
          "method=mqtt: longest wait between two connection attempts, in nanoseconds, from 1 s "
          "to 1 h (libmosquitto waits whole seconds: rounded up)", GST_SECOND, 3600 * GST_SECOND,
          DEFAULT_MAX_RECONNECT_INTERVAL, ready));
  g_object_class_install_property (gobject_class, PROP_FLUSH_TIMEOUT,
      g_param_spec_uint64 ("flush-timeout", "Flush timeout",
          "method=mqtt: how long EOS waits for the queued messages to be delivered, in "
          "nanoseconds", 0, G_MAXUINT64, DEFAULT_FLUSH_TIMEOUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SOURCE,
      g_param_spec_string ("source", "Source",
          "The \"source\" field of every message; NULL: the name of the upstream element",
          NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_INCLUDE_FEATURES,
      g_param_spec_boolean ("include-features", "Include features",
          "Write the pooled features a swinclassify with features=true attached, as arrays of "
          "numbers: \"features\" of the frame, and of each region's result",
          DEFAULT_INCLUDE_FEATURES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_DROPPED,
      g_param_spec_uint64 ("dropped", "Dropped",
          "method=mqtt: messages dropped because the queue was full, since the element started",
          0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_REFUSED,
      g_param_spec_uint64 ("refused", "Refused",
          "method=mqtt: messages that libmosquitto refused to send (e.g. over MQTT's 256 MiB), "
          "since the element started; the first posts a warning",
          0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_set_static_metadata (element_class, "Swin classification publisher",
      "Filter/Metadata/Video", "Publishes swinclassify results as JSON to a file or an MQTT "
      "broker; frames pass through", "swinclassify developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_type_mark_as_plugin_api (GST_TYPE_SWIN_PUBLISH_METHOD, 0);

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_swin_publish_change_state);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_swin_publish_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_swin_publish_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_swin_publish_set_caps);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_swin_publish_transform_ip);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_swin_publish_sink_event);
  trans_class->transform_ip_on_passthrough = TRUE;
  trans_class->passthrough_on_same_caps = TRUE;
}

static void
gst_swin_publish_init (GstSwinPublish *self)
{
  self->method = DEFAULT_METHOD;
  self->file_path = g_strdup (DEFAULT_FILE_PATH);
  self->address = g_strdup (DEFAULT_ADDRESS);
  self->topic = g_strdup (DEFAULT_TOPIC);
  self->qos = DEFAULT_QOS;
  self->max_queue = DEFAULT_MAX_QUEUE;
  self->max_reconnect_interval = DEFAULT_MAX_RECONNECT_INTERVAL;
  self->flush_timeout = DEFAULT_FLUSH_TIMEOUT;
  self->include_features = DEFAULT_INCLUDE_FEATURES;
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}
