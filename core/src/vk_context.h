/* The Vulkan device behind a SwinContext (internal to core). */
#pragma once

#include <volk.h>
#include "swin/swin.h"

struct _SwinContext {
  VkInstance instance;                  /* the process's shared instance (vk_context.c) */
  VkPhysicalDevice physical;
  VkDevice device;
  VkQueue queue;
  uint32_t queue_family;
  GMutex lock;                          /* guards the queue and the kernel cache */
  VkPhysicalDeviceProperties props;
  VkPhysicalDeviceMemoryProperties mem_props;
  VkDriverId driver_id;
  gboolean gpu_variants;                /* workgroup-cooperative kernels (shared-memory GEMM tiles,
                                         * a workgroup per LayerNorm row or attention window)
                                         * rather than the lavapipe ones */
  gboolean timestamps;                  /* the compute queue has timestampValidBits */
  gboolean fp16_texels;                 /* R16G16B16A16_SFLOAT uniform texel buffers */
  char *device_name;
  char *driver_info;                    /* driver name and version, e.g. "Mesa 22.3.6" */
  GHashTable *kernels;                  /* cache key -> SwinKernel */
};

/* Turns a failed VkResult into a GError naming the call; TRUE on success. */
gboolean swin_vk_check (VkResult result, const char *call, GError **error);
const char *swin_vk_result_name (VkResult result);

/* Checks @call; on failure sets @error and jumps to the function's `error:` label. */
#define SWIN_VK(call, error)                                   \
  G_STMT_START {                                               \
    if (!swin_vk_check ((call), #call, (error)))               \
      goto error;                                              \
  } G_STMT_END

/* Round @v up to a multiple of @a (a power of two or not). */
static inline VkDeviceSize
swin_align (VkDeviceSize v, VkDeviceSize a)
{
  return (v + a - 1) / a * a;
}
