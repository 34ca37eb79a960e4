/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinclassify core, Vulkan backend (libswinvulkan): devices, a model's
 * weights on a device, forward plans and frame preprocessing by a compute
 * shader.  volk is built in: nothing links against libvulkan. */
#pragma once

#include "swin/swin_model.h"
#include "swin/swin_preprocess.h"

G_BEGIN_DECLS

typedef struct _SwinContext SwinContext;

/* How to open a context; swin_context_params_init() sets the defaults. */
typedef struct {
  /* NULL or "" for the default (first discrete GPU, else the first device),
   * a decimal index, or a case-insensitive substring of the device name */
  const char *device;
  /* TRUE: the LayerNorm, the qkv Linear and the window attention stay
   * separate dispatches even where a GPU would run them as one (the
   * attention computing qkv itself): for timing the two side by side. */
  gboolean unfused_attention;
  /* The context's reports, from the device selection on (NULL: dropped),
   * with @log_data; called until swin_context_free() returns. */
  SwinLogFunc log_func;
  void *log_data;
} SwinContextParams;

void swin_context_params_init (SwinContextParams *params);

/* Opens a Vulkan device as @params (NULL: the defaults) says. */
SwinContext *swin_context_new (const SwinContextParams *params, GError **error);
void swin_context_free (SwinContext *ctx);
const char *swin_context_get_device_name (const SwinContext *ctx);
/* Whether both contexts opened the same device (two identical GPUs are two
 * devices, although their names are equal). */
gboolean swin_context_same_device (const SwinContext *a, const SwinContext *b);
/* Contexts share one VkInstance per process, created on first use and kept
 * (some drivers cannot be loaded and unloaded repeatedly in one process).
 * This destroys it once no context is left; a later context makes a new one. */
void swin_shutdown (void);
/* The driver's name and version ("llvmpipe Mesa 22.3.6 ...", "NVIDIA 580.159"). */
const char *swin_context_get_driver_info (const SwinContext *ctx);

/* Precision of the linear layers on the device.  fp32: weights and
 * arithmetic.  fp16: weights stored in fp16; on GPUs with fp16 arithmetic
 * (shaderFloat16) the GEMMs also multiply in fp16 and sum in fp32, on
 * tensor cores where the device has NVIDIA's cooperative matrices; lavapipe
 * keeps fp32 arithmetic (its fp16 is emulated: no faster).  Everything
 * else (LayerNorm, attention, softmax) is fp32 either way. */
typedef enum {
  SWIN_PRECISION_FP32,
  SWIN_PRECISION_FP16,   /* needs R16G16B16A16_SFLOAT uniform texel buffers */
} SwinPrecision;

const char *swin_precision_name (SwinPrecision precision);
/* Whether the device can hold weights in fp16 (see SwinPrecision). */
gboolean swin_context_supports_fp16 (const SwinContext *ctx);

/* A model's weights uploaded to a device.  @model may be freed afterwards. */
typedef struct _SwinNet SwinNet;
/* fp32 weights. */
SwinNet *swin_net_new (SwinContext *ctx, const SwinModel *model, GError **error);
/* Fails with SWIN_ERROR_NO_DEVICE when the device cannot hold @precision. */
SwinNet *swin_net_new_full (SwinContext *ctx, const SwinModel *model, SwinPrecision precision,
                            GError **error);
void swin_net_free (SwinNet *net);
const SwinArch *swin_net_get_arch (const SwinNet *net);

/* The forward for one (batch, height, width): device memory allocated once,
 * the command buffer recorded once and replayed by every run. */
typedef struct _SwinPlan SwinPlan;
SwinPlan *swin_plan_new (SwinNet *net, int batch, int height, int width, GError **error);
void swin_plan_free (SwinPlan *plan);
/* Host-mapped input, float32 NCHW [batch, in_chans, height, width]. */
float *swin_plan_get_input (SwinPlan *plan);
/* Runs one forward (one submission) and waits for it. */
gboolean swin_plan_run (SwinPlan *plan, GError **error);
/* Host-mapped logits [batch, num_classes], valid after swin_plan_run(). */
const float *swin_plan_get_logits (SwinPlan *plan);
/* Host-mapped pooled features [batch, SWIN_ARCH_NUM_FEATURES] (the head's
 * input, as swin_cpu_forward_full() writes them), valid after swin_plan_run(). */
const float *swin_plan_get_features (SwinPlan *plan);

/* Device time of one kind of kernel in the last run of a profiled plan. */
typedef struct {
  const char *label;   /* "qkv", "attention", "fc1"... (static) */
  int count;           /* dispatches */
  double ms;           /* device time of all of them */
  double gflop;        /* their arithmetic */
} SwinKernelStat;

/* Like swin_plan_new(); with @profile, every dispatch is timestamped (where
 * the device supports compute timestamps) for swin_plan_get_profile(). */
SwinPlan *swin_plan_new_full (SwinNet *net, int batch, int height, int width, gboolean profile,
                              GError **error);
/* Fills @stats (a GArray of SwinKernelStat) from the last run. */
gboolean swin_plan_get_profile (SwinPlan *plan, GArray *stats, GError **error);

/* ---- frame preprocessing on the device ---- */

/* A batch of images for a plan: frames are copied in once
 * (swin_preprocessor_add_frame()), then each of the plan's batch slots, in
 * order, shows a region of one of them (or the whole of it) fitted and
 * normalised by its own parameters (swin_preprocessor_add_image()).  One
 * compute dispatch preprocesses every slot straight into the plan's input;
 * slots left unused are zeros.  Frames of different formats and sizes may
 * share a batch.  @plan must outlive the preprocessor. */
typedef struct _SwinPreprocessor SwinPreprocessor;

/* The images are the plan's input size; up to its batch of them. */
SwinPreprocessor *swin_preprocessor_new (SwinPlan *plan, GError **error);
void swin_preprocessor_free (SwinPreprocessor *pp);
/* The room frames take in a batch: a batch's frames are bound to the
 * shader as one storage buffer, which must fit the device's
 * maxStorageBufferRange (128 MiB on lavapipe: 8192x4320 BGRx does not fit,
 * I420 does).  TRUE when a @format frame of @width x @height fits next to
 * *@used bytes of other frames, and then adds its bytes to *@used; FALSE
 * (*@used unchanged) otherwise.  With *@used == 0: whether the device can
 * preprocess such frames at all; where it cannot, the CPU backend's
 * swin_cpu_preprocess() is the way. */
gboolean swin_preprocessor_fits (const SwinContext *ctx, SwinPixelFormat format, int width, int height,
                                 guint64 *used);
/* Copies @frame into the batch and returns its index for
 * swin_preprocessor_add_image(), or -1 with @error: SWIN_ERROR_DEVICE_LIMIT
 * when it does not fit next to the batch's other frames (see
 * swin_preprocessor_fits()), SWIN_ERROR_INVALID_ARG for a malformed frame. */
int swin_preprocessor_add_frame (SwinPreprocessor *pp, const SwinFrame *frame, GError **error);
/* Makes the next slot show @rect (NULL: the whole frame) of frame
 * @frame_index, fitted and normalised by @params.  SWIN_ERROR_INVALID_ARG
 * when every slot is taken, the rectangle is empty or outside the frame, or
 * @params is invalid. */
gboolean swin_preprocessor_add_image (SwinPreprocessor *pp, int frame_index, const SwinRect *rect,
                                      const SwinPreprocessParams *params, GError **error);
/* Reserves the next slot for an image the caller writes itself (e.g. the
 * CPU backend's swin_cpu_preprocess_region()): returns where its float32
 * [3, out_h, out_w] go, in the plan's host-visible input, or NULL with
 * SWIN_ERROR_INVALID_ARG when every slot is taken. */
float *swin_preprocessor_add_host_image (SwinPreprocessor *pp, GError **error);
/* Runs the preprocessing and the plan's forward in one submission and
 * waits; the logits of image i are then row i of swin_plan_get_logits().
 * The batch is empty afterwards, whether the run succeeded or not. */
gboolean swin_preprocessor_run (SwinPreprocessor *pp, GError **error);
/* Drops what was added without running. */
void swin_preprocessor_reset (SwinPreprocessor *pp);

/* ---- batched inference shared by many producers ---- */

/* A queue of classification requests in front of one SwinNet: a worker
 * thread gathers the images of the requests waiting (from one producer or
 * many, whole frames or regions) into batches of up to @max_batch images,
 * preprocesses them in one dispatch and runs one forward per batch, using a
 * plan for each batch of 1 to 4 images, then per power of two up to
 * @max_batch (made on first use, then kept),
 * and hands every request its own logits.  The runner is the only thread
 * boundary between a producer and the device: a request lends its frame,
 * which is read in place (copied at most once, into the device's upload
 * buffer). */
typedef struct _SwinRunner SwinRunner;

/* The largest batch a runner takes. */
#define SWIN_RUNNER_MAX_BATCH 1024

/* Zero-initialised fields take their defaults, so callers name only what
 * they set: (SwinRunnerParams) { .max_batch = 4 }. */
typedef struct {
  int max_batch;             /* images per forward, 1 .. SWIN_RUNNER_MAX_BATCH; 0: 1 */
  /* How long the oldest waiting request may wait for the batch to fill, in
   * nanoseconds; 0: run whatever is waiting at once.  A batch never waits
   * once it is full, nor once every attached producer (swin_runner_attach(),
   * if any) has a request waiting. */
  guint64 batch_timeout_ns;
} SwinRunnerParams;

SwinRunner *swin_runner_new (SwinNet *net, const SwinRunnerParams *params, GError **error);
/* Stops the worker; requests still waiting get SWIN_ERROR_CANCELLED. */
void swin_runner_free (SwinRunner *runner);

/* Where the images of a request were preprocessed. */
typedef enum {
  SWIN_PREPROCESSED_ON_DEVICE,
  /* on the CPU: asked for, or the frame is too large to bind (see
   * swin_preprocessor_fits()) */
  SWIN_PREPROCESSED_ON_CPU,
} SwinPreprocessedOn;

typedef struct {
  const float *logits;       /* [n_images, num_classes], valid during the call; NULL on error */
  /* [n_images, SWIN_ARCH_NUM_FEATURES], the pooled features, valid during
   * the call; NULL on error and unless the request had @want_features */
  const float *features;
  int n_images;
  const GError *error;       /* SWIN_ERROR_CANCELLED: withdrawn, replaced or stopped */
  SwinPreprocessedOn preprocessed_on;
} SwinRunnerResult;

/* Called once per request, from the worker thread (or from the thread that
 * withdraws it).  It must not block: other requests wait behind it. */
typedef void (*SwinRunnerDone) (const SwinRunnerResult *result, void *user_data);

typedef struct {
  /* Lent, not copied: read until @release is called (swin_runner_submit())
   * or until swin_runner_run() returns. */
  const SwinFrame *frame;
  const SwinRect *rects;     /* images: regions of the frame; NULL: the whole frame */
  int n_rects;               /* with @rects, >= 1 */
  const SwinPreprocessParams *params;   /* copied */
  gboolean cpu_preprocess;   /* preprocess on the CPU (the CPU backend) */
  void *owner;               /* the producer, for attach, cancel and replace_waiting */
  /* Newest wins: the owner's requests still waiting for a batch are
   * withdrawn (SWIN_ERROR_CANCELLED) when this one arrives. */
  gboolean replace_waiting;
  /* Hand the pooled features with the logits (SwinRunnerResult). */
  gboolean want_features;
  /* Called once the runner no longer reads @frame: its pixels are in the
   * upload buffer, or the request ended. */
  GDestroyNotify release;
  void *release_data;
} SwinRunnerRequest;

/* Queues @request; @done is called exactly once (and @release), unless this
 * returns FALSE (a malformed request, or a stopped runner; @release is not
 * called then). */
gboolean swin_runner_submit (SwinRunner *runner, const SwinRunnerRequest *request, SwinRunnerDone done,
                             void *user_data, GError **error);
/* Queues @request and waits for it: the logits of its images are copied to
 * @logits ([n_images, num_classes]); @preprocessed_on (may be NULL) says
 * where they were preprocessed.  @request->release is not used. */
gboolean swin_runner_run (SwinRunner *runner, const SwinRunnerRequest *request, float *logits,
                          SwinPreprocessedOn *preprocessed_on, GError **error);
/* The same; with @features (may be NULL), the pooled features are copied
 * there too ([n_images, SWIN_ARCH_NUM_FEATURES]), whatever
 * @request->want_features says. */
gboolean swin_runner_run_full (SwinRunner *runner, const SwinRunnerRequest *request, float *logits,
                               float *features, SwinPreprocessedOn *preprocessed_on, GError **error);
/* Makes @owner a producer that batches wait for (see SwinRunnerParams). */
void swin_runner_attach (SwinRunner *runner, void *owner);
/* Withdraws @owner's waiting requests (their @done gets
 * SWIN_ERROR_CANCELLED) without waiting for the running ones (a flush). */
void swin_runner_withdraw (SwinRunner *runner, void *owner);
/* Waits until none of @owner's requests is waiting or running (EOS). */
void swin_runner_drain (SwinRunner *runner, void *owner);
/* Withdraws @owner's requests, waits until none of them is running, and
 * detaches it: after this no callback of @owner's runs. */
void swin_runner_detach (SwinRunner *runner, void *owner);

G_END_DECLS
