/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Compute pipelines, cached per context, and their dispatch into a SwinCmd
 * (internal to core; above swin_cmd and swin_buffer).  Which pipeline serves
 * which operation is decided one level up, in the table of swin_op_variants.c. */
#pragma once

#include "swin_cmd.h"
#include "swin_buffer.h"

#define SWIN_MAX_SPEC 8

/* One compiled compute shader with fixed specialisation constants. */
typedef struct {
  char *name;                 /* "gemm[8x4x1:16,2,1]": for errors and logs */
  VkDescriptorSetLayout set_layout;
  VkPipelineLayout layout;
  VkPipeline pipeline;
  int n_bindings;
  VkDescriptorType types[SWIN_MAX_BINDINGS];
  uint32_t push_size;
} SwinKernel;

/* What makes a pipeline.  Specialisation constants 0, 1 and 2 are the
 * workgroup size (every shader declares local_size_{x,y,z}_id = 0, 1, 2),
 * so it is written once, here; the shader's own constants start at id 3. */
typedef struct {
  const char *name;           /* the variant's name, e.g. "gemm_tiled" */
  const uint32_t *spv;
  size_t spv_size;            /* bytes */
  int n_bindings;
  const VkDescriptorType *types; /* STORAGE_BUFFER or UNIFORM_TEXEL_BUFFER, n_bindings of them */
  uint32_t push_size;
  uint32_t local[3];          /* workgroup size */
  int n_spec;
  uint32_t spec[SWIN_MAX_SPEC]; /* constant_id 3..3+n_spec-1 (int/uint/bool/float bits) */
} SwinKernelDesc;

/* Returns the context's pipeline for @desc, creating it on first use; owned
 * by the context.  Fails with SWIN_ERROR_DEVICE_LIMIT when the workgroup
 * size or push constants exceed the device's limits. */
SwinKernel *swin_kernel_get (SwinContext *ctx, const SwinKernelDesc *desc, GError **error);

/* A buffer range bound to one binding.  @format is used for texel buffers
 * (VK_FORMAT_R32_SFLOAT, VK_FORMAT_R32G32B32A32_SFLOAT, VK_FORMAT_R8_UINT...). */
typedef struct {
  SwinBuffer *buf;
  VkDeviceSize offset;
  VkDeviceSize size;          /* 0: to the end of the buffer */
  VkFormat format;
} SwinBinding;

/* Records one dispatch of @kernel and the barrier after it.  Fails with
 * SWIN_ERROR_DEVICE_LIMIT when the grid or a binding exceeds the device's
 * limits. */
gboolean swin_kernel_dispatch (SwinCmd *cmd, SwinKernel *kernel, const SwinBinding *bindings,
                               const void *push, uint32_t gx, uint32_t gy, uint32_t gz,
                               GError **error);
