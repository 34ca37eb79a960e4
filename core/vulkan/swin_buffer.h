/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Buffers and their memory (internal to core; above swin_cmd, whose
 * command buffers carry staging copies). */
#pragma once

#include "swin_cmd.h"

typedef enum {
  SWIN_BUFFER_DEVICE,    /* device-local; filled by swin_buffer_upload() or by shaders */
  SWIN_BUFFER_UPLOAD,    /* host-visible, coherent, persistently mapped; shaders read it */
  SWIN_BUFFER_READBACK,  /* host-visible (cached where possible), mapped; shaders write it */
} SwinBufferKind;

typedef struct {
  VkBuffer buffer;
  VkDeviceMemory memory;
  VkDeviceSize size;
  void *mapped;          /* NULL for SWIN_BUFFER_DEVICE unless the memory is host-visible */
  gboolean coherent;
} SwinBuffer;

/* Every buffer may be bound as a storage buffer and as a uniform texel buffer. */
/* @name labels the buffer for debuggers and in the log's memory reports. */
SwinBuffer *swin_buffer_new (SwinContext *ctx, VkDeviceSize size, SwinBufferKind kind, const char *name,
                             GError **error);
void swin_buffer_free (SwinContext *ctx, SwinBuffer *buf);
/* Copies host data into @dst (mapped memory directly, else through a staging buffer). */
gboolean swin_buffer_upload (SwinContext *ctx, SwinBuffer *dst, VkDeviceSize offset,
                             const void *data, VkDeviceSize size, GError **error);
/* Makes device writes visible to the host for non-coherent readback memory. */
gboolean swin_buffer_invalidate (SwinContext *ctx, SwinBuffer *buf, GError **error);
