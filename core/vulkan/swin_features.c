/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Probing and enabling the optional device features (swin_features.h). */
#include "swin_features.h"

#include <string.h>

#include "swin_context.h"   /* SWIN_VK */

gboolean
swin_coopmat_pick_shape (const VkCooperativeMatrixPropertiesNV *props, uint32_t n, uint32_t shape[3])
{
  uint64_t best = 0;

  for (uint32_t i = 0; i < n; i++) {
    const VkCooperativeMatrixPropertiesNV *p = &props[i];
    uint64_t volume = (uint64_t) p->MSize * p->NSize * p->KSize;

    if (p->AType != VK_COMPONENT_TYPE_FLOAT16_NV || p->BType != VK_COMPONENT_TYPE_FLOAT16_NV ||
        p->CType != VK_COMPONENT_TYPE_FLOAT32_NV || p->DType != VK_COMPONENT_TYPE_FLOAT32_NV ||
        p->scope != VK_SCOPE_SUBGROUP_NV || p->MSize == 0 || p->NSize == 0 || p->KSize == 0 ||
        SWIN_COOPMAT_SUBGROUP_TILE % p->MSize || SWIN_COOPMAT_SUBGROUP_TILE % p->NSize ||
        SWIN_COOPMAT_K_STEP % p->KSize)
      continue;
    if (volume > best) {
      best = volume;
      shape[0] = p->MSize;
      shape[1] = p->NSize;
      shape[2] = p->KSize;
    }
  }
  return best > 0;
}

static gboolean
has_extension (VkPhysicalDevice physical, const char *name, gboolean *found, GError **error)
{
  g_autofree VkExtensionProperties *exts = NULL;
  uint32_t n = 0;

  *found = FALSE;
  SWIN_VK (vkEnumerateDeviceExtensionProperties (physical, NULL, &n, NULL), error);
  exts = g_new0 (VkExtensionProperties, MAX (n, 1));
  SWIN_VK (vkEnumerateDeviceExtensionProperties (physical, NULL, &n, exts), error);
  for (uint32_t i = 0; i < n; i++)
    if (strcmp (exts[i].extensionName, name) == 0)
      *found = TRUE;
  return TRUE;

error:
  return FALSE;
}

static gboolean
probe_coopmat_shape (VkPhysicalDevice physical, SwinDeviceCaps *caps, GError **error)
{
  g_autofree VkCooperativeMatrixPropertiesNV *props = NULL;
  uint32_t n = 0;

  SWIN_VK (vkGetPhysicalDeviceCooperativeMatrixPropertiesNV (physical, &n, NULL), error);
  props = g_new0 (VkCooperativeMatrixPropertiesNV, MAX (n, 1));
  for (uint32_t i = 0; i < n; i++)
    props[i].sType = VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV;
  SWIN_VK (vkGetPhysicalDeviceCooperativeMatrixPropertiesNV (physical, &n, props), error);
  caps->coopmat = swin_coopmat_pick_shape (props, n, caps->coopmat_shape);
  return TRUE;

error:
  return FALSE;
}

gboolean
swin_features_probe (VkPhysicalDevice physical, SwinDeviceFeatures *f, SwinDeviceCaps *caps,
                     GError **error)
{
  gboolean nv_coopmat;
  VkPhysicalDeviceCooperativeMatrixFeaturesNV cm = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV,
  };
  VkPhysicalDeviceVulkan12Features v12 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES };
  VkPhysicalDeviceVulkan11Properties p11 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_PROPERTIES };
  VkPhysicalDeviceCooperativeMatrixPropertiesNV cmp = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_PROPERTIES_NV,
  };
  VkPhysicalDeviceFeatures2 feats = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &v12 };
  VkPhysicalDeviceProperties2 props = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &p11 };

  memset (f, 0, sizeof (*f));
  memset (caps, 0, sizeof (*caps));
  if (!has_extension (physical, VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME, &nv_coopmat, error))
    return FALSE;
  nv_coopmat = nv_coopmat && vkGetPhysicalDeviceCooperativeMatrixPropertiesNV != NULL;
  /* An extension's structures are chained only where the device has it. */
  if (nv_coopmat) {
    v12.pNext = &cm;
    p11.pNext = &cmp;
  }
  vkGetPhysicalDeviceFeatures2 (physical, &feats);
  vkGetPhysicalDeviceProperties2 (physical, &props);

  caps->shader_f16 = v12.shaderFloat16;
  caps->subgroup_size = p11.subgroupSize;
  caps->subgroup_shuffle = (p11.subgroupSupportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                           (p11.subgroupSupportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_BIT);
  /* The cooperative-matrix GEMM also needs fp16, the Vulkan memory model
   * (glslang declares it for such shaders) and subgroups in compute. */
  if (nv_coopmat && cm.cooperativeMatrix && v12.shaderFloat16 && v12.vulkanMemoryModel &&
      (cmp.cooperativeMatrixSupportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
      (p11.subgroupSupportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
      (p11.subgroupSupportedOperations & VK_SUBGROUP_FEATURE_BASIC_BIT) &&
      !probe_coopmat_shape (physical, caps, error))
    return FALSE;

  f->features = (VkPhysicalDeviceFeatures2) { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
                                              .pNext = &f->v12 };
  f->v12 = (VkPhysicalDeviceVulkan12Features) {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
    .shaderFloat16 = v12.shaderFloat16,
    .vulkanMemoryModel = caps->coopmat,
  };
  if (caps->coopmat) {
    f->coopmat = (VkPhysicalDeviceCooperativeMatrixFeaturesNV) {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV,
      .cooperativeMatrix = VK_TRUE,
    };
    f->v12.pNext = &f->coopmat;
    f->extensions[f->n_extensions++] = VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME;
  }
  return TRUE;
}
