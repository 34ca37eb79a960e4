/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Compute pipelines, cached per context, and their dispatch. */
#include "swin_kernel.h"

#include <string.h>

static void
kernel_free (SwinContext *ctx, SwinKernel *k)
{
  if (!k)
    return;
  if (k->pipeline)
    vkDestroyPipeline (ctx->device, k->pipeline, NULL);
  if (k->layout)
    vkDestroyPipelineLayout (ctx->device, k->layout, NULL);
  if (k->set_layout)
    vkDestroyDescriptorSetLayout (ctx->device, k->set_layout, NULL);
  g_free (k->name);
  g_free (k);
}

/* The context's cache: cache key -> SwinKernel; freed with the context. */
static void
cache_free (SwinContext *ctx, void *data)
{
  GHashTable *cache = data;
  GHashTableIter it;
  gpointer key, value;

  g_hash_table_iter_init (&it, cache);
  while (g_hash_table_iter_next (&it, &key, &value))
    kernel_free (ctx, value);
  g_hash_table_destroy (cache);
}

static SwinKernel *
kernel_create (SwinContext *ctx, const SwinKernelDesc *d, const char *name, GError **error)
{
  SwinKernel *k = g_new0 (SwinKernel, 1);
  VkDescriptorSetLayoutBinding b[SWIN_MAX_BINDINGS];
  VkSpecializationMapEntry map[3 + SWIN_MAX_SPEC];
  uint32_t values[3 + SWIN_MAX_SPEC];
  const VkPhysicalDeviceLimits *lim = &ctx->props.limits;
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
    .mapEntryCount = 3 + d->n_spec, .pMapEntries = map,
    .dataSize = (3 + d->n_spec) * sizeof (uint32_t), .pData = values,
  };
  VkComputePipelineCreateInfo ci = {
    .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
    .stage = {
      .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
      .stage = VK_SHADER_STAGE_COMPUTE_BIT, .pName = "main", .pSpecializationInfo = &spec,
    },
  };

  g_assert (d->n_bindings <= SWIN_MAX_BINDINGS && d->n_spec <= SWIN_MAX_SPEC);
  k->name = g_strdup (name);
  if (d->push_size > lim->maxPushConstantsSize) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_DEVICE_LIMIT,
                 "Kernel %s needs %u bytes of push constants; the device has %u", name,
                 d->push_size, lim->maxPushConstantsSize);
    goto error;
  }
  if (d->local[0] > lim->maxComputeWorkGroupSize[0] || d->local[1] > lim->maxComputeWorkGroupSize[1] ||
      d->local[2] > lim->maxComputeWorkGroupSize[2] ||
      (uint64_t) d->local[0] * d->local[1] * d->local[2] > lim->maxComputeWorkGroupInvocations) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_DEVICE_LIMIT,
                 "Kernel %s needs workgroups of %u x %u x %u; the device allows %u invocations", name,
                 d->local[0], d->local[1], d->local[2], lim->maxComputeWorkGroupInvocations);
    goto error;
  }
  k->n_bindings = d->n_bindings;
  k->push_size = d->push_size;
  for (int i = 0; i < d->n_bindings; i++) {
    k->types[i] = d->types[i];
    b[i] = (VkDescriptorSetLayoutBinding) { i, d->types[i], 1, VK_SHADER_STAGE_COMPUTE_BIT, NULL };
  }
  for (int i = 0; i < 3 + d->n_spec; i++) {
    map[i] = (VkSpecializationMapEntry) { i, i * sizeof (uint32_t), sizeof (uint32_t) };
    values[i] = i < 3 ? MAX (d->local[i], 1u) : d->spec[i - 3];
  }

  SWIN_VK (vkCreateDescriptorSetLayout (ctx->device, &dsl, NULL, &k->set_layout), error);
  SWIN_VK (vkCreatePipelineLayout (ctx->device, &pl, NULL, &k->layout), error);
  SWIN_VK (vkCreateShaderModule (ctx->device, &sm, NULL, &module), error);
  ci.stage.module = module;
  ci.layout = k->layout;
  SWIN_VK (vkCreateComputePipelines (ctx->device, VK_NULL_HANDLE, 1, &ci, NULL, &k->pipeline), error);
  vkDestroyShaderModule (ctx->device, module, NULL);
  swin_context_name_object (ctx, VK_OBJECT_TYPE_PIPELINE, (uint64_t) k->pipeline, name);
  swin_log (ctx, SWIN_LOG_DEBUG, "pipeline %s created", name);
  return k;

error:
  if (module)
    vkDestroyShaderModule (ctx->device, module, NULL);
  kernel_free (ctx, k);
  return NULL;
}

SwinKernel *
swin_kernel_get (SwinContext *ctx, const SwinKernelDesc *d, GError **error)
{
  GString *key = g_string_new (d->name);
  SwinKernel *k, *created;

  g_string_append_printf (key, "[%ux%ux%u:", d->local[0], d->local[1], d->local[2]);
  for (int i = 0; i < d->n_spec; i++)
    g_string_append_printf (key, "%s%u", i ? "," : "", d->spec[i]);
  g_string_append_c (key, ']');
  g_mutex_lock (&ctx->cache_lock);
  if (!ctx->kernels) {
    ctx->kernels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    swin_context_add_cleanup (ctx, cache_free, ctx->kernels);
  }
  k = g_hash_table_lookup (ctx->kernels, key->str);
  g_mutex_unlock (&ctx->cache_lock);
  if (k || !(created = kernel_create (ctx, d, key->str, error))) {
    g_string_free (key, TRUE);
    return k;
  }

  /* Created without the lock (swin_context.h): another thread may have
   * created the same one meanwhile; the first inserted is kept. */
  g_mutex_lock (&ctx->cache_lock);
  k = g_hash_table_lookup (ctx->kernels, key->str);
  if (!k) {
    k = created;
    created = NULL;
    g_hash_table_insert (ctx->kernels, g_string_free (key, FALSE), k);
    key = NULL;
  }
  g_mutex_unlock (&ctx->cache_lock);
  kernel_free (ctx, created);
  if (key)
    g_string_free (key, TRUE);
  return k;
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
swin_kernel_dispatch (SwinCmd *cmd, SwinKernel *k, const SwinBinding *bind, const void *push,
                      uint32_t gx, uint32_t gy, uint32_t gz, GError **error)
{
  SwinContext *ctx = swin_cmd_get_context (cmd);
  VkCommandBuffer cb = swin_cmd_get_buffer (cmd);
  const VkPhysicalDeviceLimits *lim = &ctx->props.limits;
  VkDescriptorBufferInfo infos[SWIN_MAX_BINDINGS];
  VkBufferView views[SWIN_MAX_BINDINGS];
  VkWriteDescriptorSet w[SWIN_MAX_BINDINGS];
  VkDescriptorSet set;

  if (gx > lim->maxComputeWorkGroupCount[0] || gy > lim->maxComputeWorkGroupCount[1] ||
      gz > lim->maxComputeWorkGroupCount[2]) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_DEVICE_LIMIT,
                 "%s: a dispatch of %u x %u x %u workgroups exceeds the device's limits (%u x %u x %u)",
                 k->name, gx, gy, gz, lim->maxComputeWorkGroupCount[0], lim->maxComputeWorkGroupCount[1],
                 lim->maxComputeWorkGroupCount[2]);
    return FALSE;
  }
  if (!swin_cmd_alloc_set (cmd, k->set_layout, &set, error))
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
        g_set_error (error, SWIN_ERROR, SWIN_ERROR_DEVICE_LIMIT,
                     "%s: a %" G_GUINT64_FORMAT "-element texel buffer exceeds the device's limit of %u",
                     k->name, (guint64) (size / tb), lim->maxTexelBufferElements);
        return FALSE;
      }
      SWIN_VK (vkCreateBufferView (ctx->device, &vi, NULL, &views[i]), error);
      swin_cmd_keep_view (cmd, views[i]);
      w[i].pTexelBufferView = &views[i];
    } else {
      if (size > lim->maxStorageBufferRange) {
        g_set_error (error, SWIN_ERROR, SWIN_ERROR_DEVICE_LIMIT,
                     "%s: a %" G_GUINT64_FORMAT "-byte storage buffer range exceeds the device's "
                     "maxStorageBufferRange of %u", k->name, (guint64) size, lim->maxStorageBufferRange);
        return FALSE;
      }
      infos[i] = (VkDescriptorBufferInfo) { bind[i].buf->buffer, bind[i].offset, size };
      w[i].pBufferInfo = &infos[i];
    }
  }
  vkUpdateDescriptorSets (ctx->device, k->n_bindings, w, 0, NULL);

  vkCmdBindPipeline (cb, VK_PIPELINE_BIND_POINT_COMPUTE, k->pipeline);
  vkCmdBindDescriptorSets (cb, VK_PIPELINE_BIND_POINT_COMPUTE, k->layout, 0, 1, &set, 0, NULL);
  if (k->push_size)
    vkCmdPushConstants (cb, k->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, k->push_size, push);
  vkCmdDispatch (cb, gx, gy, gz);
  swin_cmd_dispatched (cmd);
  return TRUE;

error:
  return FALSE;
}

