/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The runner: one worker thread per SwinNet that gathers the images of
 * waiting requests into batches, preprocesses and classifies each batch in
 * one submission, and hands every request its logits.  Requests lend their
 * frames: the worker reads them in place, copying each at most once (into
 * the preprocessor's upload buffer). */
#include "swin_net_private.h"
#include "swin_preprocessor.h"
#include "swin_runner_private.h"
#include "swin/swin_cpu.h"

#include <string.h>

/* Plans are made for every batch of 1 to EXACT_PLANS images, then for 8,
 * 16 ... up to max_batch (and max_batch itself): a batch runs on the
 * smallest that holds it, padded.  Small batches get a plan of their own
 * size because a padded image costs a whole image's forward (three
 * streams sharing an instance would pay for four); larger ones share
 * plans to bound the memory. */
#define EXACT_PLANS 4
#define MAX_PLANS 16

typedef struct {
  SwinFrame frame;           /* the caller's, lent until released */
  SwinRect *rects;           /* n_images of them */
  int n_images;
  SwinPreprocessParams params;
  gboolean cpu;
  void *owner;
  SwinRunnerDone done;
  void *user_data;
  GDestroyNotify release;    /* NULL once called */
  void *release_data;
  float *logits;             /* [n_images, classes] */
  float *features;           /* [n_images, num_features], or NULL: not wanted */
  int scheduled;             /* images given to a batch so far */
  int filled;                /* images whose pixels were read */
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
  int classes, num_features, height, width;
  int max_batch;
  gint64 timeout_us;
  GMutex lock;
  GCond cond;                /* the queue or the producers changed, or a batch ended */
  GQueue queue;              /* Request*, with images not yet scheduled */
  GPtrArray *producers;      /* attached owners */
  void **batch_owners;       /* owners of the batch running, until its callbacks returned */
  int n_batch;
  gboolean stop;
  GThread *worker;
  int n_plans;
  int plan_sizes[MAX_PLANS];
  SwinPlan *plans[MAX_PLANS];
  SwinPreprocessor *pps[MAX_PLANS];
  SwinRunnerStats stats;      /* the lock */
};

static void
request_release (Request *r)
{
  GDestroyNotify release = r->release;

  r->release = NULL;
  if (release)
    release (r->release_data);
}

static void
request_free (Request *r)
{
  g_free (r->rects);
  g_free (r->logits);
  g_free (r->features);
  g_clear_error (&r->error);
  g_free (r);
}

/* Releases @r's frame, calls its callback (without the runner's lock) and
 * frees it. */
static void
request_complete (Request *r)
{
  SwinRunnerResult result = {
    .n_images = r->n_images,
    .preprocessed_on = r->cpu ? SWIN_PREPROCESSED_ON_CPU : SWIN_PREPROCESSED_ON_DEVICE,
  };

  request_release (r);
  if (r->cancelled && !r->error)
    g_set_error (&r->error, SWIN_ERROR, SWIN_ERROR_CANCELLED, "the request was withdrawn");
  result.logits = r->error ? NULL : r->logits;
  result.features = r->error ? NULL : r->features;
  result.error = r->error;
  r->done (&result, r->user_data);
  request_free (r);
}

static void
complete_all (GSList *requests)
{
  for (GSList *l = requests; l; l = l->next)
    request_complete (l->data);
  g_slist_free (requests);
}

/* Drops @r's images that no batch took, counting them as finished.
 * Called with the lock held. */
static void
drop_unscheduled (SwinRunner *runner, Request *r)
{
  g_queue_remove (&runner->queue, r);
  r->finished += r->n_images - r->scheduled;
  r->scheduled = r->n_images;
}

/* Withdraws @r's images that no batch took; returns whether it is done
 * (none of them running).  Called with the lock held. */
static gboolean
withdraw (SwinRunner *runner, Request *r)
{
  r->cancelled = TRUE;
  drop_unscheduled (runner, r);
  return r->running == 0;
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

/* Adds the batch's images to @pp: each frame once, then its images.  The
 * requests were checked when they were submitted. */
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
      frame_index = swin_preprocessor_upload_frame (pp, &r->frame, error);
      if (frame_index < 0)
        return FALSE;
      last = r;
    }
    swin_preprocessor_put_image (pp, frame_index, rect, &r->params);
  }
  return TRUE;
}

/* Takes up to max_batch images from the queue, in order; a frame that does
 * not fit next to the others into the preprocessor's binding ends the batch
 * early.  Called with the lock held. */
static int
take_batch (SwinRunner *runner, BatchItem *items)
{
  guint64 used = 0;
  int n = 0;

  while (n < runner->max_batch && !g_queue_is_empty (&runner->queue)) {
    Request *r = g_queue_peek_head (&runner->queue);

    /* A request not on the CPU fits alone (see swin_runner_submit()). */
    if (!r->cpu && !swin_preprocessor_fits (runner->net->ctx, r->frame.format, r->frame.width,
                                            r->frame.height, &used) && n > 0)
      break;
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
  GSList *read = NULL, *complete = NULL;
  guint64 frames[2] = { 0 }, bytes[2] = { 0 };
  gboolean filled, ok;

  filled = ensure_plan (runner, i, &error);
  if (filled) {
    swin_preprocessor_get_uploads (runner->pps[i], &frames[0], &bytes[0]);
    filled = fill (runner, runner->pps[i], items, n, &error);
    swin_preprocessor_get_uploads (runner->pps[i], &frames[1], &bytes[1]);
  }

  /* The frames read in full go back to their owners before the forward. */
  g_mutex_lock (&runner->lock);
  runner->stats.frames_uploaded += frames[1] - frames[0];
  runner->stats.bytes_uploaded += bytes[1] - bytes[0];
  for (int k = 0; filled && k < n; k++) {
    Request *r = items[k].request;
    if (++r->filled == r->n_images)
      read = g_slist_prepend (read, r);
  }
  g_mutex_unlock (&runner->lock);
  for (GSList *l = read; l; l = l->next)
    request_release (l->data);
  g_slist_free (read);

  ok = filled && swin_preprocessor_run (runner->pps[i], &error);
  if (!ok && runner->pps[i])
    swin_preprocessor_reset (runner->pps[i]);

  g_mutex_lock (&runner->lock);
  runner->stats.forwards++;
  runner->stats.images += n;
  for (int k = 0; k < n; k++) {
    Request *r = items[k].request;

    if (ok) {
      memcpy (r->logits + (size_t) items[k].index * runner->classes,
              swin_plan_get_logits (runner->plans[i]) + (size_t) k * runner->classes,
              runner->classes * sizeof (float));
      if (r->features)
        memcpy (r->features + (size_t) items[k].index * runner->num_features,
                swin_plan_get_features (runner->plans[i]) + (size_t) k * runner->num_features,
                runner->num_features * sizeof (float));
    } else if (!r->error)
      r->error = g_error_copy (error);
    r->finished++;
    r->running--;
    /* A failed request gives up its images still waiting. */
    if (r->error && r->scheduled < r->n_images)
      drop_unscheduled (runner, r);
    if (r->finished == r->n_images)
      complete = g_slist_prepend (complete, r);
  }
  g_mutex_unlock (&runner->lock);

  complete_all (complete);
  g_clear_error (&error);

  g_mutex_lock (&runner->lock);
  runner->n_batch = 0;
  g_cond_broadcast (&runner->cond);
  g_mutex_unlock (&runner->lock);
}

/* Whether the waiting requests make a batch that should go now without
 * waiting for more: it is full, or every attached producer has a request
 * waiting (a sync producer cannot add another before its result).  Called
 * with the lock held. */
static gboolean
batch_ready (SwinRunner *runner)
{
  int n = 0;

  for (GList *l = runner->queue.head; l && n < runner->max_batch; l = l->next) {
    Request *r = l->data;
    n += r->n_images - r->scheduled;
  }
  if (n >= runner->max_batch)
    return TRUE;
  /* without attached producers, nothing says who else may come */
  if (runner->producers->len == 0)
    return FALSE;
  for (guint p = 0; p < runner->producers->len; p++) {
    void *owner = g_ptr_array_index (runner->producers, p);
    gboolean waiting = FALSE;

    for (GList *l = runner->queue.head; l && !waiting; l = l->next)
      waiting = ((Request *) l->data)->owner == owner;
    if (!waiting)
      return FALSE;
  }
  return TRUE;
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
     * deadline. */
    if (runner->timeout_us > 0 && !batch_ready (runner)) {
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
  SwinRunnerParams p = params ? *params : (SwinRunnerParams) { 0 };
  SwinRunner *runner;

  g_return_val_if_fail (net != NULL, NULL);
  if (p.max_batch == 0)
    p.max_batch = 1;
  if (p.max_batch < 1 || p.max_batch > SWIN_RUNNER_MAX_BATCH ||
      p.batch_timeout_ns > (guint64) G_MAXINT64 / 2) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "a runner takes a batch of 1 to %d "
                 "images and a timeout of at most %" G_GINT64_FORMAT " ns", SWIN_RUNNER_MAX_BATCH,
                 G_MAXINT64 / 2);
    return NULL;
  }
  runner = g_new0 (SwinRunner, 1);
  runner->net = net;
  runner->classes = net->arch.num_classes;
  runner->num_features = SWIN_ARCH_NUM_FEATURES (&net->arch);
  runner->height = runner->width = net->arch.img_size;
  runner->max_batch = p.max_batch;
  runner->timeout_us = (gint64) (p.batch_timeout_ns / 1000);
  runner->batch_owners = g_new0 (void *, runner->max_batch);
  runner->producers = g_ptr_array_new ();
  for (int b = 1; b < runner->max_batch && runner->n_plans < MAX_PLANS - 1;
       b = b < EXACT_PLANS ? b + 1 : 2 * b)
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
  GSList *waiting = NULL;
  Request *r;

  if (!runner)
    return;
  g_mutex_lock (&runner->lock);
  runner->stop = TRUE;
  g_cond_broadcast (&runner->cond);
  g_mutex_unlock (&runner->lock);
  if (runner->worker)
    g_thread_join (runner->worker);
  while ((r = g_queue_peek_head (&runner->queue))) {
    withdraw (runner, r);
    waiting = g_slist_prepend (waiting, r);
  }
  complete_all (g_slist_reverse (waiting));
  for (int i = 0; i < runner->n_plans; i++) {
    swin_preprocessor_free (runner->pps[i]);
    swin_plan_free (runner->plans[i]);
  }
  g_cond_clear (&runner->cond);
  g_mutex_clear (&runner->lock);
  g_ptr_array_unref (runner->producers);
  g_free (runner->batch_owners);
  g_free (runner);
}

gboolean
swin_runner_submit (SwinRunner *runner, const SwinRunnerRequest *req, SwinRunnerDone done,
                    void *user_data, GError **error)
{
  GSList *replaced = NULL;
  guint64 used = 0;
  Request *r;
  int n;

  g_return_val_if_fail (runner != NULL && req != NULL && done != NULL, FALSE);
  g_return_val_if_fail (req->frame != NULL && req->params != NULL, FALSE);
  n = req->rects ? req->n_rects : 1;
  /* The one check of the request: the worker relies on it. */
  if (n < 1) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "a request needs at least one image");
    return FALSE;
  }
  if (!swin_preprocess_check (req->frame, req->params, error))
    return FALSE;
  for (int i = 0; req->rects && i < n; i++)
    if (!swin_preprocess_check_rect (&req->rects[i], req->frame->width, req->frame->height, error))
      return FALSE;

  r = g_new0 (Request, 1);
  r->frame = *req->frame;
  r->n_images = n;
  r->rects = g_new (SwinRect, n);
  for (int i = 0; i < n; i++)
    r->rects[i] = req->rects ? req->rects[i]
                             : (SwinRect) { 0, 0, req->frame->width, req->frame->height };
  r->params = *req->params;
  /* The one decision where an image is preprocessed: frames too large to
   * bind on this device go to the CPU. */
  r->cpu = req->cpu_preprocess ||
           !swin_preprocessor_fits (runner->net->ctx, r->frame.format, r->frame.width,
                                    r->frame.height, &used);
  r->owner = req->owner;
  r->done = done;
  r->user_data = user_data;
  r->logits = g_try_new (float, (size_t) n * runner->classes);
  if (req->want_features)
    r->features = g_try_new (float, (size_t) n * runner->num_features);
  if (!r->logits || (req->want_features && !r->features)) {
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
  if (req->replace_waiting) {
    for (GList *l = runner->queue.head; l;) {
      Request *old = l->data;

      l = l->next;
      if (old->owner == r->owner && old->scheduled == 0 && withdraw (runner, old))
        replaced = g_slist_prepend (replaced, old);
    }
  }
  r->release = req->release;
  r->release_data = req->release_data;
  g_queue_push_tail (&runner->queue, r);
  g_cond_broadcast (&runner->cond);
  g_mutex_unlock (&runner->lock);
  complete_all (replaced);
  return TRUE;
}

/* swin_runner_run()'s wait for its one request. */
typedef struct {
  GMutex lock;
  GCond cond;
  gboolean done;
  float *logits, *features;
  int classes, num_features;
  SwinPreprocessedOn preprocessed_on;
  GError *error;
} SyncWait;

static void
sync_done (const SwinRunnerResult *result, void *data)
{
  SyncWait *w = data;

  g_mutex_lock (&w->lock);
  if (result->error)
    w->error = g_error_copy (result->error);
  else {
    memcpy (w->logits, result->logits, (size_t) result->n_images * w->classes * sizeof (float));
    if (w->features)
      memcpy (w->features, result->features,
              (size_t) result->n_images * w->num_features * sizeof (float));
  }
  w->preprocessed_on = result->preprocessed_on;
  w->done = TRUE;
  g_cond_signal (&w->cond);
  g_mutex_unlock (&w->lock);
}

gboolean
swin_runner_run (SwinRunner *runner, const SwinRunnerRequest *request, float *logits,
                 SwinPreprocessedOn *preprocessed_on, GError **error)
{
  return swin_runner_run_full (runner, request, logits, NULL, preprocessed_on, error);
}

gboolean
swin_runner_run_full (SwinRunner *runner, const SwinRunnerRequest *request, float *logits,
                      float *features, SwinPreprocessedOn *preprocessed_on, GError **error)
{
  SwinRunnerRequest lent;
  SyncWait w = { .logits = logits, .features = features };
  gboolean ok;

  g_return_val_if_fail (runner != NULL && request != NULL && logits != NULL, FALSE);
  /* The caller's frame is read during this call only. */
  lent = *request;
  lent.release = NULL;
  lent.want_features = features != NULL;
  w.classes = runner->classes;
  w.num_features = runner->num_features;
  g_mutex_init (&w.lock);
  g_cond_init (&w.cond);
  ok = swin_runner_submit (runner, &lent, sync_done, &w, error);
  if (ok) {
    g_mutex_lock (&w.lock);
    while (!w.done)
      g_cond_wait (&w.cond, &w.lock);
    g_mutex_unlock (&w.lock);
    if (w.error) {
      g_propagate_error (error, w.error);
      ok = FALSE;
    }
    if (preprocessed_on)
      *preprocessed_on = w.preprocessed_on;
  }
  g_cond_clear (&w.cond);
  g_mutex_clear (&w.lock);
  return ok;
}

void
swin_runner_attach (SwinRunner *runner, void *owner)
{
  g_return_if_fail (runner != NULL);
  g_mutex_lock (&runner->lock);
  g_ptr_array_add (runner->producers, owner);
  g_mutex_unlock (&runner->lock);
}

void
swin_runner_withdraw (SwinRunner *runner, void *owner)
{
  GSList *withdrawn = NULL;

  g_return_if_fail (runner != NULL);
  g_mutex_lock (&runner->lock);
  for (GList *l = runner->queue.head; l;) {
    Request *r = l->data;

    l = l->next;
    /* Its images already in a batch finish there; the rest are dropped. */
    if (r->owner == owner && withdraw (runner, r))
      withdrawn = g_slist_prepend (withdrawn, r);
  }
  g_mutex_unlock (&runner->lock);
  complete_all (g_slist_reverse (withdrawn));
}

/* Whether a request of @owner waits or runs; called with the lock held. */
static gboolean
owner_busy (SwinRunner *runner, void *owner, gboolean count_waiting)
{
  for (int i = 0; i < runner->n_batch; i++)
    if (runner->batch_owners[i] == owner)
      return TRUE;
  for (GList *l = runner->queue.head; count_waiting && l; l = l->next)
    if (((Request *) l->data)->owner == owner)
      return TRUE;
  return FALSE;
}

/* Until no request of @owner runs (nor waits, with @count_waiting): the
 * running batch calls its requests' callbacks before it is cleared. */
static void
wait_owner (SwinRunner *runner, void *owner, gboolean count_waiting)
{
  g_mutex_lock (&runner->lock);
  while (owner_busy (runner, owner, count_waiting) && !runner->stop)
    g_cond_wait (&runner->cond, &runner->lock);
  g_mutex_unlock (&runner->lock);
}

void
swin_runner_drain (SwinRunner *runner, void *owner)
{
  g_return_if_fail (runner != NULL);
  wait_owner (runner, owner, TRUE);
}

void
swin_runner_detach (SwinRunner *runner, void *owner)
{
  g_return_if_fail (runner != NULL);
  swin_runner_withdraw (runner, owner);
  wait_owner (runner, owner, FALSE);
  g_mutex_lock (&runner->lock);
  g_ptr_array_remove (runner->producers, owner);
  /* the batch may have waited for this producer alone */
  g_cond_broadcast (&runner->cond);
  g_mutex_unlock (&runner->lock);
}

void
swin_runner_get_stats (SwinRunner *runner, SwinRunnerStats *stats)
{
  g_mutex_lock (&runner->lock);
  *stats = runner->stats;
  g_mutex_unlock (&runner->lock);
}
