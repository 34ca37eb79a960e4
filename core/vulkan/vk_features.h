/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a physical device offers beyond Vulkan 1.2's core that the kernels
 * use, and the feature chain and extensions that enable it (internal to
 * core; part of the context layer, used by vk_context.c only). */
#pragma once

#include "vk_context.h"

typedef struct {
  VkPhysicalDeviceFeatures2 features;     /* the head of the chain for VkDeviceCreateInfo.pNext */
  VkPhysicalDeviceVulkan11Features v11;
  VkPhysicalDeviceVulkan12Features v12;
  VkPhysicalDeviceCooperativeMatrixFeaturesNV coopmat;
  const char *extensions[2];
  uint32_t n_extensions;
} SwinDeviceFeatures;

/* Probes @ctx->physical and fills @ctx's capability fields (shader_f16,
 * coopmat and its shape, subgroup_size, compute_units) and @f with exactly
 * what is to be enabled: nothing the device lacks. */
gboolean swin_features_probe (SwinContext *ctx, SwinDeviceFeatures *f, GError **error);

/* The cooperative matrix shape (M, N, K) the GEMM uses from the device's
 * list: fp16 A and B, fp32 C and D, subgroup scope, and M, N and K dividing
 * the kernel's 32 x 32 subgroup tile and 32-deep K step; the largest such.
 * FALSE when none qualifies. */
gboolean swin_coopmat_pick_shape (const VkCooperativeMatrixPropertiesNV *props, uint32_t n,
                                  uint32_t shape[3]);
