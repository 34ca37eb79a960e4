/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The runner: one worker thread per SwinNet that gathers the images of
 * waiting requests into batches, preprocesses and classifies each batch in
 * one submission, and hands every request its logits. */
#include "swin_net_private.h"
#include "swin/swin_cpu.h"

#include <string.h>

/* Plans are made for batches of 1, 2, 4 ... up to max_batch (and max_batch
 * itself): a batch runs on the smallest that holds it, padded. */
#define MAX_PLANS 16

typedef struct {
  SwinFrame frame;           /* points into @pixels */
  guint8 *pixels;
  SwinRect *rects;           /* n_images of them */
  int n_images;
  SwinPreprocessParams params;
  gboolean cpu;
  void *owner;
  SwinRunnerDone done;
  void *user_data;
  float *logits;             /* [n_images, classes] */
  int scheduled;             /* images given to a batch so far */
  int finished;              /* images whose logits are in */
  int running;               /* images in the batch now running */
  gboolean cancelled;
  GError *error;
  gint64 arrival;
} Request;

/* One image of a batch: image @index of @request. */
typedef struct {
  Request *request;
  int index;
} BatchItem;

struct _SwinRunner {
  SwinNet *net;
  int classes, height, width;
  int max_batch;
  gint64 timeout_us;
  GMutex lock;
  GCond cond;                /* the queue changed, or a batch ended */
  GQueue queue;              /* Request*, with images not yet scheduled */
  void **batch_owners;       /* owners of the batch running, until its callbacks returned */
  int n_batch;
  gboolean stop;
  GThread *worker;
  int n_plans;
  int plan_sizes[MAX_PLANS];
  SwinPlan *plans[MAX_PLANS];
  SwinPreprocessor *pps[MAX_PLANS];
  guint64 forwards, images;
};

static void
request_free (Request *r)
{
  g_free (r->pixels);
  g_free (r->rects);
  g_free (r->logits);
  g_clear_error (&r->error);
  g_free (r);
}

/* Calls @r's callback (without the runner's lock) and frees it. */
static void
request_complete (SwinRunner *runner, Request *r)
{
  if (r->cancelled && !r->error)
    g_set_error (&r->error, SWIN_ERROR, SWIN_ERROR_CANCELLED, "the request was withdrawn");
  r->done (r->error ? NULL : r->logits, r->n_images, r->error, r->user_data);
  request_free (r);
}

/* The smallest plan size that holds @n images. */
static int
plan_index (const SwinRunner *runner, int n)
{
  for (int i = 0; i < runner->n_plans; i++)
    if (runner->plan_sizes[i] >= n)
      return i;
  return runner->n_plans - 1;
}

static gboolean
ensure_plan (SwinRunner *runner, int i, GError **error)
{
  if (runner->plans[i])
    return TRUE;
  runner->plans[i] = swin_plan_new (runner->net, runner->plan_sizes[i], runner->height, runner->width,
                                    error);
  if (runner->plans[i])
    runner->pps[i] = swin_preprocessor_new (runner->plans[i], error);
  return runner->pps[i] != NULL;
}

/* Adds the batch's images to @pp: each frame once, then its images. */
static gboolean
fill (SwinRunner *runner, SwinPreprocessor *pp, const BatchItem *items, int n, GError **error)
{
  Request *last = NULL;
  int frame_index = -1;

  for (int i = 0; i < n; i++) {
    Request *r = items[i].request;
    const SwinRect *rect = &r->rects[items[i].index];

    if (r->cpu) {
      float *dst = swin_preprocessor_add_host_image (pp, error);
      if (!dst || !swin_cpu_preprocess_region (&r->frame, rect, &r->params, runner->height,
                                               runner->width, dst, error))
        return FALSE;
      continue;
    }
    if (r != last) {
      frame_index = swin_preprocessor_add_frame (pp, &r->frame, error);
      if (frame_index < 0)
        return FALSE;
      last = r;
    }
    if (!swin_preprocessor_add_image (pp, frame_index, rect, &r->params, error))
      return FALSE;
  }
  return TRUE;
}

/* Takes up to max_batch images from the queue, in order; a frame that does
 * not fit next to the others in one binding ends the batch early.  Called
 * with the lock held. */
static int
take_batch (SwinRunner *runner, BatchItem *items)
{
  guint64 bytes = 0;
  int n = 0;

  while (n < runner->max_batch && !g_queue_is_empty (&runner->queue)) {
    Request *r = g_queue_peek_head (&runner->queue);

    if (!r->cpu && r->scheduled == 0) {
      guint64 size = 0;
      for (int p = 0; p < swin_pixel_format_n_planes (r->frame.format); p++) {
        size_t row;
        int rows;
        swin_pixel_format_plane_size (r->frame.format, p, r->frame.width, r->frame.height, &row, &rows);
        size += (row + 3) / 4 * 4 * (guint64) rows;
      }
      if (n > 0 && bytes + size > runner->net->ctx->props.limits.maxStorageBufferRange)
        break;
      bytes += size;
    }
    while (n < runner->max_batch && r->scheduled < r->n_images) {
      runner->batch_owners[n] = r->owner;
      items[n++] = (BatchItem) { r, r->scheduled++ };
      r->running++;
    }
    if (r->scheduled == r->n_images)
      g_queue_pop_head (&runner->queue);
  }
  return n;
}

static void
run_batch (SwinRunner *runner, BatchItem *items, int n)
{
  int i = plan_index (runner, n);
  GError *error = NULL;
  GSList *complete = NULL;
  gboolean ok;

  ok = ensure_plan (runner, i, &error) && fill (runner, runner->pps[i], items, n, &error) &&
       swin_preprocessor_run (runner->pps[i], &error);
  if (!ok && runner->pps[i])
    swin_preprocessor_reset (runner->pps[i]);

  g_mutex_lock (&runner->lock);
  runner->forwards++;
  runner->images += n;
  for (int k = 0; k < n; k++) {
    Request *r = items[k].request;

    if (ok)
      memcpy (r->logits + (size_t) items[k].index * runner->classes,
              swin_plan_get_logits (runner->plans[i]) + (size_t) k * runner->classes,
              runner->classes * sizeof (float));
    else if (!r->error)
      r->error = g_error_copy (error);
    r->finished++;
    r->running--;
    /* A failed request gives up its images still waiting. */
    if (r->error && r->scheduled < r->n_images) {
      g_queue_remove (&runner->queue, r);
      r->finished += r->n_images - r->scheduled;
      r->scheduled = r->n_images;
    }
    if (r->finished == r->n_images)
      complete = g_slist_prepend (complete, r);
  }
  g_cond_broadcast (&runner->cond);
  g_mutex_unlock (&runner->lock);

  for (GSList *l = complete; l; l = l->next)
    request_complete (runner, l->data);
  g_slist_free (complete);
  g_clear_error (&error);

  g_mutex_lock (&runner->lock);
  runner->n_batch = 0;
  g_cond_broadcast (&runner->cond);
  g_mutex_unlock (&runner->lock);
}

/* Images waiting in the queue; called with the lock held. */
static int
waiting_images (SwinRunner *runner)
{
  int n = 0;

  for (GList *l = runner->queue.head; l && n < runner->max_batch; l = l->next) {
    Request *r = l->data;
    n += r->n_images - r->scheduled;
  }
  return n;
}

static gpointer
worker (gpointer data)
{
  SwinRunner *runner = data;
  BatchItem *items = g_new (BatchItem, runner->max_batch);

  g_mutex_lock (&runner->lock);
  while (!runner->stop) {
    int n;

    if (g_queue_is_empty (&runner->queue)) {
      g_cond_wait (&runner->cond, &runner->lock);
      continue;
    }
    /* Wait for the batch to fill, but never past the oldest request's
     * deadline; a full batch goes at once. */
    if (runner->timeout_us > 0 && waiting_images (runner) < runner->max_batch) {
      Request *oldest = g_queue_peek_head (&runner->queue);
      gint64 deadline = oldest->arrival + runner->timeout_us;

      if (g_get_monotonic_time () < deadline) {
        g_cond_wait_until (&runner->cond, &runner->lock, deadline);
        continue;
      }
    }
    n = runner->n_batch = take_batch (runner, items);
    g_mutex_unlock (&runner->lock);
    run_batch (runner, items, n);
    g_mutex_lock (&runner->lock);
  }
  g_mutex_unlock (&runner->lock);
  g_free (items);
  return NULL;
}

SwinRunner *
swin_runner_new (SwinNet *net, const SwinRunnerParams *params, GError **error)
{
  SwinRunner *runner;

  if (!net || !params || params->max_batch < 1 || params->max_batch > 1024 || params->batch_timeout_us < 0) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "a runner needs a net, a batch of 1 to 1024 "
                 "and a timeout >= 0");
    return NULL;
  }
  runner = g_new0 (SwinRunner, 1);
  runner->net = net;
  runner->classes = net->arch.num_classes;
  runner->height = runner->width = net->arch.img_size;
  runner->max_batch = params->max_batch;
  runner->timeout_us = params->batch_timeout_us;
  runner->batch_owners = g_new0 (void *, runner->max_batch);
  for (int b = 1; b < runner->max_batch && runner->n_plans < MAX_PLANS - 1; b *= 2)
    runner->plan_sizes[runner->n_plans++] = b;
  runner->plan_sizes[runner->n_plans++] = runner->max_batch;
  g_mutex_init (&runner->lock);
  g_cond_init (&runner->cond);
  g_queue_init (&runner->queue);
  /* The plan for one image now: the common case, and it checks that the
   * model runs at all before anything is queued. */
  if (!ensure_plan (runner, 0, error) ||
      !(runner->worker = g_thread_try_new ("swin-runner", worker, runner, error))) {
    swin_runner_free (runner);
    return NULL;
  }
  return runner;
}

void
swin_runner_free (SwinRunner *runner)
{
  Request *r;

  if (!runner)
    return;
  g_mutex_lock (&runner->lock);
  runner->stop = TRUE;
  g_cond_broadcast (&runner->cond);
  g_mutex_unlock (&runner->lock);
  if (runner->worker)
    g_thread_join (runner->worker);
  while ((r = g_queue_pop_head (&runner->queue))) {
    r->cancelled = TRUE;
    request_complete (runner, r);
  }
  for (int i = 0; i < runner->n_plans; i++) {
    swin_preprocessor_free (runner->pps[i]);
    swin_plan_free (runner->plans[i]);
  }
  g_cond_clear (&runner->cond);
  g_mutex_clear (&runner->lock);
  g_free (runner->batch_owners);
  g_free (runner);
}

/* A private copy of @f's planes, so that the caller may release the frame. */
static gboolean
copy_frame (Request *r, const SwinFrame *f, GError **error)
{
  size_t total = 0, offset = 0;

  for (int p = 0; p < swin_pixel_format_n_planes (f->format); p++) {
    size_t row;
    int rows;
    swin_pixel_format_plane_size (f->format, p, f->width, f->height, &row, &rows);
    total += row * rows;
  }
  r->pixels = g_try_malloc (MAX (total, 1));
  if (!r->pixels) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_OUT_OF_MEMORY, "out of memory copying a %dx%d frame",
                 f->width, f->height);
    return FALSE;
  }
  r->frame = *f;
  for (int p = 0; p < swin_pixel_format_n_planes (f->format); p++) {
    size_t row;
    int rows;
    swin_pixel_format_plane_size (f->format, p, f->width, f->height, &row, &rows);
    for (int y = 0; y < rows; y++)
      memcpy (r->pixels + offset + (size_t) y * row, f->data[p] + (size_t) y * f->stride[p], row);
    r->frame.data[p] = r->pixels + offset;
    r->frame.stride[p] = row;
    offset += row * rows;
  }
  return TRUE;
}

gboolean
swin_runner_submit (SwinRunner *runner, const SwinRunnerRequest *req, SwinRunnerDone done,
                    void *user_data, GError **error)
{
  Request *r;
  int n = req->rects ? req->n_rects : 1;

  if (!req->frame || !req->params || !done || n < 1 || !swin_preprocess_check (req->frame, req->params, error)) {
    if (error && !*error)
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "a request needs a frame, parameters, a "
                   "callback and at least one image");
    return FALSE;
  }
  r = g_new0 (Request, 1);
  r->n_images = n;
  r->rects = g_new (SwinRect, n);
  for (int i = 0; i < n; i++) {
    r->rects[i] = req->rects ? req->rects[i]
                             : (SwinRect) { 0, 0, req->frame->width, req->frame->height };
    if (!swin_preprocess_check_rect (&r->rects[i], req->frame->width, req->frame->height, error)) {
      request_free (r);
      return FALSE;
    }
  }
  r->params = *req->params;
  /* Frames too large to bind on this device are preprocessed on the CPU. */
  r->cpu = req->cpu_preprocess ||
           !swin_preprocessor_supports_size (runner->net->ctx, req->frame->format, req->frame->width,
                                             req->frame->height);
  r->owner = req->owner;
  r->done = done;
  r->user_data = user_data;
  r->logits = g_try_new (float, (size_t) n * runner->classes);
  if (!r->logits || !copy_frame (r, req->frame, error)) {
    if (!r->logits)
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_OUT_OF_MEMORY, "out of memory for %d results", n);
    request_free (r);
    return FALSE;
  }
  r->arrival = g_get_monotonic_time ();

  g_mutex_lock (&runner->lock);
  if (runner->stop) {
    g_mutex_unlock (&runner->lock);
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_CANCELLED, "the runner is stopped");
    request_free (r);
    return FALSE;
  }
  g_queue_push_tail (&runner->queue, r);
  g_cond_broadcast (&runner->cond);
  g_mutex_unlock (&runner->lock);
  return TRUE;
}

/* swin_runner_run()'s wait for its one request. */
typedef struct {
  GMutex lock;
  GCond cond;
  gboolean done;
  float *logits;
  int classes;
  GError *error;
} SyncWait;

static void
sync_done (const float *logits, int n_images, const GError *error, void *data)
{
  SyncWait *w = data;

  g_mutex_lock (&w->lock);
  if (error)
    w->error = g_error_copy (error);
  else
    memcpy (w->logits, logits, (size_t) n_images * w->classes * sizeof (float));
  w->done = TRUE;
  g_cond_signal (&w->cond);
  g_mutex_unlock (&w->lock);
}

gboolean
swin_runner_run (SwinRunner *runner, const SwinRunnerRequest *request, float *logits, GError **error)
{
  SyncWait w = { .logits = logits, .classes = runner->classes };
  gboolean ok;

  g_mutex_init (&w.lock);
  g_cond_init (&w.cond);
  ok = swin_runner_submit (runner, request, sync_done, &w, error);
  if (ok) {
    g_mutex_lock (&w.lock);
    while (!w.done)
      g_cond_wait (&w.cond, &w.lock);
    g_mutex_unlock (&w.lock);
    if (w.error) {
      g_propagate_error (error, w.error);
      ok = FALSE;
    }
  }
  g_cond_clear (&w.cond);
  g_mutex_clear (&w.lock);
  return ok;
}

void
swin_runner_cancel (SwinRunner *runner, void *owner)
{
  GSList *withdrawn = NULL;
  gboolean busy;

  g_mutex_lock (&runner->lock);
  for (GList *l = runner->queue.head; l;) {
    GList *next = l->next;
    Request *r = l->data;

    if (r->owner == owner) {
      r->cancelled = TRUE;
      g_queue_delete_link (&runner->queue, l);
      /* Its images already in a batch finish there; the rest are dropped. */
      r->finished += r->n_images - r->scheduled;
      r->scheduled = r->n_images;
      if (r->running == 0)
        withdrawn = g_slist_prepend (withdrawn, r);
    }
    l = next;
  }
  g_mutex_unlock (&runner->lock);
  for (GSList *l = withdrawn; l; l = l->next)
    request_complete (runner, l->data);
  g_slist_free (withdrawn);

  /* Then until the running batch holds no image of @owner: it calls its
   * requests' callbacks before it is cleared. */
  g_mutex_lock (&runner->lock);
  do {
    busy = FALSE;
    for (int i = 0; i < runner->n_batch && !busy; i++)
      busy = runner->batch_owners[i] == owner;
    if (busy)
      g_cond_wait (&runner->cond, &runner->lock);
  } while (busy);
  g_mutex_unlock (&runner->lock);
}

void
swin_runner_get_stats (SwinRunner *runner, guint64 *forwards, guint64 *images)
{
  g_mutex_lock (&runner->lock);
  if (forwards)
    *forwards = runner->forwards;
  if (images)
    *images = runner->images;
  g_mutex_unlock (&runner->lock);
}
