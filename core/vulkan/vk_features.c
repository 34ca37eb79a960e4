/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Optional device features: fp16 arithmetic, NV cooperative matrices,
 * subgroup size and compute-unit count; enabled only where present. */
#include "vk_features.h"

#include <string.h>

/* The GEMM's subgroup tile and K step (shaders/gemm_coopmat.comp): the
 * cooperative matrix shape must divide them. */
#define COOPMAT_SUBGROUP_TILE 32
#define COOPMAT_K_STEP 32

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
        COOPMAT_SUBGROUP_TILE % p->MSize || COOPMAT_SUBGROUP_TILE % p->NSize ||
        COOPMAT_K_STEP % p->KSize)
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
has_extension (const VkExtensionProperties *exts, uint32_t n, const char *name)
{
  for (uint32_t i = 0; i < n; i++)
    if (strcmp (exts[i].extensionName, name) == 0)
      return TRUE;
  return FALSE;
}

/* The device's list of cooperative matrix shapes -> ctx->coopmat_shape. */
static gboolean
probe_coopmat_shape (SwinContext *ctx, GError **error)
{
  g_autofree VkCooperativeMatrixPropertiesNV *props = NULL;
  uint32_t n = 0;

  SWIN_VK (vkGetPhysicalDeviceCooperativeMatrixPropertiesNV (ctx->physical, &n, NULL), error);
  props = g_new0 (VkCooperativeMatrixPropertiesNV, MAX (n, 1));
  for (uint32_t i = 0; i < n; i++)
    props[i].sType = VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV;
  SWIN_VK (vkGetPhysicalDeviceCooperativeMatrixPropertiesNV (ctx->physical, &n, props), error);
  for (uint32_t i = 0; i < n; i++)
    swin_log (SWIN_LOG_DEBUG, "cooperative matrix %ux%ux%u, types A %d B %d C %d D %d, scope %d",
              props[i].MSize, props[i].NSize, props[i].KSize, props[i].AType, props[i].BType,
              props[i].CType, props[i].DType, props[i].scope);
  ctx->coopmat = swin_coopmat_pick_shape (props, n, ctx->coopmat_shape);
  return TRUE;

error:
  return FALSE;
}

gboolean
swin_features_probe (SwinContext *ctx, SwinDeviceFeatures *f, GError **error)
{
  g_autofree VkExtensionProperties *exts = NULL;
  uint32_t n_exts = 0;
  gboolean nv_coopmat, nv_sm, amd_cores;
  VkPhysicalDeviceVulkan11Features v11 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES };
  VkPhysicalDeviceVulkan12Features v12 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES };
  VkPhysicalDeviceCooperativeMatrixFeaturesNV cm = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV,
  };
  VkPhysicalDeviceFeatures2 feats = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &v11 };
  VkPhysicalDeviceVulkan11Properties p11 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_PROPERTIES };
  VkPhysicalDeviceShaderSMBuiltinsPropertiesNV sm = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_SM_BUILTINS_PROPERTIES_NV,
  };
  VkPhysicalDeviceShaderCorePropertiesAMD cores = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_CORE_PROPERTIES_AMD,
  };
  VkPhysicalDeviceCooperativeMatrixPropertiesNV cmp = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_PROPERTIES_NV,
  };
  VkPhysicalDeviceProperties2 props = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &p11 };

  memset (f, 0, sizeof (*f));
  SWIN_VK (vkEnumerateDeviceExtensionProperties (ctx->physical, NULL, &n_exts, NULL), error);
  exts = g_new0 (VkExtensionProperties, MAX (n_exts, 1));
  SWIN_VK (vkEnumerateDeviceExtensionProperties (ctx->physical, NULL, &n_exts, exts), error);
  nv_coopmat = has_extension (exts, n_exts, VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME) &&
               vkGetPhysicalDeviceCooperativeMatrixPropertiesNV != NULL;
  nv_sm = has_extension (exts, n_exts, VK_NV_SHADER_SM_BUILTINS_EXTENSION_NAME);
  amd_cores = has_extension (exts, n_exts, VK_AMD_SHADER_CORE_PROPERTIES_EXTENSION_NAME);

  /* Extension structures are chained only where the device has the extension. */
  v11.pNext = &v12;
  if (nv_coopmat)
    v12.pNext = &cm;
  vkGetPhysicalDeviceFeatures2 (ctx->physical, &feats);
  if (nv_sm) {
    sm.pNext = props.pNext;
    props.pNext = &sm;
  }
  if (amd_cores) {
    cores.pNext = props.pNext;
    props.pNext = &cores;
  }
  if (nv_coopmat) {
    cmp.pNext = props.pNext;
    props.pNext = &cmp;
  }
  vkGetPhysicalDeviceProperties2 (ctx->physical, &props);

  ctx->subgroup_size = p11.subgroupSize;
  ctx->compute_units = nv_sm ? sm.shaderSMCount
                     : amd_cores ? cores.shaderEngineCount * cores.shaderArraysPerEngineCount *
                                   cores.computeUnitsPerShaderArray
                     : 0;
  ctx->shader_f16 = v12.shaderFloat16;
  /* The cooperative-matrix GEMM also needs fp16, the Vulkan memory model
   * (glslang declares it for these shaders) and subgroup ids in compute. */
  if (nv_coopmat && cm.cooperativeMatrix && v12.shaderFloat16 && v12.vulkanMemoryModel &&
      (cmp.cooperativeMatrixSupportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
      (p11.subgroupSupportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
      (p11.subgroupSupportedOperations & VK_SUBGROUP_FEATURE_BASIC_BIT) &&
      !probe_coopmat_shape (ctx, error))
    return FALSE;

  /* What is enabled: the above where present, nothing else. */
  f->features = (VkPhysicalDeviceFeatures2) { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &f->v11 };
  f->v11 = (VkPhysicalDeviceVulkan11Features) {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES, .pNext = &f->v12,
    .storageBuffer16BitAccess = v11.storageBuffer16BitAccess,
  };
  f->v12 = (VkPhysicalDeviceVulkan12Features) {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
    .shaderFloat16 = v12.shaderFloat16,
    .vulkanMemoryModel = v12.vulkanMemoryModel,
  };
  if (ctx->coopmat) {
    f->coopmat = (VkPhysicalDeviceCooperativeMatrixFeaturesNV) {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV,
      .cooperativeMatrix = VK_TRUE,
    };
    f->v12.pNext = &f->coopmat;
    f->extensions[f->n_extensions++] = VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME;
  }
  return TRUE;

error:
  return FALSE;
}
