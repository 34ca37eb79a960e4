/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Makes GLib's locks visible to ThreadSanitizer, for the TSan build of the
 * tests only (tests/ci-stress.sh).
 *
 * On Linux, GLib implements GMutex, GCond and g_once_init_*() with futexes
 * and atomics inside libglib, which is not built with TSan: the sanitizer
 * sees neither the lock nor the ordering it gives, and reports every access
 * guarded by a GMutex (GST_OBJECT_LOCK included) as a race.  Linked into the
 * test program and exported, these definitions take the place of GLib's for
 * every caller (the program, GStreamer, the plugin), call GLib's, and tell
 * TSan what happened: acquire after taking a lock, release before dropping
 * it.  Likewise for GThreadPool (GStreamer's gst_element_call_async): a task
 * pushed happens before it runs; and for GStreamer's reference counts: an
 * unref happens before the last one.  No report is suppressed; only the
 * synchronisation is described. */
#include <glib.h>
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>
#include <stdio.h>
#include <stdlib.h>

static void (*real_mutex_lock) (GMutex *);
static gboolean (*real_mutex_trylock) (GMutex *);
static void (*real_mutex_unlock) (GMutex *);
static void (*real_cond_wait) (GCond *, GMutex *);
static gboolean (*real_cond_wait_until) (GCond *, GMutex *, gint64);
static gboolean (*real_once_init_enter) (volatile void *);
static void (*real_once_init_leave) (volatile void *, gsize);
static GThreadPool *(*real_thread_pool_new) (GFunc, gpointer, gint, gboolean, GError **);
static GThreadPool *(*real_thread_pool_new_full) (GFunc, gpointer, GDestroyNotify, gint, gboolean,
                                                  GError **);
static gboolean (*real_thread_pool_push) (GThreadPool *, gpointer, GError **);

/* GLib's definition of @name, looked up on first use: GLib's own
 * constructors lock mutexes before this program's could run.  Racing
 * lookups store the same value; the atomics keep that out of the reports. */
static void *
real (void **slot, const char *name)
{
  void *f = __atomic_load_n (slot, __ATOMIC_RELAXED);

  if (!f) {
    f = dlsym (RTLD_NEXT, name);
    if (!f) {
      fprintf (stderr, "tsan_glib_sync: %s not found\n", name);
      abort ();
    }
    __atomic_store_n (slot, f, __ATOMIC_RELAXED);
  }
  return f;
}

#define REAL(var, name) ((__typeof__ (var)) real ((void **) &(var), name))

void
g_mutex_lock (GMutex *mutex)
{
  REAL (real_mutex_lock, "g_mutex_lock") (mutex);
  __tsan_acquire (mutex);
}

gboolean
g_mutex_trylock (GMutex *mutex)
{
  gboolean taken = REAL (real_mutex_trylock, "g_mutex_trylock") (mutex);

  if (taken)
    __tsan_acquire (mutex);
  return taken;
}

void
g_mutex_unlock (GMutex *mutex)
{
  __tsan_release (mutex);
  REAL (real_mutex_unlock, "g_mutex_unlock") (mutex);
}

/* The wait drops and retakes @mutex inside GLib. */
void
g_cond_wait (GCond *cond, GMutex *mutex)
{
  __tsan_release (mutex);
  REAL (real_cond_wait, "g_cond_wait") (cond, mutex);
  __tsan_acquire (mutex);
}

gboolean
g_cond_wait_until (GCond *cond, GMutex *mutex, gint64 end_time)
{
  gboolean signalled;

  __tsan_release (mutex);
  signalled = REAL (real_cond_wait_until, "g_cond_wait_until") (cond, mutex, end_time);
  __tsan_acquire (mutex);
  return signalled;
}

/* The inline fast path of g_once_init_enter() is an (instrumented) atomic
 * load of @location; the store that publishes it is in GLib. */
gboolean
(g_once_init_enter) (volatile void *location)
{
  gboolean first = REAL (real_once_init_enter, "g_once_init_enter") (location);

  __tsan_acquire ((void *) location);
  return first;
}

void
(g_once_init_leave) (volatile void *location, gsize result)
{
  __tsan_release ((void *) location);
  REAL (real_once_init_leave, "g_once_init_leave") (location, result);
}

/* GThreadPool hands a task to a pool thread through a GAsyncQueue inside
 * GLib: release on push, acquire when the task starts, keyed by the task's
 * data pointer.  The pool's function is wrapped for that. */
typedef struct {
  GFunc func;
  gpointer user_data;
} PoolFunc;

static void
pool_trampoline (gpointer data, gpointer user_data)
{
  PoolFunc *pf = user_data;

  __tsan_acquire (data);
  pf->func (data, pf->user_data);
}

/* Lives as long as the pool; pools here live until exit. */
static PoolFunc *
pool_func_new (GFunc func, gpointer user_data)
{
  PoolFunc *pf = g_new (PoolFunc, 1);

  pf->func = func;
  pf->user_data = user_data;
  return pf;
}

GThreadPool *
g_thread_pool_new (GFunc func, gpointer user_data, gint max_threads, gboolean exclusive,
                   GError **error)
{
  return REAL (real_thread_pool_new, "g_thread_pool_new") (
      pool_trampoline, pool_func_new (func, user_data), max_threads, exclusive, error);
}

GThreadPool *
g_thread_pool_new_full (GFunc func, gpointer user_data, GDestroyNotify item_free_func,
                        gint max_threads, gboolean exclusive, GError **error)
{
  return REAL (real_thread_pool_new_full, "g_thread_pool_new_full") (
      pool_trampoline, pool_func_new (func, user_data), item_free_func, max_threads, exclusive,
      error);
}

gboolean
g_thread_pool_push (GThreadPool *pool, gpointer data, GError **error)
{
  __tsan_release (data);
  return REAL (real_thread_pool_push, "g_thread_pool_push") (pool, data, error);
}

/* GStreamer's reference counts are atomics inside libgstreamer, which is
 * not instrumented either: a reference dropped in one thread happens
 * before the last one, which frees the object, in another (async mode: a
 * buffer lent to the runner's thread, read and released there, freed by
 * the streaming thread).  Every unref releases what the thread did with the
 * object and acquires what the others did before theirs. */
static void (*real_mini_object_unref) (gpointer);

void gst_mini_object_unref (gpointer mini_object);

void
gst_mini_object_unref (gpointer mini_object)
{
  __tsan_release (mini_object);
  __tsan_acquire (mini_object);
  REAL (real_mini_object_unref, "gst_mini_object_unref") (mini_object);
}
