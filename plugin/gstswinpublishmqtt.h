/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinpublish's MQTT output (libmosquitto): a bounded queue of messages that
 * libmosquitto's own network thread drains, so that publishing never waits
 * for the network.
 *
 * A message leaves the queue when it is delivered: for qos 0 when written to
 * the connection, for qos 1 when the broker acknowledged it (PUBACK), for
 * qos 2 at PUBCOMP.  Messages handed to the connection but not yet
 * acknowledged when it breaks are sent again after reconnecting, so with
 * qos >= 1 every message reaches the broker at least once, and a few may
 * reach it twice (a broker restart loses the broker's record of what it
 * already received).  When the queue is full, the oldest message not yet
 * handed to the connection is dropped (or the new one, if every queued
 * message is on the wire) and counted. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _GstSwinPublishMqtt GstSwinPublishMqtt;

typedef struct {
  const gchar *address;      /* "host:port", "[ipv6]:port" */
  const gchar *topic;
  const gchar *client_id;    /* NULL: libmosquitto makes one up */
  const gchar *username;     /* NULL: none */
  const gchar *password;
  const gchar *ca_file;      /* set: TLS, the broker's certificate checked against it */
  const gchar *cert_file;    /* client certificate and key (both or neither) */
  const gchar *key_file;
  gint qos;                  /* 0, 1, 2 */
  guint max_queue;           /* >= 1 */
  GstClockTime max_reconnect_interval;  /* ns, >= 1 s (rounded up to whole seconds) */
} GstSwinPublishMqttSettings;

/* Checks the settings (a topic libmosquitto would refuse to publish on is
 * refused here, with the reason), resolves the broker's host, and starts
 * connecting in the background.  A broker that does not answer yet is not an error: a
 * warning is posted on @owner's bus and the client retries with back-off
 * (1 s, 4 s, 9 s, ... up to max_reconnect_interval).  NULL with @error set
 * (GST_RESOURCE_ERROR) for a malformed address, an unknown host, TLS files
 * that cannot be read, or an unusable client.  Later failures (the broker
 * refusing the credentials, a TLS handshake that fails) are posted as errors
 * on @owner's bus and make gst_swin_publish_mqtt_failed() return TRUE. */
GstSwinPublishMqtt *gst_swin_publish_mqtt_new (GstElement *owner,
                                               const GstSwinPublishMqttSettings *settings,
                                               GError **error);

/* Queues @payload (@length bytes; ownership taken) and returns at once.
 * The first message dropped because the queue is full posts a warning, as
 * does the first one that libmosquitto refuses to send. */
void gst_swin_publish_mqtt_push (GstSwinPublishMqtt *mqtt, gchar *payload, gsize length);

/* Waits until every queued message is delivered, at most @timeout, or until
 * gst_swin_publish_mqtt_interrupt(); the number of messages left. */
guint gst_swin_publish_mqtt_flush (GstSwinPublishMqtt *mqtt, GstClockTime timeout);

/* Makes a running flush, and those that follow, return at once (@interrupt
 * TRUE) or wait again (FALSE). */
void gst_swin_publish_mqtt_set_interrupted (GstSwinPublishMqtt *mqtt, gboolean interrupt);

/* The messages lost so far: in *@dropped those dropped because the queue
 * was full, in *@refused those libmosquitto refused to send (e.g. too large
 * for MQTT). */
void gst_swin_publish_mqtt_get_losses (GstSwinPublishMqtt *mqtt, guint64 *dropped,
                                       guint64 *refused);

/* TRUE once an error that retrying cannot fix was posted. */
gboolean gst_swin_publish_mqtt_failed (GstSwinPublishMqtt *mqtt);

/* Disconnects, stops the network thread and frees everything; the number of
 * messages that were still queued (undelivered) in *@left.  Accepts NULL. */
void gst_swin_publish_mqtt_free (GstSwinPublishMqtt *mqtt, guint *left);

G_END_DECLS
