/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Buffer allocation and host uploads. */
#include "swin_buffer.h"

#include <string.h>

static int
find_memory_type (SwinContext *ctx, uint32_t bits, VkMemoryPropertyFlags want)
{
  for (uint32_t i = 0; i < ctx->mem_props.memoryTypeCount; i++)
    if ((bits & (1u << i)) && (ctx->mem_props.memoryTypes[i].propertyFlags & want) == want)
      return i;
  return -1;
}

SwinBuffer *
swin_buffer_new (SwinContext *ctx, VkDeviceSize size, SwinBufferKind kind, const char *name,
                 GError **error)
{
  SwinBuffer *buf = g_new0 (SwinBuffer, 1);
  VkBufferCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
    .size = swin_align (MAX (size, 16), 16),  /* whole vec4 texels */
    .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
             VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
    .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
  };
  VkMemoryRequirements req;
  VkMemoryAllocateInfo alloc = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO };
  int type = -1;

  buf->size = info.size;
  SWIN_VK (vkCreateBuffer (ctx->device, &info, NULL, &buf->buffer), error);
  vkGetBufferMemoryRequirements (ctx->device, buf->buffer, &req);

  switch (kind) {
    case SWIN_BUFFER_DEVICE:
      type = find_memory_type (ctx, req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
      break;
    case SWIN_BUFFER_UPLOAD:
      type = find_memory_type (ctx, req.memoryTypeBits,
                               VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
      break;
    case SWIN_BUFFER_READBACK:
      type = find_memory_type (ctx, req.memoryTypeBits,
                               VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
      if (type < 0)
        type = find_memory_type (ctx, req.memoryTypeBits, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT);
      break;
  }
  if (type < 0)
    type = find_memory_type (ctx, req.memoryTypeBits, 0);
  if (type < 0) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_VULKAN, "No suitable Vulkan memory type for a buffer");
    goto error;
  }

  alloc.allocationSize = req.size;
  alloc.memoryTypeIndex = type;
  SWIN_VK (vkAllocateMemory (ctx->device, &alloc, NULL, &buf->memory), error);
  SWIN_VK (vkBindBufferMemory (ctx->device, buf->buffer, buf->memory, 0), error);
  if (ctx->mem_props.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) {
    buf->coherent = !!(ctx->mem_props.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
    SWIN_VK (vkMapMemory (ctx->device, buf->memory, 0, VK_WHOLE_SIZE, 0, &buf->mapped), error);
  }
  swin_context_name_object (ctx, VK_OBJECT_TYPE_BUFFER, (uint64_t) buf->buffer, name);
  swin_context_name_object (ctx, VK_OBJECT_TYPE_DEVICE_MEMORY, (uint64_t) buf->memory, name);
  swin_log (ctx, SWIN_LOG_DEBUG, "%s: %.2f MiB of %s memory (type %d)", name, buf->size / 1048576.0,
            kind == SWIN_BUFFER_DEVICE ? "device" : kind == SWIN_BUFFER_UPLOAD ? "upload" : "readback",
            type);
  return buf;

error:
  swin_buffer_free (ctx, buf);
  return NULL;
}

void
swin_buffer_free (SwinContext *ctx, SwinBuffer *buf)
{
  if (!buf)
    return;
  if (buf->buffer)
    vkDestroyBuffer (ctx->device, buf->buffer, NULL);
  if (buf->memory)
    vkFreeMemory (ctx->device, buf->memory, NULL);
  g_free (buf);
}

static gboolean
flush (SwinContext *ctx, SwinBuffer *buf, GError **error)
{
  VkMappedMemoryRange range = {
    .sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE, .memory = buf->memory, .size = VK_WHOLE_SIZE,
  };
  if (buf->coherent)
    return TRUE;
  return swin_vk_check (vkFlushMappedMemoryRanges (ctx->device, 1, &range), "vkFlushMappedMemoryRanges", error);
}

gboolean
swin_buffer_invalidate (SwinContext *ctx, SwinBuffer *buf, GError **error)
{
  VkMappedMemoryRange range = {
    .sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE, .memory = buf->memory, .size = VK_WHOLE_SIZE,
  };
  if (buf->coherent)
    return TRUE;
  return swin_vk_check (vkInvalidateMappedMemoryRanges (ctx->device, 1, &range),
                        "vkInvalidateMappedMemoryRanges", error);
}

/* Large weight sets go through a bounded staging buffer, a chunk at a time. */
#define STAGING_CHUNK (32u << 20)

gboolean
swin_buffer_upload (SwinContext *ctx, SwinBuffer *dst, VkDeviceSize offset,
                    const void *data, VkDeviceSize size, GError **error)
{
  SwinBuffer *staging = NULL;
  gboolean ok = FALSE;

  if (offset + size > dst->size) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "Upload past the end of a buffer");
    return FALSE;
  }
  if (dst->mapped) {
    memcpy ((char *) dst->mapped + offset, data, size);
    return flush (ctx, dst, error);
  }

  staging = swin_buffer_new (ctx, MIN (size, STAGING_CHUNK), SWIN_BUFFER_UPLOAD, "swin staging", error);
  if (!staging)
    return FALSE;
  for (VkDeviceSize done = 0; done < size; done += STAGING_CHUNK) {
    VkDeviceSize n = MIN (STAGING_CHUNK, size - done);
    SwinCmd *cmd;

    memcpy (staging->mapped, (const char *) data + done, n);
    if (!flush (ctx, staging, error))
      goto out;
    cmd = swin_cmd_new (ctx, error);
    if (!cmd)
      goto out;
    swin_cmd_copy (cmd, staging->buffer, 0, dst->buffer, offset + done, n);
    ok = swin_cmd_end (cmd, error) && swin_cmd_submit_wait (ctx, &cmd, 1, error);
    swin_cmd_free (cmd);
    if (!ok)
      goto out;
  }
  ok = TRUE;

out:
  swin_buffer_free (ctx, staging);
  return ok;
}
