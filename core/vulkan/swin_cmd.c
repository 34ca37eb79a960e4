/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Command buffers: recording, timestamps, submission and the pending state
 * that decides whether a command buffer may be destroyed. */
#include "swin_cmd.h"

#include <string.h>

/* Descriptor sets are carved from fixed-size pools; a new pool is added when one runs out. */
#define POOL_SETS 64
/* Timestamps a profiled command buffer can hold (Swin-L has ~300 dispatches). */
#define MAX_QUERIES 1024
/* A submission that takes longer means a hung device, not a slow one. */
#define SUBMIT_TIMEOUT_S 120
/* ... except the first run of a command buffer's dispatches: lavapipe
 * compiles each pipeline with LLVM when it is first dispatched, not when it
 * is created, which for Swin-T takes about 50 s of one core with Mesa's
 * shader cache cold, and several times that on a loaded machine. */
#define FIRST_SUBMIT_TIMEOUT_S 600

struct _SwinCmd {
  SwinContext *ctx;
  VkCommandPool pool;             /* one per command buffer: recording needs no lock */
  VkCommandBuffer cb;
  GArray *desc_pools;             /* VkDescriptorPool */
  GArray *views;                  /* VkBufferView */
  uint32_t sets_left;
  /* profiling */
  VkQueryPool queries;
  uint32_t n_queries, max_queries;
  const char *label;
  double flops;
  GPtrArray *labels;              /* label of query i + 1 */
  GArray *query_flops;            /* double, FLOPs of query i + 1 */
  gboolean profiled;              /* recorded with profiling requested */
  gint pending;                   /* submitted and not known to be finished (atomic) */
  gboolean untried;               /* holds dispatches no submission has completed yet */
};

SwinCmd *
swin_cmd_new (SwinContext *ctx, GError **error)
{
  return swin_cmd_new_full (ctx, "swin commands", FALSE, error);
}

SwinCmd *
swin_cmd_new_full (SwinContext *ctx, const char *name, gboolean profile, GError **error)
{
  SwinCmd *cmd = g_new0 (SwinCmd, 1);
  VkCommandPoolCreateInfo pinfo = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO, .queueFamilyIndex = ctx->queue_family,
  };
  VkCommandBufferAllocateInfo ainfo = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
    .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY, .commandBufferCount = 1,
  };
  VkCommandBufferBeginInfo begin = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };

  cmd->ctx = ctx;
  cmd->desc_pools = g_array_new (FALSE, FALSE, sizeof (VkDescriptorPool));
  cmd->views = g_array_new (FALSE, FALSE, sizeof (VkBufferView));
  SWIN_VK (vkCreateCommandPool (ctx->device, &pinfo, NULL, &cmd->pool), error);
  swin_context_name_object (ctx, VK_OBJECT_TYPE_COMMAND_POOL, (uint64_t) cmd->pool, name);
  ainfo.commandPool = cmd->pool;
  SWIN_VK (vkAllocateCommandBuffers (ctx->device, &ainfo, &cmd->cb), error);
  swin_context_name_object (ctx, VK_OBJECT_TYPE_COMMAND_BUFFER, (uint64_t) (uintptr_t) cmd->cb, name);
  SWIN_VK (vkBeginCommandBuffer (cmd->cb, &begin), error);
  cmd->profiled = profile;
  cmd->labels = g_ptr_array_new ();
  cmd->query_flops = g_array_new (FALSE, FALSE, sizeof (double));
  if (profile && ctx->props.limits.timestampPeriod > 0 && ctx->timestamps) {
    VkQueryPoolCreateInfo qi = {
      .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
      .queryType = VK_QUERY_TYPE_TIMESTAMP, .queryCount = MAX_QUERIES,
    };
    SWIN_VK (vkCreateQueryPool (ctx->device, &qi, NULL, &cmd->queries), error);
    cmd->max_queries = MAX_QUERIES;
    vkCmdResetQueryPool (cmd->cb, cmd->queries, 0, MAX_QUERIES);
    vkCmdWriteTimestamp (cmd->cb, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, cmd->queries, 0);
    cmd->n_queries = 1;
  }
  return cmd;

error:
  swin_cmd_free (cmd);
  return NULL;
}

void
swin_cmd_free (SwinCmd *cmd)
{
  VkDevice dev;

  if (!cmd)
    return;
  dev = cmd->ctx->device;
  if (g_atomic_int_get (&cmd->pending)) {
    swin_log (cmd->ctx, SWIN_LOG_WARNING, "a command buffer still pending on \"%s\" is leaked, not destroyed",
              cmd->ctx->device_name);
    return;
  }
  for (guint i = 0; i < cmd->views->len; i++)
    vkDestroyBufferView (dev, g_array_index (cmd->views, VkBufferView, i), NULL);
  for (guint i = 0; i < cmd->desc_pools->len; i++)
    vkDestroyDescriptorPool (dev, g_array_index (cmd->desc_pools, VkDescriptorPool, i), NULL);
  if (cmd->pool)
    vkDestroyCommandPool (dev, cmd->pool, NULL);
  if (cmd->queries)
    vkDestroyQueryPool (dev, cmd->queries, NULL);
  if (cmd->labels)
    g_ptr_array_free (cmd->labels, TRUE);
  if (cmd->query_flops)
    g_array_free (cmd->query_flops, TRUE);
  g_array_free (cmd->views, TRUE);
  g_array_free (cmd->desc_pools, TRUE);
  g_free (cmd);
}

SwinContext *
swin_cmd_get_context (SwinCmd *cmd)
{
  return cmd->ctx;
}

VkCommandBuffer
swin_cmd_get_buffer (SwinCmd *cmd)
{
  return cmd->cb;
}

gboolean
swin_cmd_alloc_set (SwinCmd *cmd, VkDescriptorSetLayout layout, VkDescriptorSet *set, GError **error)
{
  VkDevice dev = cmd->ctx->device;
  VkDescriptorSetAllocateInfo ai = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
    .descriptorSetCount = 1, .pSetLayouts = &layout,
  };

  if (cmd->sets_left == 0) {
    VkDescriptorPoolSize sizes[] = {
      { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, POOL_SETS * SWIN_MAX_BINDINGS },
      { VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, POOL_SETS * SWIN_MAX_BINDINGS },
    };
    VkDescriptorPoolCreateInfo pi = {
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
      .maxSets = POOL_SETS, .poolSizeCount = G_N_ELEMENTS (sizes), .pPoolSizes = sizes,
    };
    VkDescriptorPool pool;
    SWIN_VK (vkCreateDescriptorPool (dev, &pi, NULL, &pool), error);
    g_array_append_val (cmd->desc_pools, pool);
    cmd->sets_left = POOL_SETS;
  }
  ai.descriptorPool = g_array_index (cmd->desc_pools, VkDescriptorPool, cmd->desc_pools->len - 1);
  SWIN_VK (vkAllocateDescriptorSets (dev, &ai, set), error);
  cmd->sets_left--;
  return TRUE;

error:
  return FALSE;
}

void
swin_cmd_keep_view (SwinCmd *cmd, VkBufferView view)
{
  g_array_append_val (cmd->views, view);
}

void
swin_cmd_dispatched (SwinCmd *cmd)
{
  VkMemoryBarrier mb = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
    .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
    .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT,
  };

  cmd->untried = TRUE;
  vkCmdPipelineBarrier (cmd->cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                        0, 1, &mb, 0, NULL, 0, NULL);
  if (cmd->queries && cmd->n_queries < cmd->max_queries) {
    vkCmdWriteTimestamp (cmd->cb, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, cmd->queries, cmd->n_queries++);
    g_ptr_array_add (cmd->labels, (gpointer) (cmd->label ? cmd->label : "other"));
    g_array_append_val (cmd->query_flops, cmd->flops);
  }
}

void
swin_cmd_label (SwinCmd *cmd, const char *label, double flops)
{
  cmd->label = label;
  cmd->flops = flops;
}

gboolean
swin_cmd_read_profile (SwinCmd *cmd, GArray *entries, GError **error)
{
  SwinContext *ctx = cmd->ctx;
  g_autofree guint64 *ts = NULL;

  if (!cmd->profiled) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "not recorded with profiling");
    return FALSE;
  }
  if (!cmd->queries) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_NO_DEVICE, "The device has no compute timestamps");
    return FALSE;
  }
  ts = g_new (guint64, cmd->n_queries);
  SWIN_VK (vkGetQueryPoolResults (ctx->device, cmd->queries, 0, cmd->n_queries,
                                  cmd->n_queries * sizeof (guint64), ts, sizeof (guint64),
                                  VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT), error);
  g_array_set_size (entries, 0);
  for (guint q = 1; q < cmd->n_queries; q++) {
    const char *label = g_ptr_array_index (cmd->labels, q - 1);
    SwinKernelStat *e = NULL;
    for (guint i = 0; i < entries->len && !e; i++)
      if (strcmp (g_array_index (entries, SwinKernelStat, i).label, label) == 0)
        e = &g_array_index (entries, SwinKernelStat, i);
    if (!e) {
      SwinKernelStat z = { label, 0, 0, 0 };
      g_array_append_val (entries, z);
      e = &g_array_index (entries, SwinKernelStat, entries->len - 1);
    }
    e->count++;
    e->ms += (ts[q] - ts[q - 1]) * ctx->props.limits.timestampPeriod * 1e-6;
    e->gflop += g_array_index (cmd->query_flops, double, q - 1) * 1e-9;
  }
  return TRUE;

error:
  return FALSE;
}

void
swin_cmd_copy (SwinCmd *cmd, VkBuffer src, VkDeviceSize src_offset, VkBuffer dst,
               VkDeviceSize dst_offset, VkDeviceSize size)
{
  VkBufferCopy region = { src_offset, dst_offset, size };
  VkMemoryBarrier mb = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
    .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
    .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
  };

  vkCmdCopyBuffer (cmd->cb, src, dst, 1, &region);
  vkCmdPipelineBarrier (cmd->cb, VK_PIPELINE_STAGE_TRANSFER_BIT,
                        VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                        0, 1, &mb, 0, NULL, 0, NULL);
}

gboolean
swin_cmd_end (SwinCmd *cmd, GError **error)
{
  VkMemoryBarrier mb = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
    .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
    .dstAccessMask = VK_ACCESS_HOST_READ_BIT,
  };

  vkCmdPipelineBarrier (cmd->cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                        VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, NULL, 0, NULL);
  return swin_vk_check (vkEndCommandBuffer (cmd->cb), "vkEndCommandBuffer", error);
}

gboolean
swin_cmd_submit_wait (SwinContext *ctx, SwinCmd **cmds, int n, GError **error)
{
  VkCommandBuffer cbs[8];
  VkFence fence = VK_NULL_HANDLE;
  VkFenceCreateInfo fi = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
  VkSubmitInfo si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = n, .pCommandBuffers = cbs };
  VkResult r;
  gboolean ok;
  guint timeout_s = SUBMIT_TIMEOUT_S;

  g_assert (n > 0 && n <= (int) G_N_ELEMENTS (cbs));
  if (!swin_context_check_usable (ctx, error))
    return FALSE;
  for (int i = 0; i < n; i++) {
    if (g_atomic_int_get (&cmds[i]->pending)) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "command buffer submitted twice");
      return FALSE;
    }
    cbs[i] = cmds[i]->cb;
    if (cmds[i]->untried)
      timeout_s = FIRST_SUBMIT_TIMEOUT_S;
  }
  if (!swin_ctx_check (ctx, vkCreateFence (ctx->device, &fi, NULL, &fence), "vkCreateFence", error))
    return FALSE;
  g_mutex_lock (&ctx->queue_lock);
  r = vkQueueSubmit (ctx->queue, 1, &si, fence);
  g_mutex_unlock (&ctx->queue_lock);
  ok = swin_ctx_check (ctx, r, "vkQueueSubmit", error);
  if (!ok) {
    vkDestroyFence (ctx->device, fence, NULL);
    return FALSE;
  }
  for (int i = 0; i < n; i++)
    g_atomic_int_set (&cmds[i]->pending, 1);

  /* A generous bound: a hung device must end in an error, not a hang. */
  r = vkWaitForFences (ctx->device, 1, &fence, VK_TRUE, timeout_s * 1000000000ull);
  if (r == VK_TIMEOUT) {
    swin_context_mark_lost (ctx, "a submission did not finish in time");
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_DEVICE_LOST, "vkWaitForFences timed out after %u s: the "
                 "Vulkan device \"%s\" does not answer", timeout_s, ctx->device_name);
    /* The fence and the command buffers may still be in use: they are
     * leaked rather than destroyed (swin_cmd_free() sees them pending). */
    return FALSE;
  }
  ok = swin_ctx_check (ctx, r, "vkWaitForFences", error);
  /* Finished, or the device is lost (after which destroying is allowed). */
  for (int i = 0; i < n; i++) {
    g_atomic_int_set (&cmds[i]->pending, 0);
    if (ok)
      cmds[i]->untried = FALSE;
  }
  vkDestroyFence (ctx->device, fence, NULL);
  return ok;
}
