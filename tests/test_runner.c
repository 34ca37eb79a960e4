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

#define CLASSES 10
#define SIZE 56

static SwinContext *ctx;
static SwinModel *model;
static SwinNet *net;

/* The CPU backend's logits of @rect of @f. */
static void
cpu_logits (const SwinFrame *f, const SwinRect *rect, const SwinPreprocessParams *p, float *logits)
{
  float *input = g_new (float, 3 * SIZE * SIZE);
  GError *error = NULL;

  g_assert_true (swin_cpu_preprocess_region (f, rect, p, SIZE, SIZE, input, &error));
  g_assert_true (swin_cpu_forward (model, input, 1, SIZE, SIZE, logits, &error));
  g_assert_no_error (error);
  g_free (input);
}

static void
assert_logits (const float *got, const float *want)
{
  float diff = swin_test_max_diff (got, want, CLASSES);
  float bound = 1e-4f * fmaxf (1.0f, swin_test_max_abs (want, CLASSES));

  if (!(diff <= bound))
    g_error ("logits differ by %g (bound %g)", diff, bound);
}

static SwinRunner *
runner_new (int max_batch, gint64 timeout_us)
{
  SwinRunnerParams rp = { max_batch, timeout_us };
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
    SwinRunnerRequest req = { &t.f, pr->id % 2 ? rects : NULL, n, &p, FALSE, pr };
    GError *error = NULL;

    swin_test_frame_init (&t, formats[pr->id % 4], w, h, 1, 100 * pr->id + k);
    swin_preprocess_params_init (&p);
    p.scale_mode = (SwinScaleMode) ((pr->id + k) % 3);
    p.mean[k % 3] = 0.25f;
    g_assert_true (swin_runner_run (pr->runner, &req, logits, &error));
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
  SwinRunner *runner = runner_new (4, 5000);
  Producer pr[6];
  GThread *threads[6];
  guint64 forwards, images, expect = 0;

  for (int i = 0; i < 6; i++) {
    pr[i] = (Producer) { runner, i, 0 };
    threads[i] = g_thread_new ("producer", produce, &pr[i]);
  }
  for (int i = 0; i < 6; i++) {
    g_thread_join (threads[i]);
    expect += pr[i].images;
  }
  swin_runner_get_stats (runner, &forwards, &images);
  g_test_message ("%" G_GUINT64_FORMAT " images in %" G_GUINT64_FORMAT " forwards", images, forwards);
  g_assert_cmpuint (images, ==, expect);
  /* six producers at once: some batches held several of them */
  g_assert_cmpuint (forwards, <, images);
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
on_done (const float *logits, int n, const GError *error, void *data)
{
  Ticket *t = data;
  Results *res = t->results;

  g_mutex_lock (&res->lock);
  if (g_error_matches (error, SWIN_ERROR, SWIN_ERROR_CANCELLED))
    res->cancelled++;
  else if (error)
    res->failed++;
  else
    memcpy (res->logits[t->slot], logits, CLASSES * sizeof (float));
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
  SwinRunnerRequest req = { f, rect, rect ? 1 : 0, p, cpu, owner };
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
  SwinRunner *runner = runner_new (4, G_USEC_PER_SEC * 30);
  Results res = { 0 };
  SwinTestFrame t;
  SwinPreprocessParams p;
  guint64 forwards;
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
  swin_runner_get_stats (runner, &forwards, NULL);
  g_assert_cmpuint (forwards, ==, 1);
  for (int i = 0; i < 4; i++) {
    SwinRect r = { i, i, 30, 30 };
    float want[CLASSES];
    cpu_logits (&t.f, &r, &p, want);
    assert_logits (res.logits[i], want);
  }
  swin_runner_free (runner);

  /* a lone request, 200 ms timeout: done after the timeout, not stuck */
  runner = runner_new (8, 200000);
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
  SwinRunnerRequest req = { &t.f, rects, 7, &p, FALSE, NULL };
  GError *error = NULL;
  guint64 forwards;

  swin_test_frame_init (&t, SWIN_PIXEL_FORMAT_NV12, 71, 49, 1, 9);
  swin_preprocess_params_init (&p);
  for (int i = 0; i < 7; i++)
    rects[i] = (SwinRect) { 3 * i + 1, 2 * i, 20 + i, 17 + 2 * i };
  g_assert_true (swin_runner_run (runner, &req, logits, &error));
  g_assert_no_error (error);
  swin_runner_get_stats (runner, &forwards, NULL);
  g_assert_cmpuint (forwards, ==, 3);
  req.cpu_preprocess = TRUE;
  g_assert_true (swin_runner_run (runner, &req, cpu, &error));
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
  SwinRunner *runner = runner_new (2, 100000);
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
  swin_runner_cancel (runner, &owner_a);
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
  runner = runner_new (8, G_USEC_PER_SEC * 30);
  for (int i = 0; i < 3; i++)
    submit (runner, &theirs, i, &t.f, NULL, &p, FALSE, NULL);
  swin_runner_free (runner);
  g_mutex_lock (&theirs.lock);
  g_assert_cmpint (theirs.done, ==, 11);
  g_assert_cmpint (theirs.cancelled, ==, 3);
  g_mutex_unlock (&theirs.lock);
  swin_test_frame_clear (&t);
}

static void
test_errors (void)
{
  SwinRunnerParams bad = { 0, 0 };
  SwinRunner *runner;
  SwinTestFrame t;
  SwinPreprocessParams p;
  SwinRect outside = { 30, 0, 20, 10 };
  SwinRunnerRequest req = { NULL, &outside, 1, &p, FALSE, NULL };
  float logits[CLASSES];
  GError *error = NULL;

  g_assert_null (swin_runner_new (net, &bad, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  runner = runner_new (2, 0);
  swin_test_frame_init (&t, SWIN_PIXEL_FORMAT_RGB, 40, 30, 1, 3);
  swin_preprocess_params_init (&p);
  g_assert_false (swin_runner_run (runner, &req, logits, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  req.frame = &t.f;
  g_assert_false (swin_runner_run (runner, &req, logits, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  p.std[0] = -1.0f;
  req.rects = NULL;
  g_assert_false (swin_runner_run (runner, &req, logits, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  swin_test_frame_clear (&t);
  swin_runner_free (runner);
}

int
main (int argc, char **argv)
{
  SwinInitParams ip = { .embed_dim = 16, .num_stages = 2, .depths = { 1, 1 }, .heads = { 1, 2 },
                        .window = 7, .num_classes = CLASSES, .img_size = SIZE, .seed = 21 };
  g_autofree char *dir = NULL;
  GError *error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  ctx = swin_test_context ();
  dir = g_dir_make_tmp ("swin-runner-XXXXXX", &error);
  g_assert_no_error (error);
  model = swin_test_make_model (dir, "tiny.safetensors", &ip);
  g_rmdir (dir);
  net = swin_net_new (ctx, model, &error);
  g_assert_no_error (error);

  g_test_add_func ("/runner/producers", test_producers);
  g_test_add_func ("/runner/batching", test_batching);
  g_test_add_func ("/runner/split-and-cpu", test_split_and_cpu);
  g_test_add_func ("/runner/cancel-and-stop", test_cancel_and_stop);
  g_test_add_func ("/runner/errors", test_errors);
  ret = g_test_run ();
  swin_net_free (net);
  swin_model_free (model);
  swin_context_free (ctx);
  swin_shutdown ();
  return ret;
}
