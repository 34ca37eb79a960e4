/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinclassify core, Vulkan backend (libswinvulkan): devices, a model's
 * weights on a device, forward plans and frame preprocessing by a compute
 * shader.  volk is built in: nothing links against libvulkan. */
#pragma once

#include "swin/swin_model.h"
#include "swin/swin_preprocess.h"

G_BEGIN_DECLS

typedef struct _SwinContext SwinContext;

/* Opens a Vulkan device.  @device: NULL or "" for the default (first discrete
 * GPU, else the first device), a decimal index, or a case-insensitive
 * substring of the device name. */
SwinContext *swin_context_new (const char *device, GError **error);
void swin_context_free (SwinContext *ctx);
const char *swin_context_get_device_name (const SwinContext *ctx);
/* Contexts share one VkInstance per process, created on first use and kept
 * (some drivers cannot be loaded and unloaded repeatedly in one process).
 * This destroys it once no context is left; a later context makes a new one. */
void swin_shutdown (void);
/* The driver's name and version ("llvmpipe Mesa 22.3.6 ...", "NVIDIA 580.159"). */
const char *swin_context_get_driver_info (const SwinContext *ctx);
/* Names of all Vulkan devices, NULL-terminated (g_strfreev). */
char **swin_context_list_devices (GError **error);

/* Precision of the linear layers on the device. */
typedef enum {
  SWIN_PRECISION_FP32,   /* fp32 weights and arithmetic, on every device */
  /* fp16 weights (R16G16B16A16_SFLOAT uniform texel buffers, which the device
   * must have) and fp16 arithmetic with fp32 accumulation wherever the device
   * allows it: tensor cores through VK_NV_cooperative_matrix, else packed
   * fp16 FMAs (shaderFloat16) in the GPU kernels, else (lavapipe, where fp16
   * arithmetic is emulated and slower) fp32 arithmetic on the fp16 weights. */
  SWIN_PRECISION_FP16,
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
SwinPrecision swin_net_get_precision (const SwinNet *net);
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

/* Device time of one kind of kernel, run by one kernel variant, in the last
 * run of a profiled plan. */
typedef struct {
  const char *label;   /* "qkv", "attention", "fc1"... (static) */
  int count;           /* dispatches */
  double ms;           /* device time of all of them */
  double gflop;        /* their arithmetic */
  const char *variant; /* the kernel variant that ran them, "gemm_tiled"... (static) */
} SwinKernelStat;

/* Like swin_plan_new(); with @profile, every dispatch is timestamped (where
 * the device supports compute timestamps) for swin_plan_get_profile(). */
SwinPlan *swin_plan_new_full (SwinNet *net, int batch, int height, int width, gboolean profile,
                              GError **error);
/* Fills @stats (a GArray of SwinKernelStat) from the last run. */
gboolean swin_plan_get_profile (SwinPlan *plan, GArray *stats, GError **error);

/* ---- frame preprocessing on the device ---- */

/* Preprocessing of frames of one format and size into @plan's input (batch
 * index 0), recorded once and replayed per frame.  @plan must outlive it. */
typedef struct _SwinPreprocessor SwinPreprocessor;

/* @out_h x @out_w: the plan's input resolution.  Fails with
 * SWIN_ERROR_INVALID_ARG if the plan's input buffer is smaller than
 * 3 x out_h x out_w floats or the arguments are invalid. */
SwinPreprocessor *swin_preprocessor_new (SwinPlan *plan, int out_h, int out_w,
                                         SwinPixelFormat format, int width, int height,
                                         const SwinPreprocessParams *params, GError **error);
void swin_preprocessor_free (SwinPreprocessor *pp);
/* Uploads @frame (of the format and size given at creation), then runs the
 * preprocessing and the plan's forward in one submission and waits; the
 * logits are then in swin_plan_get_logits(). */
gboolean swin_preprocessor_run (SwinPreprocessor *pp, const SwinFrame *frame, GError **error);

G_END_DECLS
