/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Command buffers: recording, profiling timestamps, submission (internal to
 * core; above swin_context, below swin_buffer and swin_kernel). */
#pragma once

#include "swin_context.h"

/* The most bindings of one descriptor set: what a pool provides for and a
 * kernel may declare (swin_kernel.c). */
#define SWIN_MAX_BINDINGS 8

/* A primary command buffer with the descriptor sets and texel buffer views
 * its dispatches use; recorded once, replayable any number of times. */
typedef struct _SwinCmd SwinCmd;

SwinCmd *swin_cmd_new (SwinContext *ctx, GError **error);
/* Like swin_cmd_new(), with a timestamp after every dispatch when @profile
 * and the queue supports timestamps (see swin_cmd_read_profile()); @name
 * labels its Vulkan objects for debuggers. */
SwinCmd *swin_cmd_new_full (SwinContext *ctx, const char *name, gboolean profile, GError **error);
/* Frees @cmd, unless a submission of it may still be executing (its wait
 * timed out): its Vulkan objects are then deliberately leaked, since
 * destroying them would be invalid. */
void swin_cmd_free (SwinCmd *cmd);

SwinContext *swin_cmd_get_context (SwinCmd *cmd);
VkCommandBuffer swin_cmd_get_buffer (SwinCmd *cmd);
/* A descriptor set of @layout, owned by @cmd. */
gboolean swin_cmd_alloc_set (SwinCmd *cmd, VkDescriptorSetLayout layout, VkDescriptorSet *set,
                             GError **error);
/* Makes @cmd destroy @view with itself. */
void swin_cmd_keep_view (SwinCmd *cmd, VkBufferView view);

/* Names the next dispatches (static string) and the FLOPs of each, for profiles. */
void swin_cmd_label (SwinCmd *cmd, const char *label, double flops);
/* After a dispatch: the compute -> compute barrier (each dispatch reads what
 * the previous ones wrote) and, when profiling, a timestamp. */
void swin_cmd_dispatched (SwinCmd *cmd);
/* Records a copy between buffers followed by a transfer -> compute barrier. */
void swin_cmd_copy (SwinCmd *cmd, VkBuffer src, VkDeviceSize src_offset, VkBuffer dst,
                    VkDeviceSize dst_offset, VkDeviceSize size);
/* Ends recording (adds the shader -> host barrier). */
gboolean swin_cmd_end (SwinCmd *cmd, GError **error);

/* Submits @n ended command buffers in order in one vkQueueSubmit and waits
 * (at most 120 s, or 600 s when one holds dispatches that have not run to
 * completion yet: a device that does not finish by then is marked lost).
 * Fails fast with SWIN_ERROR_DEVICE_LOST once the context is lost. */
gboolean swin_cmd_submit_wait (SwinContext *ctx, SwinCmd **cmds, int n, GError **error);

/* After a run: SwinKernelStat per label, in first-recorded order.  Fails with
 * SWIN_ERROR_INVALID_ARG when @cmd was not recorded with profiling and with
 * SWIN_ERROR_NO_DEVICE when the device has no compute timestamps. */
gboolean swin_cmd_read_profile (SwinCmd *cmd, GArray *entries, GError **error);
