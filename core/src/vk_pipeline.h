/* Compute pipelines and command recording (internal to core). */
#pragma once

#include "vk_memory.h"

#define SWIN_MAX_BINDINGS 8
#define SWIN_MAX_SPEC 8

/* One compiled compute shader with fixed specialisation constants. */
typedef struct {
  VkDescriptorSetLayout set_layout;
  VkPipelineLayout layout;
  VkPipeline pipeline;
  int n_bindings;
  VkDescriptorType types[SWIN_MAX_BINDINGS];
  uint32_t push_size;
} SwinKernel;

typedef struct {
  const char *name;           /* for the cache key and error messages */
  const uint32_t *spv;
  size_t spv_size;            /* bytes */
  int n_bindings;
  VkDescriptorType types[SWIN_MAX_BINDINGS]; /* STORAGE_BUFFER or UNIFORM_TEXEL_BUFFER */
  uint32_t push_size;
  int n_spec;
  uint32_t spec[SWIN_MAX_SPEC]; /* constant_id 0..n_spec-1 (int/uint/float bits) */
} SwinKernelDesc;

/* Returns the context's cached pipeline for @desc, creating it on first use.
 * Owned by the context. */
SwinKernel *swin_kernel_get (SwinContext *ctx, const SwinKernelDesc *desc, GError **error);
void swin_kernel_free (SwinContext *ctx, SwinKernel *kernel);

/* A buffer range bound to one binding.  @format is used for texel buffers
 * (VK_FORMAT_R32_SFLOAT, VK_FORMAT_R32G32B32A32_SFLOAT, VK_FORMAT_R8_UINT...). */
typedef struct {
  SwinBuffer *buf;
  VkDeviceSize offset;
  VkDeviceSize size;          /* 0: to the end of the buffer */
  VkFormat format;
} SwinBinding;

/* A primary command buffer being recorded, with the descriptor sets and texel
 * buffer views its dispatches use; replayable any number of times. */
typedef struct _SwinCmd SwinCmd;

SwinCmd *swin_cmd_new (SwinContext *ctx, GError **error);
/* Like swin_cmd_new(), with a timestamp after every dispatch when @profile
 * and the queue supports timestamps (see swin_cmd_read_profile()). */
SwinCmd *swin_cmd_new_full (SwinContext *ctx, gboolean profile, GError **error);
void swin_cmd_free (SwinCmd *cmd);
/* Names the next dispatches (static string) and the FLOPs of each, for profiles. */
void swin_cmd_label (SwinCmd *cmd, const char *label, double flops);

/* After a run: SwinKernelStat per label, in first-recorded order.  Returns
 * FALSE with @error when the command buffer was not profiled. */
gboolean swin_cmd_read_profile (SwinCmd *cmd, GArray *entries, GError **error);
/* Records one dispatch followed by a compute->compute memory barrier. */
gboolean swin_cmd_dispatch (SwinCmd *cmd, SwinKernel *kernel, const SwinBinding *bindings,
                            const void *push, uint32_t gx, uint32_t gy, uint32_t gz,
                            GError **error);
/* Records a copy between buffers followed by a transfer->compute barrier. */
gboolean swin_cmd_copy (SwinCmd *cmd, SwinBuffer *src, VkDeviceSize src_offset,
                        SwinBuffer *dst, VkDeviceSize dst_offset, VkDeviceSize size,
                        GError **error);
/* Ends recording (adds the shader->host barrier). */
gboolean swin_cmd_end (SwinCmd *cmd, GError **error);
VkCommandBuffer swin_cmd_get_buffer (SwinCmd *cmd);
/* Submits @n ended command buffers in order in one vkQueueSubmit and waits. */
gboolean swin_cmd_submit_wait (SwinContext *ctx, SwinCmd **cmds, int n, GError **error);
