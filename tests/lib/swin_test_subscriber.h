/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A libmosquitto subscriber that collects the messages it receives (from
 * a swin_test_broker.h broker). */
#pragma once

#include "swin_test_broker.h"

G_BEGIN_DECLS

typedef struct {
  struct mosquitto *mosq;
  gchar *topic;
  int qos;
  GMutex lock;
  GCond cond;
  GPtrArray *messages;   /* gchar *, NUL-terminated payloads in arrival order */
  guint subscriptions;   /* SUBACKs received */
} SwinTestSubscriber;

/* A subscriber to @topic at @qos on @b, subscribed when this returns (at
 * most 10 s).  @client_id non-NULL: a persistent session (clean_session
 * false) that the broker keeps, with the messages published meanwhile,
 * while the subscriber or the broker is away.  @ca_file/@cert_file/
 * @key_file: TLS (NULL: none). */
SwinTestSubscriber *swin_test_subscriber_new_tls (SwinTestBroker *b, const gchar *topic, int qos,
                                                  const gchar *client_id, const gchar *ca_file,
                                                  const gchar *cert_file, const gchar *key_file);

/* The same without TLS. */
SwinTestSubscriber *swin_test_subscriber_new (SwinTestBroker *b, const gchar *topic, int qos,
                                              const gchar *client_id);

/* Waits until @s has received @n messages, at most @timeout_s seconds;
 * the number received. */
guint swin_test_subscriber_wait (SwinTestSubscriber *s, guint n, double timeout_s);

/* The payloads received so far (a new array of copies). */
GPtrArray *swin_test_subscriber_take (SwinTestSubscriber *s);

/* Disconnects and frees @s. */
void swin_test_subscriber_free (SwinTestSubscriber *s);

G_END_DECLS
