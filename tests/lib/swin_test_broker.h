/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A `mosquitto` of the test's own on 127.0.0.1 and a free port, with its
 * config, persistence and log in a temporary directory: started, stopped
 * (SIGTERM or SIGKILL) and restarted on the same port.
 *
 * The broker dies with the test: it gets SIGKILL when the thread that
 * started it ends (PR_SET_PDEATHSIG), so a failed assertion, a crash or a
 * timeout never leaves one behind. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gchar *dir;
  gchar *conf;
  gchar *log;
  int port;
  GPid pid;   /* 0 while stopped */
} SwinTestBroker;

/* A TCP port on 127.0.0.1 that nothing listens on right now. */
int swin_test_free_port (void);

/* A broker configuration on a free port with @extra_conf (more config lines
 * or NULL; "@DIR@" in it stands for the broker's directory); not started.
 * Persistence is on, so that a persistent session (a subscriber with
 * clean_session false) survives a restart. */
SwinTestBroker *swin_test_broker_new (const gchar *extra_conf);

/* The broker's log, for failure messages; g_free() it. */
gchar *swin_test_broker_log (SwinTestBroker *b);

/* Starts the broker and waits (at most 10 s) until it accepts connections. */
void swin_test_broker_start (SwinTestBroker *b);

/* Stops the broker with @sig (SIGTERM: it saves its persistence file;
 * SIGKILL: a crash), even a frozen one, and reaps it; SIGKILL after 10 s. */
void swin_test_broker_stop (SwinTestBroker *b, int sig);

/* Stops the broker and deletes its directory. */
void swin_test_broker_free (SwinTestBroker *b);

/* "127.0.0.1:PORT" of @b; g_free() it. */
gchar *swin_test_broker_address (SwinTestBroker *b);

G_END_DECLS
