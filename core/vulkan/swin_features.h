/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Optional device features the kernels use where a device has them (internal
 * to core, part of the context layer): fp16 arithmetic in shaders and NVIDIA's
 * cooperative matrices (tensor cores).  Each is enabled only where present;
 * a device without them runs the fp32 kernels. */
#pragma once

#include <volk.h>
#include <glib.h>

/* The feature chain to pass to vkCreateDevice, filled by swin_features_probe(). */
typedef struct {
  VkPhysicalDeviceFeatures2 features;
  VkPhysicalDeviceVulkan12Features v12;
  VkPhysicalDeviceCooperativeMatrixFeaturesNV coopmat;
  const char *extensions[1];
  uint32_t n_extensions;
} SwinDeviceFeatures;

/* What was found, for the context. */
typedef struct {
  gboolean shader_f16;         /* shaderFloat16: fp16 arithmetic */
  gboolean coopmat;            /* a usable fp16 x fp16 -> fp32 subgroup cooperative matrix */
  uint32_t coopmat_shape[3];   /* its M, N, K */
  uint32_t subgroup_size;
  gboolean subgroup_shuffle;   /* subgroupShuffle() in compute shaders */
} SwinDeviceCaps;

/* The cooperative-matrix GEMM's subgroup tile and K step
 * (shaders/gemm_coopmat.comp): a shape must divide them. */
#define SWIN_COOPMAT_SUBGROUP_TILE 32
#define SWIN_COOPMAT_K_STEP 32

/* Of @n shapes, the largest fp16 x fp16 + fp32 subgroup shape that divides
 * the GEMM's tiles, into @shape; FALSE if none does. */
gboolean swin_coopmat_pick_shape (const VkCooperativeMatrixPropertiesNV *props, uint32_t n,
                                  uint32_t shape[3]);

/* Reads what @physical offers into @caps and fills @f with what to enable
 * (the above where present, nothing else); @f is self-referencing, so it
 * must not be copied afterwards. */
gboolean swin_features_probe (VkPhysicalDevice physical, SwinDeviceFeatures *f, SwinDeviceCaps *caps,
                              GError **error);
