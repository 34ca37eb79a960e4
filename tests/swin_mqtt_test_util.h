/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers for the tests against a real MQTT broker (header-only): a
 * `mosquitto` of its own on 127.0.0.1 and a free port, with its config,
 * persistence and log in a temporary directory, started, stopped (SIGTERM
 * or SIGKILL) and restarted on the same port; and a libmosquitto subscriber
 * that collects the messages it receives.
 *
 * The broker dies with the test: it gets SIGKILL when the thread that
 * started it ends (PR_SET_PDEATHSIG), so a failed assertion, a crash or a
 * timeout never leaves one behind. */
#pragma once

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
  gchar *dir;
  gchar *conf;
  gchar *log;
  int port;
  GPid pid;   /* 0 while stopped */
} SwinTestBroker;

/* A TCP port on 127.0.0.1 that nothing listens on right now. */
static inline int
swin_test_free_port (void)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof (a);
  int fd = socket (AF_INET, SOCK_STREAM, 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &a, sizeof (a)), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &a, &len), ==, 0);
  close (fd);
  return ntohs (a.sin_port);
}

/* TRUE if something accepts connections on 127.0.0.1:@port. */
static inline gboolean
swin_test_port_open (int port)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port),
                           .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  gboolean open = connect (fd, (struct sockaddr *) &a, sizeof (a)) == 0;

  close (fd);
  return open;
}

/* A broker configuration on a free port with @extra_conf (more config lines
 * or NULL; "@DIR@" in it stands for the broker's directory); not started.
 * Persistence is on, so that a persistent session (a subscriber with
 * clean_session false) survives a restart. */
static inline SwinTestBroker *
swin_test_broker_new (const gchar *extra_conf)
{
  SwinTestBroker *b = g_new0 (SwinTestBroker, 1);
  GError *error = NULL;
  gchar **parts, *extra, *text;

  b->dir = g_dir_make_tmp ("swin-mqtt-XXXXXX", &error);
  g_assert_no_error (error);
  b->conf = g_build_filename (b->dir, "mosquitto.conf", NULL);
  b->log = g_build_filename (b->dir, "mosquitto.log", NULL);
  b->port = swin_test_free_port ();
  parts = g_strsplit (extra_conf ? extra_conf : "", "@DIR@", -1);
  extra = g_strjoinv (b->dir, parts);
  g_strfreev (parts);
  /* Running as root, mosquitto switches to the user "mosquitto" unless told
   * otherwise, and then cannot write its files in our directory. */
  text = g_strdup_printf ("listener %d 127.0.0.1\n"
                          "allow_anonymous true\n"
                          "persistence true\n"
                          "persistence_location %s/\n"
                          "log_dest file %s\n"
                          "log_type all\n"
                          "%s"
                          "%s\n",
                          b->port, b->dir, b->log, geteuid () == 0 ? "user root\n" : "", extra);
  g_assert_true (g_file_set_contents (b->conf, text, -1, &error));
  g_assert_no_error (error);
  g_free (text);
  g_free (extra);
  return b;
}

static inline void
swin_test_broker_child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* The broker's log, for failure messages; g_free() it. */
static inline gchar *
swin_test_broker_log (SwinTestBroker *b)
{
  gchar *text = NULL;

  if (!g_file_get_contents (b->log, &text, NULL, NULL))
    text = g_strdup ("(no log)");
  return text;
}

/* Starts the broker and waits (at most 10 s) until it accepts connections. */
static inline void
swin_test_broker_start (SwinTestBroker *b)
{
  const gchar *prog = g_getenv ("SWIN_TEST_MOSQUITTO");
  gchar *argv[] = { (gchar *) (prog ? prog : "mosquitto"), (gchar *) "-c", b->conf, NULL };
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  GError *error = NULL;

  g_assert_cmpint (b->pid, ==, 0);
  g_assert_true (g_spawn_async (NULL, argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH |
                                G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                swin_test_broker_child_setup, NULL, &b->pid, &error));
  g_assert_no_error (error);
  while (!swin_test_port_open (b->port)) {
    int status;

    if (waitpid (b->pid, &status, WNOHANG) == b->pid) {
      gchar *log = swin_test_broker_log (b);

      b->pid = 0;
      g_error ("mosquitto exited at start (status %d); its log:\n%s", status, log);
    }
    if (g_get_monotonic_time () > deadline)
      g_error ("mosquitto does not listen on port %d after 10 s", b->port);
    g_usleep (10 * 1000);
  }
}

/* Stops the broker with @sig (SIGTERM: it saves its persistence file;
 * SIGKILL: a crash), even a frozen one, and reaps it; SIGKILL after 10 s. */
static inline void
swin_test_broker_stop (SwinTestBroker *b, int sig)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  if (!b->pid)
    return;
  kill (b->pid, sig);
  kill (b->pid, SIGCONT);  /* in case it was frozen (SIGSTOP) */
  while (waitpid (b->pid, NULL, WNOHANG) != b->pid) {
    if (g_get_monotonic_time () > deadline) {
      kill (b->pid, SIGKILL);
      waitpid (b->pid, NULL, 0);
      break;
    }
    g_usleep (5 * 1000);
  }
  g_spawn_close_pid (b->pid);
  b->pid = 0;
}

/* Stops the broker and deletes its directory. */
static inline void
swin_test_broker_free (SwinTestBroker *b)
{
  GDir *d;
  const gchar *name;

  swin_test_broker_stop (b, SIGTERM);
  d = g_dir_open (b->dir, 0, NULL);
  while (d && (name = g_dir_read_name (d))) {
    gchar *path = g_build_filename (b->dir, name, NULL);

    g_unlink (path);
    g_free (path);
  }
  if (d)
    g_dir_close (d);
  g_rmdir (b->dir);
  g_free (b->dir);
  g_free (b->conf);
  g_free (b->log);
  g_free (b);
}

/* "127.0.0.1:PORT" of @b; g_free() it. */
static inline gchar *
swin_test_broker_address (SwinTestBroker *b)
{
  return g_strdup_printf ("127.0.0.1:%d", b->port);
}

/* ---- subscriber ---- */

typedef struct {
  struct mosquitto *mosq;
  gchar *topic;
  int qos;
  GMutex lock;
  GCond cond;
  GPtrArray *messages;   /* gchar *, NUL-terminated payloads in arrival order */
  guint subscriptions;   /* SUBACKs received */
} SwinTestSubscriber;

static inline void
swin_test_sub_on_connect (struct mosquitto *mosq, void *data, int rc)
{
  SwinTestSubscriber *s = data;

  /* (Again after every reconnection: harmless with a persistent session.) */
  if (rc == 0)
    mosquitto_subscribe (mosq, NULL, s->topic, s->qos);
}

static inline void
swin_test_sub_on_disconnect (struct mosquitto *mosq, void *data, int rc)
{
  /* libmosquitto 2.0's network thread gives up on a failed TLS read
   * (errno EPROTO) instead of reconnecting; see plugin/gstswinpublishmqtt.c. */
  if (rc == MOSQ_ERR_ERRNO && errno == EPROTO)
    errno = 0;
}

static inline void
swin_test_sub_on_subscribe (struct mosquitto *mosq, void *data, int mid, int n, const int *qos)
{
  SwinTestSubscriber *s = data;

  g_mutex_lock (&s->lock);
  s->subscriptions++;
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);
}

static inline void
swin_test_sub_on_message (struct mosquitto *mosq, void *data, const struct mosquitto_message *m)
{
  SwinTestSubscriber *s = data;

  g_mutex_lock (&s->lock);
  g_ptr_array_add (s->messages, g_strndup (m->payload, (gsize) m->payloadlen));
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);
}

/* A subscriber to @topic at @qos on @b, subscribed when this returns (at
 * most 10 s).  @client_id non-NULL: a persistent session (clean_session
 * false) that the broker keeps, with the messages published meanwhile,
 * while the subscriber or the broker is away.  @ca_file/@cert_file/
 * @key_file: TLS (NULL: none). */
static inline SwinTestSubscriber *
swin_test_subscriber_new_tls (SwinTestBroker *b, const gchar *topic, int qos,
                              const gchar *client_id, const gchar *ca_file,
                              const gchar *cert_file, const gchar *key_file)
{
  SwinTestSubscriber *s = g_new0 (SwinTestSubscriber, 1);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  mosquitto_lib_init ();
  s->topic = g_strdup (topic);
  s->qos = qos;
  s->messages = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  s->mosq = mosquitto_new (client_id, client_id == NULL, s);
  g_assert_nonnull (s->mosq);
  mosquitto_connect_callback_set (s->mosq, swin_test_sub_on_connect);
  mosquitto_subscribe_callback_set (s->mosq, swin_test_sub_on_subscribe);
  mosquitto_disconnect_callback_set (s->mosq, swin_test_sub_on_disconnect);
  mosquitto_message_callback_set (s->mosq, swin_test_sub_on_message);
  /* Back within a second of a broker restart. */
  mosquitto_reconnect_delay_set (s->mosq, 1, 1, false);
  if (ca_file)
    g_assert_cmpint (mosquitto_tls_set (s->mosq, ca_file, NULL, cert_file, key_file, NULL), ==,
                     MOSQ_ERR_SUCCESS);
  g_assert_cmpint (mosquitto_connect (s->mosq, "127.0.0.1", b->port, 60), ==, MOSQ_ERR_SUCCESS);
  g_assert_cmpint (mosquitto_loop_start (s->mosq), ==, MOSQ_ERR_SUCCESS);
  g_mutex_lock (&s->lock);
  while (s->subscriptions == 0)
    if (!g_cond_wait_until (&s->cond, &s->lock, deadline))
      g_error ("the test subscriber was not subscribed within 10 s");
  g_mutex_unlock (&s->lock);
  return s;
}

static inline SwinTestSubscriber *
swin_test_subscriber_new (SwinTestBroker *b, const gchar *topic, int qos, const gchar *client_id)
{
  return swin_test_subscriber_new_tls (b, topic, qos, client_id, NULL, NULL, NULL);
}

/* Waits until @s has received @n messages, at most @timeout_s seconds;
 * the number received. */
static inline guint
swin_test_subscriber_wait (SwinTestSubscriber *s, guint n, double timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  guint got;

  g_mutex_lock (&s->lock);
  while (s->messages->len < n)
    if (!g_cond_wait_until (&s->cond, &s->lock, deadline))
      break;
  got = s->messages->len;
  g_mutex_unlock (&s->lock);
  return got;
}

/* The payloads received so far (a new array of copies). */
static inline GPtrArray *
swin_test_subscriber_take (SwinTestSubscriber *s)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func (g_free);

  g_mutex_lock (&s->lock);
  for (guint i = 0; i < s->messages->len; i++)
    g_ptr_array_add (copy, g_strdup (g_ptr_array_index (s->messages, i)));
  g_mutex_unlock (&s->lock);
  return copy;
}

static inline void
swin_test_subscriber_free (SwinTestSubscriber *s)
{
  mosquitto_disconnect (s->mosq);
  mosquitto_loop_stop (s->mosq, false);
  mosquitto_destroy (s->mosq);
  g_ptr_array_unref (s->messages);
  g_cond_clear (&s->cond);
  g_mutex_clear (&s->lock);
  g_free (s->topic);
  g_free (s);
}
