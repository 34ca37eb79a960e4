/* Compute pipelines (cached per context) and command recording. */
#include "vk_pipeline.h"

#include <string.h>

/* Descriptor sets are carved from fixed-size pools; a new pool is added when one runs out. */
#define POOL_SETS 64

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
};

/* Timestamps a profiled command buffer can hold (Swin-L has ~300 dispatches). */
#define MAX_QUERIES 1024

void
swin_kernel_free (SwinContext *ctx, SwinKernel *k)
{
  if (!k)
    return;
  if (k->pipeline)
    vkDestroyPipeline (ctx->device, k->pipeline, NULL);
  if (k->layout)
    vkDestroyPipelineLayout (ctx->device, k->layout, NULL);
  if (k->set_layout)
    vkDestroyDescriptorSetLayout (ctx->device, k->set_layout, NULL);
  g_free (k);
}

static SwinKernel *
kernel_create (SwinContext *ctx, const SwinKernelDesc *d, GError **error)
{
  SwinKernel *k = g_new0 (SwinKernel, 1);
  VkDescriptorSetLayoutBinding b[SWIN_MAX_BINDINGS];
  VkSpecializationMapEntry map[SWIN_MAX_SPEC];
  VkShaderModule module = VK_NULL_HANDLE;
  VkPushConstantRange push = { VK_SHADER_STAGE_COMPUTE_BIT, 0, d->push_size };
  VkDescriptorSetLayoutCreateInfo dsl = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
    .bindingCount = d->n_bindings, .pBindings = b,
  };
  VkPipelineLayoutCreateInfo pl = {
    .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
    .setLayoutCount = 1, .pSetLayouts = &k->set_layout,
    .pushConstantRangeCount = d->push_size ? 1 : 0, .pPushConstantRanges = &push,
  };
  VkShaderModuleCreateInfo sm = {
    .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO, .codeSize = d->spv_size, .pCode = d->spv,
  };
  VkSpecializationInfo spec = {
    .mapEntryCount = d->n_spec, .pMapEntries = map,
    .dataSize = d->n_spec * sizeof (uint32_t), .pData = d->spec,
  };
  VkComputePipelineCreateInfo ci = {
    .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
    .stage = {
      .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
      .stage = VK_SHADER_STAGE_COMPUTE_BIT, .pName = "main", .pSpecializationInfo = &spec,
    },
  };

  g_assert (d->n_bindings <= SWIN_MAX_BINDINGS && d->n_spec <= SWIN_MAX_SPEC);
  if (d->push_size > ctx->props.limits.maxPushConstantsSize) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_NO_DEVICE,
                 "Kernel %s needs %u bytes of push constants; the device has %u", d->name,
                 d->push_size, ctx->props.limits.maxPushConstantsSize);
    goto error;
  }
  k->n_bindings = d->n_bindings;
  k->push_size = d->push_size;
  for (int i = 0; i < d->n_bindings; i++) {
    k->types[i] = d->types[i];
    b[i] = (VkDescriptorSetLayoutBinding) { i, d->types[i], 1, VK_SHADER_STAGE_COMPUTE_BIT, NULL };
  }
  for (int i = 0; i < d->n_spec; i++)
    map[i] = (VkSpecializationMapEntry) { i, i * sizeof (uint32_t), sizeof (uint32_t) };

  SWIN_VK (vkCreateDescriptorSetLayout (ctx->device, &dsl, NULL, &k->set_layout), error);
  SWIN_VK (vkCreatePipelineLayout (ctx->device, &pl, NULL, &k->layout), error);
  SWIN_VK (vkCreateShaderModule (ctx->device, &sm, NULL, &module), error);
  ci.stage.module = module;
  ci.layout = k->layout;
  SWIN_VK (vkCreateComputePipelines (ctx->device, VK_NULL_HANDLE, 1, &ci, NULL, &k->pipeline), error);
  vkDestroyShaderModule (ctx->device, module, NULL);
  return k;

error:
  if (module)
    vkDestroyShaderModule (ctx->device, module, NULL);
  swin_kernel_free (ctx, k);
  return NULL;
}

SwinKernel *
swin_kernel_get (SwinContext *ctx, const SwinKernelDesc *d, GError **error)
{
  GString *key = g_string_new (d->name);
  SwinKernel *k;

  for (int i = 0; i < d->n_spec; i++)
    g_string_append_printf (key, ":%u", d->spec[i]);
  g_mutex_lock (&ctx->lock);
  k = g_hash_table_lookup (ctx->kernels, key->str);
  if (!k && (k = kernel_create (ctx, d, error)))
    g_hash_table_insert (ctx->kernels, g_string_free (key, FALSE), k);
  else
    g_string_free (key, TRUE);
  g_mutex_unlock (&ctx->lock);
  return k;
}

SwinCmd *
swin_cmd_new (SwinContext *ctx, GError **error)
{
  return swin_cmd_new_full (ctx, FALSE, error);
}

SwinCmd *
swin_cmd_new_full (SwinContext *ctx, gboolean profile, GError **error)
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
  ainfo.commandPool = cmd->pool;
  SWIN_VK (vkAllocateCommandBuffers (ctx->device, &ainfo, &cmd->cb), error);
  SWIN_VK (vkBeginCommandBuffer (cmd->cb, &begin), error);
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

VkCommandBuffer
swin_cmd_get_buffer (SwinCmd *cmd)
{
  return cmd->cb;
}

static gboolean
alloc_set (SwinCmd *cmd, SwinKernel *k, VkDescriptorSet *set, GError **error)
{
  VkDevice dev = cmd->ctx->device;
  VkDescriptorSetAllocateInfo ai = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
    .descriptorSetCount = 1, .pSetLayouts = &k->set_layout,
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

static guint
format_bytes (VkFormat f)
{
  switch (f) {
    case VK_FORMAT_R32G32B32A32_SFLOAT: case VK_FORMAT_R32G32B32A32_UINT: return 16;
    case VK_FORMAT_R32_SFLOAT: case VK_FORMAT_R32_UINT: return 4;
    case VK_FORMAT_R16G16B16A16_SFLOAT: return 8;
    case VK_FORMAT_R16_SFLOAT: return 2;
    default: return 1;
  }
}

gboolean
swin_cmd_dispatch (SwinCmd *cmd, SwinKernel *k, const SwinBinding *bind, const void *push,
                   uint32_t gx, uint32_t gy, uint32_t gz, GError **error)
{
  SwinContext *ctx = cmd->ctx;
  const VkPhysicalDeviceLimits *lim = &ctx->props.limits;
  VkDescriptorBufferInfo infos[SWIN_MAX_BINDINGS];
  VkBufferView views[SWIN_MAX_BINDINGS];
  VkWriteDescriptorSet w[SWIN_MAX_BINDINGS];
  VkDescriptorSet set;
  VkMemoryBarrier mb = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
    .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
    .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT,
  };

  if (gx > lim->maxComputeWorkGroupCount[0] || gy > lim->maxComputeWorkGroupCount[1] ||
      gz > lim->maxComputeWorkGroupCount[2]) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_OUT_OF_MEMORY,
                 "Dispatch of %u x %u x %u workgroups exceeds the device's limits", gx, gy, gz);
    return FALSE;
  }
  if (!alloc_set (cmd, k, &set, error))
    return FALSE;

  for (int i = 0; i < k->n_bindings; i++) {
    VkDeviceSize size = bind[i].size ? bind[i].size : bind[i].buf->size - bind[i].offset;

    w[i] = (VkWriteDescriptorSet) {
      .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET, .dstSet = set, .dstBinding = i,
      .descriptorCount = 1, .descriptorType = k->types[i],
    };
    if (k->types[i] == VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER) {
      guint tb = format_bytes (bind[i].format);
      VkBufferViewCreateInfo vi = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO, .buffer = bind[i].buf->buffer,
        .format = bind[i].format, .offset = bind[i].offset, .range = size / tb * tb,
      };
      if (size / tb > lim->maxTexelBufferElements) {
        g_set_error (error, SWIN_ERROR, SWIN_ERROR_OUT_OF_MEMORY,
                     "A %" G_GUINT64_FORMAT "-element texel buffer exceeds the device's limit of %u "
                     "(use a smaller batch)", (guint64) (size / tb), lim->maxTexelBufferElements);
        return FALSE;
      }
      SWIN_VK (vkCreateBufferView (ctx->device, &vi, NULL, &views[i]), error);
      g_array_append_val (cmd->views, views[i]);
      w[i].pTexelBufferView = &views[i];
    } else {
      if (size > lim->maxStorageBufferRange) {
        g_set_error (error, SWIN_ERROR, SWIN_ERROR_OUT_OF_MEMORY,
                     "A %" G_GUINT64_FORMAT "-byte storage buffer range exceeds the device's "
                     "maxStorageBufferRange of %u (use a smaller batch)", (guint64) size,
                     lim->maxStorageBufferRange);
        return FALSE;
      }
      infos[i] = (VkDescriptorBufferInfo) { bind[i].buf->buffer, bind[i].offset, size };
      w[i].pBufferInfo = &infos[i];
    }
  }
  vkUpdateDescriptorSets (ctx->device, k->n_bindings, w, 0, NULL);

  vkCmdBindPipeline (cmd->cb, VK_PIPELINE_BIND_POINT_COMPUTE, k->pipeline);
  vkCmdBindDescriptorSets (cmd->cb, VK_PIPELINE_BIND_POINT_COMPUTE, k->layout, 0, 1, &set, 0, NULL);
  if (k->push_size)
    vkCmdPushConstants (cmd->cb, k->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, k->push_size, push);
  vkCmdDispatch (cmd->cb, gx, gy, gz);
  /* Each dispatch reads what the previous ones wrote: a full compute barrier. */
  vkCmdPipelineBarrier (cmd->cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                        0, 1, &mb, 0, NULL, 0, NULL);
  if (cmd->queries && cmd->n_queries < cmd->max_queries) {
    vkCmdWriteTimestamp (cmd->cb, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, cmd->queries, cmd->n_queries++);
    g_ptr_array_add (cmd->labels, (gpointer) (cmd->label ? cmd->label : "other"));
    g_array_append_val (cmd->query_flops, cmd->flops);
  }
  return TRUE;

error:
  return FALSE;
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

gboolean
swin_cmd_copy (SwinCmd *cmd, SwinBuffer *src, VkDeviceSize src_offset,
               SwinBuffer *dst, VkDeviceSize dst_offset, VkDeviceSize size, GError **error)
{
  VkBufferCopy region = { src_offset, dst_offset, size };
  VkMemoryBarrier mb = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
    .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
    .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
  };

  vkCmdCopyBuffer (cmd->cb, src->buffer, dst->buffer, 1, &region);
  vkCmdPipelineBarrier (cmd->cb, VK_PIPELINE_STAGE_TRANSFER_BIT,
                        VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                        0, 1, &mb, 0, NULL, 0, NULL);
  return TRUE;
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
  gboolean ok = FALSE;

  g_assert (n > 0 && n <= (int) G_N_ELEMENTS (cbs));
  for (int i = 0; i < n; i++)
    cbs[i] = cmds[i]->cb;
  SWIN_VK (vkCreateFence (ctx->device, &fi, NULL, &fence), error);
  g_mutex_lock (&ctx->lock);
  ok = swin_vk_check (vkQueueSubmit (ctx->queue, 1, &si, fence), "vkQueueSubmit", error);
  g_mutex_unlock (&ctx->lock);
  /* A generous bound: a lost device must end in an error, not a hang. */
  if (ok)
    ok = swin_vk_check (vkWaitForFences (ctx->device, 1, &fence, VK_TRUE, 120ull * 1000000000ull),
                        "vkWaitForFences", error);
  if (ok && vkGetFenceStatus (ctx->device, fence) != VK_SUCCESS) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_VULKAN, "vkWaitForFences timed out after 120 s");
    /* The fence is still pending: destroying it would be invalid, so it is leaked. */
    return FALSE;
  }

error:
  if (fence)
    vkDestroyFence (ctx->device, fence, NULL);
  return ok;
}
