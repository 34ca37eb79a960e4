/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The runner: requests from several threads, whole frames and regions of
 * several formats and sizes, each with its own parameters, batched together;
 * every result equals the CPU backend's preprocessing and forward of the
 * same image.  Batching, splitting, cancelling and stopping. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include "swin/swin.h"
#include "swin_test_device.h"
#include "swin_test_floats.h"
#include "swin_test_frame.h"
#include "swin_test_model.h"
#include "swin_runner_private.h"

#define CLASSES 10
#define FEATURES 32    /* the model's last stage: 16 << 1 */
#define SIZE 56
#define NS_PER_MS G_GUINT64_CONSTANT (1000000)
#define NS_PER_S (1000 * NS_PER_MS)

static SwinContext *ctx;
static SwinModel *model;
static SwinNet *net;

/* The CPU backend's logits (and features, unless NULL) of @rect of @f. */
static void
cpu_forward (const SwinFrame *f, const SwinRect *rect, const SwinPreprocessParams *p, float *logits,
             float *features)
{
  float *input = g_new (float, 3 * SIZE * SIZE);
  GError *error = NULL;

  g_assert_true (swin_cpu_preprocess_region (f, rect, p, SIZE, SIZE, input, &error));
  g_assert_true (swin_cpu_forward_full (model, input, 1, SIZE, SIZE, logits, features, &error));
  g_assert_no_error (error);
  g_free (input);
}

static void
cpu_logits (const SwinFrame *f, const SwinRect *rect, const SwinPreprocessParams *p, float *logits)
{
  cpu_forward (f, rect, p, logits, NULL);
}

static void
assert_logits (const float *got, const float *want)
{
  float diff = swin_test_max_diff (got, want, CLASSES);
  float bound = 1e-4f * fmaxf (1.0f, swin_test_max_abs (want, CLASSES));

  if (!(diff <= bound))
    g_error ("logits differ by %g (bound %g)", diff, bound);
}

static void
assert_features (const float *got, const float *want)
{
  float diff = swin_test_max_diff (got, want, FEATURES);
  float bound = 1e-4f * fmaxf (1.0f, swin_test_max_abs (want, FEATURES));

  if (!(diff <= bound))
    g_error ("features differ by %g (bound %g)", diff, bound);
}

static SwinRunner *
runner_new (int max_batch, guint64 timeout_ns)
{
  SwinRunnerParams rp = { .max_batch = max_batch, .batch_timeout_ns = timeout_ns };
  GError *error = NULL;
  SwinRunner *r = swin_runner_new (net, &rp, &error);

  g_assert_no_error (error);
  return r;
}

/* One producer thread: frames of its own format and size, regions and
 * parameters, each result checked against the CPU. */
typedef struct {
  SwinRunner *runner;
  int id;
  int images;                /* classified by this producer */
} Producer;

static gpointer
produce (gpointer data)
{
  static const SwinPixelFormat formats[] = { SWIN_PIXEL_FORMAT_RGB, SWIN_PIXEL_FORMAT_I420,
                                             SWIN_PIXEL_FORMAT_NV12, SWIN_PIXEL_FORMAT_BGRX };
  Producer *pr = data;
  int w = 40 + 13 * pr->id, h = 30 + 7 * pr->id;

  for (int k = 0; k < 3; k++) {
    SwinTestFrame t;
    SwinRect rects[3] = { { 1, 3, w / 2, h / 2 }, { w - 9, h - 5, 9, 5 }, { 0, 0, w, h } };
    int n = 1 + (pr->id + k) % 3;
    SwinPreprocessParams p;
    float logits[3 * CLASSES], want[CLASSES];
    SwinRunnerRequest req = { .frame = &t.f, .rects = pr->id % 2 ? rects : NULL, .n_rects = n,
                              .params = &p, .owner = pr };
    GError *error = NULL;

    swin_test_frame_init (&t, formats[pr->id % 4], w, h, 1, 100 * pr->id + k);
    swin_preprocess_params_init (&p);
    p.scale_mode = (SwinScaleMode) ((pr->id + k) % 3);
    p.mean[k % 3] = 0.25f;
    g_assert_true (swin_runner_run (pr->runner, &req, logits, NULL, &error));
    g_assert_no_error (error);
    pr->images += req.rects ? n : 1;
    for (int i = 0; i < (req.rects ? n : 1); i++) {
      cpu_logits (&t.f, req.rects ? &rects[i] : NULL, &p, want);
      assert_logits (logits + i * CLASSES, want);
    }
    swin_test_frame_clear (&t);
  }
  return NULL;
}

static void
test_producers (void)
{
  SwinRunner *runner = runner_new (4, 5 * NS_PER_MS);
  Producer pr[6];
  GThread *threads[6];
  SwinRunnerStats stats;
  guint64 expect = 0;

  for (int i = 0; i < 6; i++) {
    pr[i] = (Producer) { runner, i, 0 };
    threads[i] = g_thread_new ("producer", produce, &pr[i]);
  }
  for (int i = 0; i < 6; i++) {
    g_thread_join (threads[i]);
    expect += pr[i].images;
  }
  swin_runner_get_stats (runner, &stats);
  g_test_message ("%" G_GUINT64_FORMAT " images in %" G_GUINT64_FORMAT " forwards", stats.images,
                  stats.forwards);
  g_assert_cmpuint (stats.images, ==, expect);
  /* six producers at once: some batches held several of them */
  g_assert_cmpuint (stats.forwards, <, stats.images);
  /* 18 requests, each frame copied once into each batch that holds its
   * images: a request split over two batches is the one second copy, and
   * only a batch boundary splits one */
  g_assert_cmpuint (stats.frames_uploaded, >=, 18);
  g_assert_cmpuint (stats.frames_uploaded, <, 18 + stats.forwards);
  swin_runner_free (runner);
}

/* Results of asynchronous requests. */
typedef struct {
  GMutex lock;
  GCond cond;
  int done, cancelled, failed;
  float logits[16][CLASSES];
} Results;

typedef struct {
  Results *results;
  int slot;
} Ticket;

static void
on_done (const SwinRunnerResult *result, void *data)
{
  Ticket *t = data;
  Results *res = t->results;

  g_mutex_lock (&res->lock);
  if (g_error_matches (result->error, SWIN_ERROR, SWIN_ERROR_CANCELLED))
    res->cancelled++;
  else if (result->error)
    res->failed++;
  else
    memcpy (res->logits[t->slot], result->logits, CLASSES * sizeof (float));
  res->done++;
  g_cond_signal (&res->cond);
  g_mutex_unlock (&res->lock);
  g_free (t);
}

static void
wait_done (Results *res, int n)
{
  g_mutex_lock (&res->lock);
  while (res->done < n)
    g_cond_wait (&res->cond, &res->lock);
  g_mutex_unlock (&res->lock);
}

static void
submit (SwinRunner *runner, Results *res, int slot, const SwinFrame *f, const SwinRect *rect,
        const SwinPreprocessParams *p, gboolean cpu, void *owner)
{
  SwinRunnerRequest req = { .frame = f, .rects = rect, .n_rects = rect ? 1 : 0, .params = p,
                            .cpu_preprocess = cpu, .owner = owner };
  Ticket *t = g_new (Ticket, 1);
  GError *error = NULL;

  *t = (Ticket) { res, slot };
  g_assert_true (swin_runner_submit (runner, &req, on_done, t, &error));
  g_assert_no_error (error);
}

/* Requests that fill a batch go at once, in one forward, even with a long
 * timeout; a lone request waits at most the timeout. */
static void
test_batching (void)
{
  SwinRunner *runner = runner_new (4, 30 * NS_PER_S);
  Results res = { 0 };
  SwinTestFrame t;
  SwinPreprocessParams p;
  SwinRunnerStats stats;
  gint64 t0;

  g_mutex_init (&res.lock);
  g_cond_init (&res.cond);
  swin_test_frame_init (&t, SWIN_PIXEL_FORMAT_RGB, 64, 48, 1, 5);
  swin_preprocess_params_init (&p);
  t0 = g_get_monotonic_time ();
  for (int i = 0; i < 4; i++) {
    SwinRect r = { i, i, 30, 30 };
    submit (runner, &res, i, &t.f, &r, &p, FALSE, NULL);
  }
  wait_done (&res, 4);
  /* far below the 30 s timeout: the full batch did not wait for it */
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 20 * G_USEC_PER_SEC);
  swin_runner_get_stats (runner, &stats);
  g_assert_cmpuint (stats.forwards, ==, 1);
  for (int i = 0; i < 4; i++) {
    SwinRect r = { i, i, 30, 30 };
    float want[CLASSES];
    cpu_logits (&t.f, &r, &p, want);
    assert_logits (res.logits[i], want);
  }
  swin_runner_free (runner);

  /* a lone request, 200 ms timeout: done after the timeout, not stuck */
  runner = runner_new (8, 200 * NS_PER_MS);
  t0 = g_get_monotonic_time ();
  submit (runner, &res, 0, &t.f, NULL, &p, FALSE, NULL);
  wait_done (&res, 5);
  g_assert_cmpint (g_get_monotonic_time () - t0, >=, 200000);
  swin_runner_free (runner);
  swin_test_frame_clear (&t);
  g_cond_clear (&res.cond);
  g_mutex_clear (&res.lock);
}

/* More regions than a batch holds: split over forwards, results in order;
 * CPU preprocessing gives the same results as the shader's. */
static void
test_split_and_cpu (void)
{
  SwinRunner *runner = runner_new (3, 0);
  SwinTestFrame t;
  SwinPreprocessParams p;
  SwinRect rects[7];
  float logits[7 * CLASSES], cpu[7 * CLASSES], want[CLASSES];
  SwinRunnerRequest req = { .frame = &t.f, .rects = rects, .n_rects = 7, .params = &p };
  SwinPreprocessedOn on;
  GError *error = NULL;
  SwinRunnerStats stats;

  swin_test_frame_init (&t, SWIN_PIXEL_FORMAT_NV12, 71, 49, 1, 9);
  swin_preprocess_params_init (&p);
  for (int i = 0; i < 7; i++)
    rects[i] = (SwinRect) { 3 * i + 1, 2 * i, 20 + i, 17 + 2 * i };
  g_assert_true (swin_runner_run (runner, &req, logits, &on, &error));
  g_assert_no_error (error);
  g_assert_cmpint (on, ==, SWIN_PREPROCESSED_ON_DEVICE);
  swin_runner_get_stats (runner, &stats);
  g_assert_cmpuint (stats.forwards, ==, 3);
  /* split over three batches, the frame is uploaded once for each */
  g_assert_cmpuint (stats.frames_uploaded, ==, 3);
  req.cpu_preprocess = TRUE;
  g_assert_true (swin_runner_run (runner, &req, cpu, &on, &error));
  g_assert_cmpint (on, ==, SWIN_PREPROCESSED_ON_CPU);
  swin_runner_get_stats (runner, &stats);
  g_assert_cmpuint (stats.frames_uploaded, ==, 3);
  for (int i = 0; i < 7; i++) {
    cpu_logits (&t.f, &rects[i], &p, want);
    assert_logits (logits + i * CLASSES, want);
    assert_logits (cpu + i * CLASSES, want);
  }
  swin_test_frame_clear (&t);
  swin_runner_free (runner);
}

/* Withdrawing an owner's requests: each callback exactly once, none after
 * swin_runner_cancel() returns; others' requests unaffected.  Stopping the
 * runner cancels what waits. */
static void
test_cancel_and_stop (void)
{
  SwinRunner *runner = runner_new (2, 100 * NS_PER_MS);
  Results mine = { 0 }, theirs = { 0 };
  int owner_a, owner_b;
  SwinTestFrame t;
  SwinPreprocessParams p;
  float want[CLASSES];

  g_mutex_init (&mine.lock);
  g_cond_init (&mine.cond);
  g_mutex_init (&theirs.lock);
  g_cond_init (&theirs.cond);
  swin_test_frame_init (&t, SWIN_PIXEL_FORMAT_RGBA, 33, 35, 1, 11);
  swin_preprocess_params_init (&p);
  for (int i = 0; i < 8; i++) {
    submit (runner, &mine, i, &t.f, NULL, &p, FALSE, &owner_a);
    submit (runner, &theirs, i, &t.f, NULL, &p, FALSE, &owner_b);
  }
  swin_runner_detach (runner, &owner_a);
  g_mutex_lock (&mine.lock);
  g_assert_cmpint (mine.done, ==, 8);
  g_assert_cmpint (mine.failed, ==, 0);
  g_test_message ("%d of 8 withdrawn", mine.cancelled);
  g_mutex_unlock (&mine.lock);
  wait_done (&theirs, 8);
  g_assert_cmpint (theirs.cancelled + theirs.failed, ==, 0);
  cpu_logits (&t.f, NULL, &p, want);
  for (int i = 0; i < 8; i++)
    assert_logits (theirs.logits[i], want);

  /* stopping with requests waiting (a long timeout keeps them waiting) */
  swin_runner_free (runner);
  runner = runner_new (8, 30 * NS_PER_S);
  for (int i = 0; i < 3; i++)
    submit (runner, &theirs, i, &t.f, NULL, &p, FALSE, NULL);
  swin_runner_free (runner);
  g_mutex_lock (&theirs.lock);
  g_assert_cmpint (theirs.done, ==, 11);
  g_assert_cmpint (theirs.cancelled, ==, 3);
  g_mutex_unlock (&theirs.lock);
  swin_test_frame_clear (&t);
}

/* A batch whose every image is preprocessed on the CPU (asked for, or a
 * frame too large to bind) runs, on a runner that never uploaded a frame. */
static void
test_cpu_batch (void)
{
  SwinRunner *runner = runner_new (4, 0);
  SwinTestFrame t;
  SwinPreprocessParams p;
  SwinRect rects[3] = { { 0, 0, 20, 20 }, { 5, 3, 30, 17 }, { 10, 10, 30, 20 } };
  SwinRunnerRequest req = { .frame = &t.f, .rects = rects, .n_rects = 3, .params = &p,
                            .cpu_preprocess = TRUE };
  float logits[3 * CLASSES], want[CLASSES];
  SwinRunnerStats stats;
  GError *error = NULL;

  swin_test_frame_init (&t, SWIN_PIXEL_FORMAT_I420, 41, 31, 2, 4);
  swin_preprocess_params_init (&p);
  g_assert_true (swin_runner_run (runner, &req, logits, NULL, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 3; i++) {
    cpu_logits (&t.f, &rects[i], &p, want);
    assert_logits (logits + i * CLASSES, want);
  }
  swin_runner_get_stats (runner, &stats);
  g_assert_cmpuint (stats.forwards, ==, 1);
  g_assert_cmpuint (stats.frames_uploaded, ==, 0);
  swin_test_frame_clear (&t);
  swin_runner_free (runner);
}

/* Sync producers attached to a runner: a batch goes as soon as each has a
 * request waiting, not after the timeout; a producer that has none holds
 * the batch back until the timeout at most. */
typedef struct {
  SwinRunner *runner;
  const SwinFrame *frame;
  const SwinPreprocessParams *params;
  float logits[CLASSES];
} SyncProducer;

static gpointer
run_one (gpointer data)
{
  SyncProducer *sp = data;
  SwinRunnerRequest req = { .frame = sp->frame, .params = sp->params, .owner = sp };
  GError *error = NULL;

  g_assert_true (swin_runner_run (sp->runner, &req, sp->logits, NULL, &error));
  g_assert_no_error (error);
  return NULL;
}

static void
test_attached (void)
{
  SwinRunner *runner = runner_new (8, 30 * NS_PER_S);
  SyncProducer sp[3];
  GThread *threads[3];
  SwinTestFrame t;
  SwinPreprocessParams p;
  SwinRunnerStats stats;
  float want[CLASSES];
  gint64 t0;

  swin_test_frame_init (&t, SWIN_PIXEL_FORMAT_RGB, 48, 40, 0, 8);
  swin_preprocess_params_init (&p);
  cpu_logits (&t.f, NULL, &p, want);
  for (int i = 0; i < 3; i++) {
    sp[i] = (SyncProducer) { .runner = runner, .frame = &t.f, .params = &p };
    swin_runner_attach (runner, &sp[i]);
  }
  t0 = g_get_monotonic_time ();
  for (int i = 0; i < 3; i++)
    threads[i] = g_thread_new ("sync-producer", run_one, &sp[i]);
  for (int i = 0; i < 3; i++) {
    g_thread_join (threads[i]);
    assert_logits (sp[i].logits, want);
  }
  /* one forward for the three, far below the 30 s timeout */
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 20 * G_USEC_PER_SEC);
  swin_runner_get_stats (runner, &stats);
  g_assert_cmpuint (stats.forwards, ==, 1);

  /* a detached producer is no longer waited for */
  swin_runner_detach (runner, &sp[2]);
  t0 = g_get_monotonic_time ();
  for (int i = 0; i < 2; i++)
    threads[i] = g_thread_new ("sync-producer", run_one, &sp[i]);
  for (int i = 0; i < 2; i++)
    g_thread_join (threads[i]);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 20 * G_USEC_PER_SEC);
  swin_runner_free (runner);

  /* an attached producer with nothing to classify: the others wait the
   * timeout (200 ms), no longer */
  runner = runner_new (8, 200 * NS_PER_MS);
  sp[0].runner = runner;
  swin_runner_attach (runner, &sp[0]);
  swin_runner_attach (runner, &sp[1]);
  t0 = g_get_monotonic_time ();
  run_one (&sp[0]);
  g_assert_cmpint (g_get_monotonic_time () - t0, >=, 200 * G_TIME_SPAN_MILLISECOND);
  assert_logits (sp[0].logits, want);
  swin_runner_free (runner);
  swin_test_frame_clear (&t);
}

/* Asynchronous requests lend their frames: the runner reads the caller's
 * memory in place (a change made while the request waits is what gets
 * classified), copies each frame once, and releases it exactly once. */
typedef struct {
  int released;
  SwinTestFrame *frame;
} Lent;

static void
on_release (void *data)
{
  Lent *lent = data;

  lent->released++;
  /* the runner must not read it again: scribble over it */
  memset (lent->frame->mem[0], 0x5a, lent->frame->f.stride[0] * lent->frame->f.height);
}

static void
test_lent (void)
{
  SwinRunner *runner = runner_new (8, 30 * NS_PER_S);
  Results res = { 0 };
  SwinTestFrame a, b;
  SwinPreprocessParams p;
  Lent lent_a, lent_b;
  SwinRunnerStats stats;
  float want_a[CLASSES], want_b[CLASSES];
  int owner_a, owner_b;
  GError *error = NULL;

  g_mutex_init (&res.lock);
  g_cond_init (&res.cond);
  swin_preprocess_params_init (&p);
  swin_test_frame_init (&a, SWIN_PIXEL_FORMAT_RGB, 50, 40, 3, 1);
  swin_test_frame_init (&b, SWIN_PIXEL_FORMAT_RGB, 50, 40, 3, 2);
  lent_a = (Lent) { 0, &a };
  lent_b = (Lent) { 0, &b };
  swin_runner_attach (runner, &owner_a);
  swin_runner_attach (runner, &owner_b);

  /* a waits for b's request */
  {
    SwinRunnerRequest req = { .frame = &a.f, .params = &p, .owner = &owner_a,
                              .release = on_release, .release_data = &lent_a };
    Ticket *tk = g_new (Ticket, 1);
    *tk = (Ticket) { &res, 0 };
    g_assert_true (swin_runner_submit (runner, &req, on_done, tk, &error));
  }
  g_usleep (50000);
  g_assert_cmpint (lent_a.released, ==, 0);
  /* changed after the submission, before the batch: read in place */
  for (size_t i = 0; i < a.f.stride[0] * a.f.height; i++)
    a.mem[0][i] = 255 - a.mem[0][i];
  cpu_logits (&a.f, NULL, &p, want_a);
  cpu_logits (&b.f, NULL, &p, want_b);
  {
    SwinRunnerRequest req = { .frame = &b.f, .params = &p, .owner = &owner_b,
                              .release = on_release, .release_data = &lent_b };
    Ticket *tk = g_new (Ticket, 1);
    *tk = (Ticket) { &res, 1 };
    g_assert_true (swin_runner_submit (runner, &req, on_done, tk, &error));
  }
  wait_done (&res, 2);
  g_assert_cmpint (res.failed + res.cancelled, ==, 0);
  g_assert_cmpint (lent_a.released, ==, 1);
  g_assert_cmpint (lent_b.released, ==, 1);
  assert_logits (res.logits[0], want_a);
  assert_logits (res.logits[1], want_b);
  swin_runner_get_stats (runner, &stats);
  g_assert_cmpuint (stats.frames_uploaded, ==, 2);
  /* 50 RGB pixels of 150 bytes, padded to whole uints: 152 x 40 each */
  g_assert_cmpuint (stats.bytes_uploaded, ==, 2 * 152 * 40);
  swin_runner_free (runner);
  swin_test_frame_clear (&a);
  swin_test_frame_clear (&b);
  g_cond_clear (&res.cond);
  g_mutex_clear (&res.lock);
}

/* replace_waiting: a producer's newer request withdraws its older one that
 * waits (cancelled, released); one that runs already is kept. */
static void
test_replace_waiting (void)
{
  SwinRunner *runner = runner_new (8, 30 * NS_PER_S);
  Results res = { 0 };
  SwinTestFrame t[3];
  SwinPreprocessParams p;
  Lent lent[3];
  float want[CLASSES];
  int owner_a, owner_b;
  GError *error = NULL;

  g_mutex_init (&res.lock);
  g_cond_init (&res.cond);
  swin_preprocess_params_init (&p);
  swin_runner_attach (runner, &owner_a);
  swin_runner_attach (runner, &owner_b);
  for (int i = 0; i < 3; i++) {
    void *owner = i < 2 ? (void *) &owner_a : (void *) &owner_b;
    SwinRunnerRequest req = { .frame = &t[i].f, .params = &p, .owner = owner,
                              .replace_waiting = TRUE, .release = on_release,
                              .release_data = &lent[i] };
    Ticket *tk = g_new (Ticket, 1);

    swin_test_frame_init (&t[i], SWIN_PIXEL_FORMAT_BGRX, 37, 29, 0, 30 + i);
    lent[i] = (Lent) { 0, &t[i] };
    if (i == 1)
      cpu_logits (&t[i].f, NULL, &p, want);
    *tk = (Ticket) { &res, i };
    g_assert_true (swin_runner_submit (runner, &req, on_done, tk, &error));
    if (i == 1) {
      /* the first, replaced, is done at once */
      g_mutex_lock (&res.lock);
      g_assert_cmpint (res.cancelled, ==, 1);
      g_mutex_unlock (&res.lock);
      g_assert_cmpint (lent[0].released, ==, 1);
    }
  }
  wait_done (&res, 3);
  g_assert_cmpint (res.cancelled, ==, 1);
  g_assert_cmpint (res.failed, ==, 0);
  assert_logits (res.logits[1], want);
  for (int i = 0; i < 3; i++) {
    g_assert_cmpint (lent[i].released, ==, 1);
    swin_test_frame_clear (&t[i]);
  }
  swin_runner_free (runner);
  g_cond_clear (&res.cond);
  g_mutex_clear (&res.lock);
}

/* drain: returns once the owner's requests are all done. */
static void
test_drain (void)
{
  SwinRunner *runner = runner_new (2, 0);
  Results res = { 0 };
  SwinTestFrame t;
  SwinPreprocessParams p;
  int owner;

  g_mutex_init (&res.lock);
  g_cond_init (&res.cond);
  swin_test_frame_init (&t, SWIN_PIXEL_FORMAT_NV12, 30, 20, 0, 6);
  swin_preprocess_params_init (&p);
  for (int i = 0; i < 5; i++)
    submit (runner, &res, i, &t.f, NULL, &p, FALSE, &owner);
  swin_runner_drain (runner, &owner);
  g_mutex_lock (&res.lock);
  g_assert_cmpint (res.done, ==, 5);
  g_mutex_unlock (&res.lock);
  swin_runner_free (runner);
  swin_test_frame_clear (&t);
  g_cond_clear (&res.cond);
  g_mutex_clear (&res.lock);
}

static void
test_errors (void)
{
  SwinRunnerParams bad = { .max_batch = SWIN_RUNNER_MAX_BATCH + 1 };
  SwinRunner *runner;
  SwinTestFrame t;
  SwinPreprocessParams p;
  SwinRect outside = { 30, 0, 20, 10 };
  SwinRunnerRequest req = { .rects = &outside, .n_rects = 1, .params = &p };
  float logits[CLASSES];
  GError *error = NULL;

  g_assert_null (swin_runner_new (net, &bad, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  runner = runner_new (2, 0);
  swin_test_frame_init (&t, SWIN_PIXEL_FORMAT_RGB, 40, 30, 1, 3);
  swin_preprocess_params_init (&p);
  /* a missing frame is the caller's bug: a critical, no error set */
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*req->frame != NULL*");
  g_assert_false (swin_runner_run (runner, &req, logits, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  req.frame = &t.f;
  g_assert_false (swin_runner_run (runner, &req, logits, NULL, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  req.n_rects = 0;
  g_assert_false (swin_runner_run (runner, &req, logits, NULL, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  p.std[0] = -1.0f;
  req.rects = NULL;
  g_assert_false (swin_runner_run (runner, &req, logits, NULL, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  swin_test_frame_clear (&t);
  swin_runner_free (runner);
}

/* The features of one asynchronous request. */
typedef struct {
  GMutex lock;
  GCond cond;
  gboolean done, had_features;
  float features[2 * FEATURES];
} FeatureResult;

static void
on_features (const SwinRunnerResult *result, void *data)
{
  FeatureResult *res = data;

  g_assert_no_error ((GError *) result->error);
  g_mutex_lock (&res->lock);
  res->had_features = result->features != NULL;
  if (result->features)
    memcpy (res->features, result->features, (size_t) result->n_images * FEATURES * sizeof (float));
  res->done = TRUE;
  g_cond_signal (&res->cond);
  g_mutex_unlock (&res->lock);
}

/* Features equal the CPU backend's, for whole frames and regions, in batches
 * whose other requests did not ask for them (those get none). */
static void
test_features (void)
{
  SwinRunner *runner = runner_new (4, 30 * NS_PER_S);
  SwinRect rects[2] = { { 3, 2, 20, 17 }, { 10, 0, 30, 30 } };
  FeatureResult with = { 0 }, without = { 0 };
  float logits[2 * CLASSES], features[2 * FEATURES], want_l[CLASSES], want_f[FEATURES];
  SwinTestFrame a, b;
  SwinPreprocessParams p;
  GError *error = NULL;

  g_assert_cmpint (SWIN_ARCH_NUM_FEATURES (swin_model_get_arch (model)), ==, FEATURES);
  swin_test_frame_init (&a, SWIN_PIXEL_FORMAT_NV12, 40, 30, 1, 8);
  swin_test_frame_init (&b, SWIN_PIXEL_FORMAT_BGRX, 44, 36, 0, 9);
  swin_preprocess_params_init (&p);
  g_mutex_init (&with.lock);
  g_cond_init (&with.cond);
  g_mutex_init (&without.lock);
  g_cond_init (&without.cond);

  /* Two requests wait (the timeout is long); the sync one fills the batch. */
  {
    SwinRunnerRequest r1 = { .frame = &a.f, .rects = rects, .n_rects = 2, .params = &p,
                             .want_features = TRUE, .owner = &with };
    SwinRunnerRequest r2 = { .frame = &b.f, .params = &p, .owner = &without };
    SwinRunnerRequest r3 = { .frame = &b.f, .params = &p, .cpu_preprocess = TRUE, .owner = runner };

    g_assert_true (swin_runner_submit (runner, &r1, on_features, &with, &error));
    g_assert_true (swin_runner_submit (runner, &r2, on_features, &without, &error));
    g_assert_true (swin_runner_run_full (runner, &r3, logits, features, NULL, &error));
    g_assert_no_error (error);
  }
  cpu_forward (&b.f, NULL, &p, want_l, want_f);
  assert_logits (logits, want_l);
  assert_features (features, want_f);

  g_mutex_lock (&with.lock);
  while (!with.done)
    g_cond_wait (&with.cond, &with.lock);
  g_mutex_unlock (&with.lock);
  g_assert_true (with.had_features);
  for (int i = 0; i < 2; i++) {
    cpu_forward (&a.f, &rects[i], &p, want_l, want_f);
    assert_features (with.features + i * FEATURES, want_f);
  }
  g_mutex_lock (&without.lock);
  while (!without.done)
    g_cond_wait (&without.cond, &without.lock);
  g_mutex_unlock (&without.lock);
  g_assert_false (without.had_features);

  swin_runner_free (runner);
  g_mutex_clear (&with.lock);
  g_cond_clear (&with.cond);
  g_mutex_clear (&without.lock);
  g_cond_clear (&without.cond);
  swin_test_frame_clear (&a);
  swin_test_frame_clear (&b);
}

int
main (int argc, char **argv)
{
  SwinInitParams ip = { .embed_dim = 16, .num_stages = 2, .depths = { 1, 1 }, .heads = { 1, 2 },
                        .window = 7, .num_classes = CLASSES, .img_size = SIZE, .seed = 21 };
  g_autofree char *dir = NULL, *path = NULL;
  GError *error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  ctx = swin_test_context ();
  dir = g_dir_make_tmp ("swin-runner-XXXXXX", &error);
  path = g_build_filename (dir, "tiny.safetensors", NULL);
  g_assert_true (swin_model_init_random (&ip, path, &error));
  model = swin_model_load (path, &error);
  g_assert_no_error (error);
  g_unlink (path);
  g_rmdir (dir);
  net = swin_net_new (ctx, model, &error);
  g_assert_no_error (error);

  g_test_add_func ("/runner/producers", test_producers);
  g_test_add_func ("/runner/batching", test_batching);
  g_test_add_func ("/runner/split-and-cpu", test_split_and_cpu);
  g_test_add_func ("/runner/cancel-and-stop", test_cancel_and_stop);
  g_test_add_func ("/runner/cpu-batch", test_cpu_batch);
  g_test_add_func ("/runner/attached", test_attached);
  g_test_add_func ("/runner/lent", test_lent);
  g_test_add_func ("/runner/replace-waiting", test_replace_waiting);
  g_test_add_func ("/runner/drain", test_drain);
  g_test_add_func ("/runner/errors", test_errors);
  g_test_add_func ("/runner/features", test_features);
  ret = g_test_run ();
  swin_net_free (net);
  swin_model_free (model);
  swin_context_free (ctx);
  swin_shutdown ();
  return ret;
}
