/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "swin_test_broker.h"

#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int
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
static gboolean
swin_test_port_open (int port)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port),
                           .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  gboolean open = connect (fd, (struct sockaddr *) &a, sizeof (a)) == 0;

  close (fd);
  return open;
}

SwinTestBroker *
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

/* In the broker, before exec: SIGKILL when the thread that started it ends. */
static void
swin_test_broker_child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

gchar *
swin_test_broker_log (SwinTestBroker *b)
{
  gchar *text = NULL;

  if (!g_file_get_contents (b->log, &text, NULL, NULL))
    text = g_strdup ("(no log)");
  return text;
}

void
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

void
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

void
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

gchar *
swin_test_broker_address (SwinTestBroker *b)
{
  return g_strdup_printf ("127.0.0.1:%d", b->port);
}
