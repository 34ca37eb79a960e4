/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Vulkan device behind a SwinContext (internal to core): the lowest layer
 * of the Vulkan backend.  Above it, in this order: swin_cmd (recording and
 * submission), swin_buffer (buffers), swin_kernel (pipelines and dispatch),
 * swin_op (the table of operations), then nets, plans and the
 * preprocessor.  Nothing here calls upwards. */
#pragma once

#include <volk.h>
#include "swin/swin_vulkan.h"
#include "swin_log.h"

/* A function run when the context is freed, after the device went idle and
 * before it is destroyed (upper layers release their per-context caches). */
typedef void (*SwinContextCleanup) (SwinContext *ctx, void *data);

struct _SwinContext {
  VkInstance instance;                  /* the process's shared instance (swin_context.c) */
  VkPhysicalDevice physical;
  VkDevice device;
  VkQueue queue;
  uint32_t queue_family;
  /* Two locks, never held together (so no order between them), and nothing
   * slow or calling out (a log handler) runs under either:
   * queue_lock guards the queue (vkQueueSubmit: Vulkan requires external
   * synchronisation); cache_lock guards the caches of the upper layers
   * (pipelines, variant choices) and the cleanups.  A pipeline is created
   * outside cache_lock (swin_kernel.c): a compile, slow on every driver,
   * stalls neither a submission nor another thread's lookup. */
  GMutex queue_lock;
  GMutex cache_lock;
  VkPhysicalDeviceProperties props;
  VkPhysicalDeviceMemoryProperties mem_props;
  VkDriverId driver_id;
  gboolean gpu_variants;                /* workgroup-cooperative kernels (shared-memory GEMM tiles,
                                         * a workgroup per LayerNorm row or attention window)
                                         * rather than the lavapipe ones */
  gboolean unfused_attention;           /* SwinContextParams' */
  gboolean timestamps;                  /* the compute queue has timestampValidBits */
  gboolean fp16_texels;                 /* R16G16B16A16_SFLOAT uniform texel buffers */
  gboolean shader_f16;                  /* fp16 arithmetic enabled (shaderFloat16) */
  gboolean coopmat;                     /* NV cooperative matrices enabled, of coopmat_shape */
  uint32_t coopmat_shape[3];            /* M, N, K (swin_features.c) */
  uint32_t subgroup_size;
  gboolean subgroup_shuffle;            /* subgroupShuffle() in compute shaders */
  gboolean debug_names;                 /* VK_EXT_debug_utils object names */
  char *device_name;
  char *driver_info;                    /* driver name and version, e.g. "Mesa 22.3.6" */
  char *lost;                           /* why the device is unusable (atomic pointer), or NULL */
  SwinLogFunc log_func;                 /* SwinContextParams', fixed for the context's life */
  void *log_data;
  GArray *cleanups;                     /* SwinCleanupEntry, run in reverse order */
  void *kernels;                        /* swin_kernel.c's pipeline cache (freed by a cleanup) */
  void *ops;                            /* swin_op.c's variant choices (freed by a cleanup) */
};

/* Turns a failed VkResult into a GError naming the call; TRUE on success. */
gboolean swin_vk_check (VkResult result, const char *call, GError **error);
const char *swin_vk_result_name (VkResult result);

/* Like swin_vk_check(), and a VK_ERROR_DEVICE_LOST marks @ctx lost. */
gboolean swin_ctx_check (SwinContext *ctx, VkResult result, const char *call, GError **error);

/* Checks @call; on failure sets @error and jumps to the function's `error:` label. */
#define SWIN_VK(call, error)                                   \
  G_STMT_START {                                               \
    if (!swin_vk_check ((call), #call, (error)))               \
      goto error;                                              \
  } G_STMT_END

/* Marks the device unusable (a lost device or a submission that never
 * finished): every later submission fails fast with @why.  The first reason
 * is kept. */
void swin_context_mark_lost (SwinContext *ctx, const char *why);
/* FALSE with SWIN_ERROR_DEVICE_LOST when the device was marked lost. */
gboolean swin_context_check_usable (SwinContext *ctx, GError **error);
gboolean swin_context_is_lost (SwinContext *ctx);

/* Registers @func(@ctx, @data) to run at swin_context_free() (see above).
 * The caller holds ctx->cache_lock. */
void swin_context_add_cleanup (SwinContext *ctx, SwinContextCleanup func, void *data);

/* Names a Vulkan object for debuggers and validation messages (a no-op
 * without VK_EXT_debug_utils). */
void swin_context_name_object (SwinContext *ctx, VkObjectType type, uint64_t handle, const char *name);

/* Round @v up to a multiple of @a (a power of two or not). */
static inline VkDeviceSize
swin_align (VkDeviceSize v, VkDeviceSize a)
{
  return (v + a - 1) / a * a;
}
