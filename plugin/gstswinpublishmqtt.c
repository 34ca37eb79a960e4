/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The MQTT output: our bounded queue in front of libmosquitto.
 *
 * The queue holds [in flight ...][pending ...]: the first n_in_flight
 * messages were handed to libmosquitto (mosquitto_publish) and wait for
 * on_publish; the rest wait for room in the window.  Only a window of
 * messages is handed over because libmosquitto's own queue is unbounded and
 * a message in it cannot be taken back; the window equals libmosquitto's
 * send maximum, so everything handed over is really on the wire.
 *
 * libmosquitto keeps qos >= 1 messages across a lost connection and sends
 * them again (with the DUP flag) after reconnecting; we keep them in flight
 * and let it.  qos 0 packets not yet written are discarded by libmosquitto
 * when it reconnects, so on a disconnect they go back to pending.
 *
 * Locking: `lock` guards the queue and the flags.  libmosquitto calls our
 * callbacks from its thread holding only its callback mutex, and
 * mosquitto_publish() takes none that a callback holds, so calling it under
 * `lock` (needed: on_publish for a message may run before mosquitto_publish
 * returns its mid) cannot deadlock.  Bus messages are posted after `lock`
 * is released: a bus sync handler may read our properties. */
#include "gstswinpublishmqtt.h"

#include <errno.h>
#include <mosquitto.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

GST_DEBUG_CATEGORY_STATIC (gst_swin_publish_mqtt_debug);
#define GST_CAT_DEFAULT gst_swin_publish_mqtt_debug

/* libmosquitto's default send maximum: messages on the wire at a time. */
#define MAX_WINDOW 20
#define KEEPALIVE_S 60

typedef struct {
  gchar *payload;
  gsize length;
  int mid;
} Message;

struct _GstSwinPublishMqtt {
  GstElement *owner;
  struct mosquitto *mosq;
  gchar *host;
  int port;
  gchar *topic;
  gint qos;
  guint max_queue;
  guint window;

  GMutex lock;
  GCond delivered;        /* signalled when the queue empties */
  GQueue queue;           /* of Message */
  guint n_in_flight;
  gboolean connected;
  gboolean ever_connected;
  gboolean outage_warned; /* one warning per outage */
  gboolean drop_warned;   /* one warning per start */
  gboolean refuse_warned; /* one warning per start */
  gboolean failed;
  gboolean interrupted;
  gboolean stopping;
  gboolean loop_running;  /* callbacks now come from libmosquitto's thread */
  gchar *last_error;      /* libmosquitto's last error or warning log */
  guint64 dropped;
  guint64 refused;        /* by mosquitto_publish, for good */
};

static void
message_free (Message *m)
{
  g_free (m->payload);
  g_free (m);
}

static gboolean
parse_address (const gchar *address, gchar **host, int *port, GError **error)
{
  const gchar *colon, *port_str;
  gchar *end = NULL;
  guint64 p;

  if (!address || !*address)
    goto bad;
  if (address[0] == '[') {
    /* [IPv6]:port */
    const gchar *close = strchr (address, ']');

    if (!close || close[1] != ':' || close == address + 1)
      goto bad;
    *host = g_strndup (address + 1, close - address - 1);
    port_str = close + 2;
  } else {
    colon = strrchr (address, ':');
    if (!colon || colon == address || strchr (address, ':') != colon)
      goto bad;
    *host = g_strndup (address, colon - address);
    port_str = colon + 1;
  }
  if (!g_ascii_isdigit (*port_str) || !(p = g_ascii_strtoull (port_str, &end, 10)) || *end ||
      p > 65535) {
    g_clear_pointer (host, g_free);
    goto bad;
  }
  *port = (int) p;
  return TRUE;

bad:
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
               "Invalid MQTT broker address \"%s\": expected host:port with a port from 1 to "
               "65535 (e.g. localhost:1883, [::1]:1883)", address ? address : "");
  return FALSE;
}

/* A host name that does not resolve is a setting to fix, not a broker to
 * wait for. */
static gboolean
check_host (const gchar *host, GError **error)
{
  struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
  struct addrinfo *found = NULL;
  int rc = getaddrinfo (host, NULL, &hints, &found);

  if (rc != 0) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
                 "Cannot resolve the MQTT broker's host \"%s\": %s", host,
                 rc == EAI_SYSTEM ? g_strerror (errno) : gai_strerror (rc));
    return FALSE;
  }
  freeaddrinfo (found);
  return TRUE;
}

/* @topic quoted for a message: at most its first 64 bytes, everything but
 * printable ASCII as C escapes. */
static gchar *
quote_topic (const gchar *topic)
{
  gsize len = strlen (topic);
  gchar *prefix = g_strndup (topic, MIN (len, 64));
  gchar *escaped = g_strescape (prefix, NULL);
  gchar *quoted = g_strdup_printf ("\"%s\"%s", escaped, len > 64 ? "..." : "");

  g_free (escaped);
  g_free (prefix);
  return quoted;
}

/* Why libmosquitto refuses the characters of @topic (of a valid length,
 * without wildcards), asking it about each character. */
static gchar *
topic_characters_problem (const gchar *topic)
{
  const gchar *end;

  if (!g_utf8_validate (topic, -1, &end))
    return g_strdup_printf ("it is not valid UTF-8 (at byte %d)", (int) (end - topic));
  for (const gchar *p = topic; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (mosquitto_validate_utf8 (p, (int) (g_utf8_next_char (p) - p)) != MOSQ_ERR_SUCCESS)
      return g_strdup_printf ("it contains the %s U+%04X at byte %d, which MQTT forbids",
                              g_unichar_iscntrl (c) ? "control character"
                                                    : "Unicode non-character", c,
                              (int) (p - topic));
  }
  return g_strdup ("libmosquitto refuses it");
}

/* libmosquitto refuses every message on a topic that is empty, over 65535
 * bytes, with a wildcard, not UTF-8, or with U+0000, a control character
 * (U+0001..U+001F, U+007F..U+009F) or a Unicode non-character: refuse it
 * here, with the reason, instead of losing every message.  The verdict is
 * libmosquitto's own. */
static gboolean
check_topic (const gchar *topic, GError **error)
{
  gsize len = topic ? strlen (topic) : 0;
  const gchar *wildcard;
  gchar *why, *quoted;

  if (len > 0 && mosquitto_pub_topic_check (topic) == MOSQ_ERR_SUCCESS &&
      mosquitto_validate_utf8 (topic, (int) len) == MOSQ_ERR_SUCCESS)
    return TRUE;
  if (len == 0)
    why = g_strdup ("it is empty");
  else if (len > 65535)
    why = g_strdup_printf ("it is %" G_GSIZE_FORMAT " bytes long, over MQTT's limit of 65535 "
                           "bytes", len);
  else if ((wildcard = strpbrk (topic, "+#")))
    why = g_strdup_printf ("it contains the wildcard '%c' (only subscriptions take wildcards)",
                           *wildcard);
  else
    why = topic_characters_problem (topic);
  quoted = quote_topic (topic ? topic : "");
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
               "Invalid MQTT topic %s: %s", quoted, why);
  g_free (quoted);
  g_free (why);
  return FALSE;
}

static gboolean
check_readable (const gchar *what, const gchar *path, GError **error)
{
  if (path && access (path, R_OK) != 0) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
                 "Cannot read the %s \"%s\": %s", what, path, g_strerror (errno));
    return FALSE;
  }
  return TRUE;
}

/* Hands pending messages to libmosquitto while connected and the window
 * has room.  Called with the lock held.  The warning to post, after
 * unlocking, about the first message libmosquitto refused, or NULL. */
static gchar *
pump_locked (GstSwinPublishMqtt *m)
{
  gchar *warning = NULL;

  while (m->connected && m->n_in_flight < m->window) {
    Message *msg = g_queue_peek_nth (&m->queue, m->n_in_flight);
    int mid = 0, rc;

    if (!msg)
      break;
    rc = mosquitto_publish (m->mosq, &mid, m->topic, (int) msg->length, msg->payload, m->qos,
                            false);
    /* With qos >= 1, NO_CONN (the connection broke before our
     * on_disconnect ran) still queues the message inside libmosquitto,
     * which sends it after reconnecting. */
    if (rc == MOSQ_ERR_SUCCESS || (rc == MOSQ_ERR_NO_CONN && m->qos > 0)) {
      msg->mid = mid;
      m->n_in_flight++;
    } else if (rc == MOSQ_ERR_NO_CONN) {
      break;  /* qos 0: sent after reconnecting */
    } else {
      /* Refused for good (e.g. larger than MQTT allows): lost. */
      GST_WARNING_OBJECT (m->owner, "libmosquitto refused a message of %" G_GSIZE_FORMAT
                          " bytes: %s", msg->length, mosquitto_strerror (rc));
      if (!m->refuse_warned)
        warning = g_strdup_printf ("libmosquitto refused to send a message of %" G_GSIZE_FORMAT
                                   " bytes (%s): it is lost; the \"refused\" property counts "
                                   "such messages", msg->length, mosquitto_strerror (rc));
      m->refuse_warned = TRUE;
      g_queue_pop_nth (&m->queue, m->n_in_flight);
      message_free (msg);
      m->refused++;
    }
  }
  return warning;
}

/* Posts (and frees) a warning from pump_locked(), if any; without the lock. */
static void
post_refusal (GstSwinPublishMqtt *m, gchar *warning)
{
  if (warning)
    GST_ELEMENT_WARNING (m->owner, RESOURCE, WRITE, ("%s", warning), (NULL));
  g_free (warning);
}

/* libmosquitto's network thread ends for good after some errors (see
 * mosquitto_loop_forever) without telling anyone; a thread-local value set
 * from our callbacks tells us when it ends. */
static void
network_thread_ended (gpointer data)
{
  GstSwinPublishMqtt *m = data;
  gboolean report;
  gchar *why;

  g_mutex_lock (&m->lock);
  report = !m->stopping && !m->failed;
  m->failed = TRUE;
  g_cond_broadcast (&m->delivered);
  why = g_strdup (m->last_error ? m->last_error : "unknown error");
  g_mutex_unlock (&m->lock);
  if (report)
    GST_ELEMENT_ERROR (m->owner, RESOURCE, WRITE,
        ("The connection to the MQTT broker %s:%d failed for good: %s", m->host, m->port, why),
        (NULL));
  g_free (why);
}

static GPrivate network_thread = G_PRIVATE_INIT (network_thread_ended);

/* Called first in every callback. */
static void
watch_network_thread (GstSwinPublishMqtt *m)
{
  if (m->loop_running && !g_private_get (&network_thread))
    g_private_set (&network_thread, m);
}

static void
on_connect (struct mosquitto *mosq, void *data, int rc)
{
  GstSwinPublishMqtt *m = data;
  gboolean report;
  gchar *refusal;

  watch_network_thread (m);
  if (rc != 0) {
    /* Refused (bad credentials, client id not allowed ...): retrying
     * will not help. */
    g_mutex_lock (&m->lock);
    report = !m->failed;
    m->failed = TRUE;
    g_cond_broadcast (&m->delivered);
    g_mutex_unlock (&m->lock);
    if (report)
      GST_ELEMENT_ERROR (m->owner, RESOURCE, OPEN_WRITE,
          ("The MQTT broker %s:%d refused the connection: %s", m->host, m->port,
           mosquitto_connack_string (rc)), (NULL));
    return;
  }
  g_mutex_lock (&m->lock);
  report = m->outage_warned;
  m->connected = TRUE;
  m->ever_connected = TRUE;
  m->outage_warned = FALSE;
  refusal = pump_locked (m);
  GST_INFO_OBJECT (m->owner, "connected to %s:%d, %u messages queued", m->host, m->port,
                   m->queue.length);
  g_mutex_unlock (&m->lock);
  post_refusal (m, refusal);
  if (report)
    GST_ELEMENT_INFO (m->owner, RESOURCE, OPEN_WRITE,
        ("Connected to the MQTT broker %s:%d", m->host, m->port), (NULL));
}

/* The errors after which libmosquitto's network thread gives up (see
 * mosquitto_loop_forever). */
static gboolean
is_fatal (int rc)
{
  switch (rc) {
    case MOSQ_ERR_NOMEM: case MOSQ_ERR_PROTOCOL: case MOSQ_ERR_INVAL: case MOSQ_ERR_NOT_FOUND:
    case MOSQ_ERR_TLS: case MOSQ_ERR_PAYLOAD_SIZE: case MOSQ_ERR_NOT_SUPPORTED: case MOSQ_ERR_AUTH:
    case MOSQ_ERR_ACL_DENIED: case MOSQ_ERR_UNKNOWN: case MOSQ_ERR_EAI: case MOSQ_ERR_PROXY:
      return TRUE;
    default:
      return FALSE;
  }
}

/* A TLS handshake refused over certificates (the broker's is not trusted,
 * or the broker refuses ours) fails the same way on every retry.
 * libmosquitto 2.0.11 reports it from the first, blocking connect; 2.0.21
 * from its network thread as an I/O error (EPROTO), which is otherwise
 * retried, with OpenSSL's reason in the log. */
static gboolean
is_trust_failure (int rc, int err, const gchar *log)
{
  return rc == MOSQ_ERR_ERRNO && err == EPROTO && log && strstr (log, "OpenSSL Error") &&
         (strstr (log, "certificate") || strstr (log, "unknown ca"));
}

static void
on_disconnect (struct mosquitto *mosq, void *data, int rc)
{
  GstSwinPublishMqtt *m = data;
  int err = errno;
  gboolean warn, fatal, was_connected;
  guint queued;
  gchar *why;

  watch_network_thread (m);
  g_mutex_lock (&m->lock);
  m->connected = FALSE;
  if (m->qos == 0)
    m->n_in_flight = 0;
  fatal = rc != MOSQ_ERR_SUCCESS && !m->stopping && !m->failed &&
          (is_fatal (rc) || is_trust_failure (rc, err, m->last_error));
  if (fatal) {
    m->failed = TRUE;
    g_cond_broadcast (&m->delivered);
  }
  warn = rc != MOSQ_ERR_SUCCESS && !m->stopping && !fatal && !m->outage_warned && !m->failed;
  if (warn)
    m->outage_warned = TRUE;
  queued = m->queue.length;
  was_connected = m->ever_connected;
  /* OpenSSL's reason says more than "Error: Protocol error" (libmosquitto
   * 2.0.11) or "A TLS error occurred" (2.0.21, once it stops retrying). */
  if (rc == MOSQ_ERR_ERRNO && err == EPROTO && m->last_error)
    why = g_strdup (m->last_error);
  else if (rc == MOSQ_ERR_TLS && m->last_error)
    why = g_strdup_printf ("%s: %s", mosquitto_strerror (rc), m->last_error);
  else
    why = g_strdup (mosquitto_strerror (rc));
  g_mutex_unlock (&m->lock);

  if (fatal)
    GST_ELEMENT_ERROR (m->owner, RESOURCE, WRITE,
        ("Connection to the MQTT broker %s:%d failed: %s", m->host, m->port, why), (NULL));
  else if (warn)
    GST_ELEMENT_WARNING (m->owner, RESOURCE, WRITE,
        ("%s the MQTT broker %s:%d (%s); retrying, %u messages queued",
         was_connected ? "Lost the connection to" : "Cannot connect to", m->host, m->port, why,
         queued), (NULL));
  g_free (why);
  /* libmosquitto 2.0 turns every failed TLS read (the broker restarting,
   * or down during a reconnection) into errno EPROTO, on which its network
   * thread gives up instead of reconnecting (its issues #2825, #3258).  It
   * checks errno right after this callback: clear it, so that a lost TLS
   * connection is retried like a plain one. */
  if (rc == MOSQ_ERR_ERRNO && err == EPROTO && !fatal)
    errno = 0;
}

static void
on_publish (struct mosquitto *mosq, void *data, int mid)
{
  GstSwinPublishMqtt *m = data;
  GList *l;
  gchar *refusal;

  watch_network_thread (m);
  g_mutex_lock (&m->lock);
  l = m->queue.head;
  for (guint i = 0; i < m->n_in_flight && l; i++, l = l->next) {
    Message *msg = l->data;

    if (msg->mid == mid) {
      message_free (msg);
      g_queue_delete_link (&m->queue, l);
      m->n_in_flight--;
      break;
    }
  }
  refusal = pump_locked (m);
  if (m->queue.length == 0)
    g_cond_broadcast (&m->delivered);
  g_mutex_unlock (&m->lock);
  post_refusal (m, refusal);
}

static void
on_log (struct mosquitto *mosq, void *data, int level, const char *text)
{
  GstSwinPublishMqtt *m = data;

  watch_network_thread (m);
  if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING)) {
    GST_WARNING_OBJECT (m->owner, "libmosquitto: %s", text);
    g_mutex_lock (&m->lock);
    g_free (m->last_error);
    m->last_error = g_strdup (text);
    g_mutex_unlock (&m->lock);
  } else {
    GST_LOG_OBJECT (m->owner, "libmosquitto: %s", text);
  }
}

static gpointer
init_once (gpointer data)
{
  GST_DEBUG_CATEGORY_INIT (gst_swin_publish_mqtt_debug, "swinpublish-mqtt", 0,
                           "swinpublish MQTT output");
  /* Process-wide and never undone: other users of libmosquitto in the
   * process may still need it. */
  mosquitto_lib_init ();
  return NULL;
}

static gboolean
mosq_check (int rc, const gchar *what, GError **error)
{
  if (rc != MOSQ_ERR_SUCCESS)
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, "%s: %s", what,
                 mosquitto_strerror (rc));
  return rc == MOSQ_ERR_SUCCESS;
}

GstSwinPublishMqtt *
gst_swin_publish_mqtt_new (GstElement *owner, const GstSwinPublishMqttSettings *s,
                           GError **error)
{
  static GOnce once = G_ONCE_INIT;
  /* libmosquitto's back-off is in whole seconds. */
  unsigned int reconnect_max_s =
      (unsigned int) MAX ((s->max_reconnect_interval + GST_SECOND - 1) / GST_SECOND, 1);
  GstSwinPublishMqtt *m;
  int rc, err;

  g_once (&once, init_once, NULL);
  m = g_new0 (GstSwinPublishMqtt, 1);
  m->owner = owner;
  m->qos = s->qos;
  m->max_queue = MAX (s->max_queue, 1);
  m->window = MIN (m->max_queue, MAX_WINDOW);
  g_mutex_init (&m->lock);
  g_cond_init (&m->delivered);
  g_queue_init (&m->queue);

  if (!parse_address (s->address, &m->host, &m->port, error) || !check_host (m->host, error))
    goto fail;
  if (!check_topic (s->topic, error))
    goto fail;
  m->topic = g_strdup (s->topic);
  if (!s->ca_file && (s->cert_file || s->key_file)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                 "TLS needs ca-file (the certificate authority that signed the broker's "
                 "certificate) when cert-file or key-file is set");
    goto fail;
  }
  if (!s->cert_file != !s->key_file) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                 "cert-file and key-file go together: set both or neither");
    goto fail;
  }
  if (!check_readable ("ca-file", s->ca_file, error) ||
      !check_readable ("cert-file", s->cert_file, error) ||
      !check_readable ("key-file", s->key_file, error))
    goto fail;

  /* A clean session: the broker keeps nothing for us between connections;
   * what is not acknowledged stays in our queue and libmosquitto's. */
  m->mosq = mosquitto_new (s->client_id, true, m);
  if (!m->mosq) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
                 "Cannot create an MQTT client: %s", g_strerror (errno));
    goto fail;
  }
  mosquitto_connect_callback_set (m->mosq, on_connect);
  mosquitto_disconnect_callback_set (m->mosq, on_disconnect);
  mosquitto_publish_callback_set (m->mosq, on_publish);
  mosquitto_log_callback_set (m->mosq, on_log);
  if (!mosq_check (mosquitto_int_option (m->mosq, MOSQ_OPT_SEND_MAXIMUM, (int) m->window),
                   "Cannot set the MQTT send maximum", error) ||
      !mosq_check (mosquitto_reconnect_delay_set (m->mosq, 1, reconnect_max_s, true),
                   "Cannot set the MQTT reconnect delay", error))
    goto fail;
  if (s->username &&
      !mosq_check (mosquitto_username_pw_set (m->mosq, s->username, s->password),
                   "Invalid MQTT username or password", error))
    goto fail;
  if (s->ca_file &&
      !mosq_check (mosquitto_tls_set (m->mosq, s->ca_file, NULL, s->cert_file, s->key_file, NULL),
                   "Cannot use the TLS files", error))
    goto fail;

  /* The first attempt works around two libmosquitto 2.0.11 bugs.  After a
   * connect_async refused at once, its network thread never retries (it
   * waits for a state that only a new connect call changes); a blocking
   * attempt, refused just as fast, leaves the state from which it retries.
   * With TLS, a non-blocking connect to a broker that is down spins the
   * network thread at full CPU without ever retrying, so TLS connects
   * blocking from the start (a broker that does not answer at all then
   * delays the start by the system's TCP connect timeout). */
  rc = s->ca_file ? MOSQ_ERR_ERRNO
                  : mosquitto_connect_async (m->mosq, m->host, m->port, KEEPALIVE_S);
  if (rc == MOSQ_ERR_ERRNO) {
    rc = mosquitto_connect (m->mosq, m->host, m->port, KEEPALIVE_S);
    err = errno;
    if (rc == MOSQ_ERR_ERRNO) {
      m->outage_warned = TRUE;
      GST_ELEMENT_WARNING (owner, RESOURCE, OPEN_WRITE,
          ("Cannot connect to the MQTT broker %s:%d (%s); retrying, messages are queued "
           "(at most %u)", m->host, m->port, g_strerror (err), m->max_queue), (NULL));
      rc = MOSQ_ERR_SUCCESS;
    }
  }
  if (rc != MOSQ_ERR_SUCCESS) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE,
                 "Cannot connect to the MQTT broker %s:%d: %s%s%s%s", m->host, m->port,
                 mosquitto_strerror (rc), m->last_error ? " (" : "",
                 m->last_error ? m->last_error : "", m->last_error ? ")" : "");
    goto fail;
  }
  m->loop_running = TRUE;
  rc = mosquitto_loop_start (m->mosq);
  if (!mosq_check (rc, "Cannot start the MQTT network thread", error))
    goto fail;
  return m;

fail:
  if (m->mosq)
    mosquitto_destroy (m->mosq);
  m->mosq = NULL;
  gst_swin_publish_mqtt_free (m, NULL);
  return NULL;
}

void
gst_swin_publish_mqtt_push (GstSwinPublishMqtt *m, gchar *payload, gsize length)
{
  Message *msg = g_new0 (Message, 1);
  gboolean first_drop = FALSE;
  gchar *refusal;

  msg->payload = payload;
  msg->length = length;
  g_mutex_lock (&m->lock);
  if (m->queue.length >= m->max_queue) {
    Message *old = m->queue.length > m->n_in_flight
                   ? g_queue_pop_nth (&m->queue, m->n_in_flight) : msg;

    message_free (old);
    if (old == msg)
      msg = NULL;
    m->dropped++;
    first_drop = !m->drop_warned;
    m->drop_warned = TRUE;
  }
  if (msg)
    g_queue_push_tail (&m->queue, msg);
  refusal = pump_locked (m);
  g_mutex_unlock (&m->lock);
  post_refusal (m, refusal);

  if (first_drop)
    GST_ELEMENT_WARNING (m->owner, RESOURCE, WRITE,
        ("The MQTT queue is full (max-queue=%u): dropping the oldest messages; the "
         "\"dropped\" property counts them", m->max_queue), (NULL));
}

guint
gst_swin_publish_mqtt_flush (GstSwinPublishMqtt *m, GstClockTime timeout)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) MIN (timeout / GST_USECOND, G_MAXINT64 / 2);
  guint left;

  g_mutex_lock (&m->lock);
  while (m->queue.length > 0 && !m->interrupted && !m->failed)
    if (!g_cond_wait_until (&m->delivered, &m->lock, deadline))
      break;
  left = m->queue.length;
  g_mutex_unlock (&m->lock);
  return left;
}

void
gst_swin_publish_mqtt_set_interrupted (GstSwinPublishMqtt *m, gboolean interrupt)
{
  g_mutex_lock (&m->lock);
  m->interrupted = interrupt;
  g_cond_broadcast (&m->delivered);
  g_mutex_unlock (&m->lock);
}

void
gst_swin_publish_mqtt_get_losses (GstSwinPublishMqtt *m, guint64 *dropped, guint64 *refused)
{
  g_mutex_lock (&m->lock);
  *dropped = m->dropped;
  *refused = m->refused;
  g_mutex_unlock (&m->lock);
}

gboolean
gst_swin_publish_mqtt_failed (GstSwinPublishMqtt *m)
{
  gboolean failed;

  g_mutex_lock (&m->lock);
  failed = m->failed;
  g_mutex_unlock (&m->lock);
  return failed;
}

void
gst_swin_publish_mqtt_free (GstSwinPublishMqtt *m, guint *left)
{
  if (left)
    *left = 0;
  if (!m)
    return;
  if (m->mosq) {
    g_mutex_lock (&m->lock);
    m->stopping = TRUE;
    g_mutex_unlock (&m->lock);
    /* Sends DISCONNECT if connected; either way the network thread sees the
     * state, leaves its loop (or its back-off sleep, which loop_stop
     * interrupts) and is joined. */
    mosquitto_disconnect (m->mosq);
    mosquitto_loop_stop (m->mosq, false);
    mosquitto_destroy (m->mosq);
  }
  if (left)
    *left = m->queue.length;
  g_queue_clear_full (&m->queue, (GDestroyNotify) message_free);
  g_cond_clear (&m->delivered);
  g_mutex_clear (&m->lock);
  g_free (m->last_error);
  g_free (m->topic);
  g_free (m->host);
  g_free (m);
}
