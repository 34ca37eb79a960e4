/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "swin_test_subscriber.h"

#include <errno.h>
#include <mosquitto.h>

static void
swin_test_sub_on_connect (struct mosquitto *mosq, void *data, int rc)
{
  SwinTestSubscriber *s = data;

  /* (Again after every reconnection: harmless with a persistent session.) */
  if (rc == 0)
    mosquitto_subscribe (mosq, NULL, s->topic, s->qos);
}

static void
swin_test_sub_on_disconnect (struct mosquitto *mosq, void *data, int rc)
{
  /* libmosquitto 2.0's network thread gives up on a failed TLS read
   * (errno EPROTO) instead of reconnecting; see plugin/gstswinpublishmqtt.c. */
  if (rc == MOSQ_ERR_ERRNO && errno == EPROTO)
    errno = 0;
}

static void
swin_test_sub_on_subscribe (struct mosquitto *mosq, void *data, int mid, int n, const int *qos)
{
  SwinTestSubscriber *s = data;

  g_mutex_lock (&s->lock);
  s->subscriptions++;
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);
}

static void
swin_test_sub_on_message (struct mosquitto *mosq, void *data, const struct mosquitto_message *m)
{
  SwinTestSubscriber *s = data;

  g_mutex_lock (&s->lock);
  g_ptr_array_add (s->messages, g_strndup (m->payload, (gsize) m->payloadlen));
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);
}

SwinTestSubscriber *
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

SwinTestSubscriber *
swin_test_subscriber_new (SwinTestBroker *b, const gchar *topic, int qos, const gchar *client_id)
{
  return swin_test_subscriber_new_tls (b, topic, qos, client_id, NULL, NULL, NULL);
}

guint
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

GPtrArray *
swin_test_subscriber_take (SwinTestSubscriber *s)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func (g_free);

  g_mutex_lock (&s->lock);
  for (guint i = 0; i < s->messages->len; i++)
    g_ptr_array_add (copy, g_strdup (g_ptr_array_index (s->messages, i)));
  g_mutex_unlock (&s->lock);
  return copy;
}

void
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
