/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The async worker (see gstswinworker.h): two frame slots, the one being
 * classified and the newest one waiting, swapped under one lock. */
#include "gstswinworker.h"

#include <string.h>

/* A job whose planes live in @pixels. */
typedef struct {
  GstSwinJob job;
  guint8 *pixels;
  gsize capacity;
} GstSwinWorkerSlot;

struct _GstSwinWorker {
  GstSwinWorkerFunc func;
  gpointer user_data;
  GThread *thread;

  GMutex lock;                    /* guards every field below */
  GCond cond;                     /* a frame was queued, or stopping */
  GCond idle_cond;                /* the worker finished a frame */
  gboolean stopping;
  gboolean failed;
  gboolean have_pending;
  gboolean busy;                  /* the thread is classifying `working` */
  GstSwinWorkerSlot pending;      /* newest frame waiting */
  GstSwinWorkerSlot working;      /* the frame being classified */
};

static gpointer
worker_thread (gpointer data)
{
  GstSwinWorker *w = data;

  g_mutex_lock (&w->lock);
  for (;;) {
    GstSwinWorkerSlot tmp;
    gboolean ok;

    while (!w->stopping && !w->have_pending)
      g_cond_wait (&w->cond, &w->lock);
    if (w->stopping)
      break;
    /* Take the newest frame; the streaming thread may queue the next one
     * into the other slot meanwhile. */
    tmp = w->working;
    w->working = w->pending;
    w->pending = tmp;
    w->have_pending = FALSE;
    w->busy = TRUE;
    g_mutex_unlock (&w->lock);

    ok = w->func (&w->working.job, w->user_data);

    g_mutex_lock (&w->lock);
    w->busy = FALSE;
    g_cond_broadcast (&w->idle_cond);
    if (!ok) {
      w->failed = TRUE;
      break;
    }
  }
  g_mutex_unlock (&w->lock);
  return NULL;
}

GstSwinWorker *
gst_swin_worker_new (GstSwinWorkerFunc func, gpointer user_data, GError **error)
{
  GstSwinWorker *w = g_new0 (GstSwinWorker, 1);

  w->func = func;
  w->user_data = user_data;
  g_mutex_init (&w->lock);
  g_cond_init (&w->cond);
  g_cond_init (&w->idle_cond);
  w->thread = g_thread_try_new ("swinclassify", worker_thread, w, error);
  if (!w->thread) {
    gst_swin_worker_free (w);
    return NULL;
  }
  return w;
}

void
gst_swin_worker_free (GstSwinWorker *w)
{
  if (!w)
    return;
  if (w->thread) {
    g_mutex_lock (&w->lock);
    w->stopping = TRUE;
    g_cond_signal (&w->cond);
    g_mutex_unlock (&w->lock);
    g_thread_join (w->thread);
  }
  g_free (w->pending.pixels);
  g_free (w->working.pixels);
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->cond);
  g_cond_clear (&w->idle_cond);
  g_free (w);
}

gboolean
gst_swin_worker_queue (GstSwinWorker *w, const GstSwinJob *job)
{
  const SwinFrame *frame = &job->frame;
  GstSwinWorkerSlot *p;
  gsize offset[3], row[3], total = 0;
  gint rows[3];
  gint n = swin_pixel_format_n_planes (frame->format);

  for (gint i = 0; i < n; i++) {
    swin_pixel_format_plane_size (frame->format, i, frame->width, frame->height, &row[i], &rows[i]);
    offset[i] = total;
    total += row[i] * rows[i];
  }

  /* The worker never touches the pending slot outside the lock. */
  g_mutex_lock (&w->lock);
  p = &w->pending;
  if (p->capacity < total) {
    g_free (p->pixels);
    p->pixels = g_try_malloc (total);
    p->capacity = p->pixels ? total : 0;
    if (!p->pixels) {
      w->have_pending = FALSE;
      g_mutex_unlock (&w->lock);
      return FALSE;
    }
  }
  p->job = *job;
  for (gint i = 0; i < n; i++) {
    for (gint y = 0; y < rows[i]; y++)
      memcpy (p->pixels + offset[i] + y * row[i], frame->data[i] + y * frame->stride[i], row[i]);
    p->job.frame.data[i] = p->pixels + offset[i];
    p->job.frame.stride[i] = row[i];
  }
  w->have_pending = TRUE;
  g_cond_signal (&w->cond);
  g_mutex_unlock (&w->lock);
  return TRUE;
}

void
gst_swin_worker_flush (GstSwinWorker *w)
{
  g_mutex_lock (&w->lock);
  w->have_pending = FALSE;
  g_mutex_unlock (&w->lock);
}

void
gst_swin_worker_drain (GstSwinWorker *w)
{
  g_mutex_lock (&w->lock);
  while ((w->have_pending || w->busy) && !w->failed)
    g_cond_wait (&w->idle_cond, &w->lock);
  g_mutex_unlock (&w->lock);
}

gboolean
gst_swin_worker_has_failed (GstSwinWorker *w)
{
  gboolean failed;

  g_mutex_lock (&w->lock);
  failed = w->failed;
  g_mutex_unlock (&w->lock);
  return failed;
}
