/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Vulkan instance and device selection for SwinContext. */
#include "swin_context.h"
#include "swin_features.h"
#include "swin_introspect.h"

#include <stdlib.h>
#include <string.h>

const char *
swin_vk_result_name (VkResult r)
{
  switch (r) {
#define R(x) case x: return #x;
    R (VK_SUCCESS) R (VK_NOT_READY) R (VK_TIMEOUT) R (VK_INCOMPLETE)
    R (VK_ERROR_OUT_OF_HOST_MEMORY) R (VK_ERROR_OUT_OF_DEVICE_MEMORY)
    R (VK_ERROR_INITIALIZATION_FAILED) R (VK_ERROR_DEVICE_LOST)
    R (VK_ERROR_MEMORY_MAP_FAILED) R (VK_ERROR_LAYER_NOT_PRESENT)
    R (VK_ERROR_EXTENSION_NOT_PRESENT) R (VK_ERROR_FEATURE_NOT_PRESENT)
    R (VK_ERROR_INCOMPATIBLE_DRIVER) R (VK_ERROR_TOO_MANY_OBJECTS)
    R (VK_ERROR_FORMAT_NOT_SUPPORTED) R (VK_ERROR_FRAGMENTED_POOL)
    R (VK_ERROR_OUT_OF_POOL_MEMORY) R (VK_ERROR_INVALID_EXTERNAL_HANDLE)
    R (VK_ERROR_UNKNOWN)
#undef R
    default: return "unknown VkResult";
  }
}

gboolean
swin_vk_check (VkResult r, const char *call, GError **error)
{
  int code;

  if (r >= 0)
    return TRUE;
  code = (r == VK_ERROR_OUT_OF_HOST_MEMORY || r == VK_ERROR_OUT_OF_DEVICE_MEMORY)
      ? SWIN_ERROR_OUT_OF_MEMORY : SWIN_ERROR_VULKAN;
  g_set_error (error, SWIN_ERROR, code, "%s failed: %s (%d)", call, swin_vk_result_name (r), r);
  return FALSE;
}

gboolean
swin_ctx_check (SwinContext *ctx, VkResult r, const char *call, GError **error)
{
  if (r == VK_ERROR_DEVICE_LOST) {
    char *why = g_strdup_printf ("%s failed: VK_ERROR_DEVICE_LOST", call);

    swin_context_mark_lost (ctx, why);
    g_free (why);
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_DEVICE_LOST, "%s failed: VK_ERROR_DEVICE_LOST: the "
                 "Vulkan device \"%s\" is lost", call, ctx->device_name);
    return FALSE;
  }
  return swin_vk_check (r, call, error);
}

void
swin_context_mark_lost (SwinContext *ctx, const char *why)
{
  char *copy = g_strdup (why);

  if (g_atomic_pointer_compare_and_exchange (&ctx->lost, NULL, copy))
    swin_log (ctx, SWIN_LOG_WARNING, "Vulkan device \"%s\" unusable from now on: %s", ctx->device_name, why);
  else
    g_free (copy);
}

gboolean
swin_context_is_lost (SwinContext *ctx)
{
  return g_atomic_pointer_get (&ctx->lost) != NULL;
}

gboolean
swin_context_check_usable (SwinContext *ctx, GError **error)
{
  const char *why = g_atomic_pointer_get (&ctx->lost);

  if (why == NULL)
    return TRUE;
  g_set_error (error, SWIN_ERROR, SWIN_ERROR_DEVICE_LOST, "The Vulkan device \"%s\" is unusable "
               "since an earlier failure (%s); a new context is needed", ctx->device_name, why);
  return FALSE;
}

typedef struct {
  SwinContextCleanup func;
  void *data;
} SwinCleanupEntry;

void
swin_context_add_cleanup (SwinContext *ctx, SwinContextCleanup func, void *data)
{
  SwinCleanupEntry e = { func, data };

  g_array_append_val (ctx->cleanups, e);
}

void
swin_context_name_object (SwinContext *ctx, VkObjectType type, uint64_t handle, const char *name)
{
  VkDebugUtilsObjectNameInfoEXT info = {
    .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_OBJECT_NAME_INFO_EXT,
    .objectType = type, .objectHandle = handle, .pObjectName = name,
  };

  /* A name is a debugging aid: failing to set one is not an error. */
  if (ctx->debug_names && handle)
    (void) vkSetDebugUtilsObjectNameEXT (ctx->device, &info);
}

/* Validation messages become criticals: the test environment makes those fatal. */
static VKAPI_ATTR VkBool32 VKAPI_CALL
on_validation_message (VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                       VkDebugUtilsMessageTypeFlagsEXT types,
                       const VkDebugUtilsMessengerCallbackDataEXT *data, void *user)
{
  g_critical ("Vulkan validation: %s", data->pMessage);
  return VK_FALSE;
}

static gboolean
want_validation (void)
{
  const char *v = g_getenv ("SWIN_VK_VALIDATION");
  return v && strcmp (v, "1") == 0;
}

/* volk keeps one process-wide table of function pointers.  Refilling it for
 * every context would rewrite pointers that other threads are calling
 * through (a data race, even with equal values), so it is filled once per
 * process: the loader's entry points (volkInitialize), then, from the first
 * instance, the loader's trampolines for the instance and device commands
 * (volkLoadInstance).  Those dispatch on the handle to the right driver and
 * layers, so they serve every instance and device; the per-device pointers
 * of volkLoadDevice would not (they may point into a driver or layer that
 * the loader unloads with its instance). */
static gboolean
load_loader (void)
{
  static gsize state = 0;   /* 1: libvulkan loaded, 2: not found */

  if (g_once_init_enter (&state))
    g_once_init_leave (&state, volkInitialize () == VK_SUCCESS ? 1 : 2);
  return state == 1;
}

static void
load_commands (VkInstance instance)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    volkLoadInstance (instance);
    g_once_init_leave (&done, 1);
  }
}

/* One VkInstance per process, made on first use and kept while the process
 * runs: NVIDIA's ICD cannot be loaded again after ~30 load/unload cycles in
 * one process (vkCreateInstance then fails with VK_ERROR_INCOMPATIBLE_DRIVER),
 * and every NULL -> READY -> NULL cycle of the element would load it anew.
 * Devices stay per context.  swin_shutdown() releases the instance. */
static GMutex instance_lock;
static VkInstance shared_instance;
static VkDebugUtilsMessengerEXT shared_messenger;
static int instance_users;
static guint instance_creations;

static gboolean
create_instance (VkInstance *instance, VkDebugUtilsMessengerEXT *messenger, GError **error)
{
  const char *layers[] = { "VK_LAYER_KHRONOS_validation" };
  const char *exts[] = { VK_EXT_DEBUG_UTILS_EXTENSION_NAME };
  VkValidationFeatureEnableEXT enables[] = {
    VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT,
  };
  VkValidationFeaturesEXT features = {
    .sType = VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT,
    .enabledValidationFeatureCount = G_N_ELEMENTS (enables),
    .pEnabledValidationFeatures = enables,
  };
  VkApplicationInfo app = {
    .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
    .pApplicationName = "swinclassify",
    .apiVersion = VK_API_VERSION_1_2,
  };
  VkInstanceCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
    .pApplicationInfo = &app,
  };
  gboolean validate = want_validation ();
  uint32_t n_exts = 0;
  g_autofree VkExtensionProperties *avail = NULL;

  if (!load_loader ()) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_NO_DEVICE,
                 "No Vulkan loader found (libvulkan.so.1 could not be loaded)");
    return FALSE;
  }
  if (volkGetInstanceVersion () < VK_API_VERSION_1_2) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_NO_DEVICE, "The Vulkan loader does not support Vulkan 1.2");
    return FALSE;
  }
  /* debug utils whenever the loader has it: object names for debuggers;
   * the validation layer brings it in any case */
  SWIN_VK (vkEnumerateInstanceExtensionProperties (NULL, &n_exts, NULL), error);
  avail = g_new0 (VkExtensionProperties, MAX (n_exts, 1));
  SWIN_VK (vkEnumerateInstanceExtensionProperties (NULL, &n_exts, avail), error);
  for (uint32_t i = 0; i < n_exts; i++)
    if (strcmp (avail[i].extensionName, VK_EXT_DEBUG_UTILS_EXTENSION_NAME) == 0)
      info.enabledExtensionCount = G_N_ELEMENTS (exts);
  if (validate) {
    info.pNext = &features;
    info.enabledLayerCount = G_N_ELEMENTS (layers);
    info.ppEnabledLayerNames = layers;
    info.enabledExtensionCount = G_N_ELEMENTS (exts);
  }
  info.ppEnabledExtensionNames = exts;
  SWIN_VK (vkCreateInstance (&info, NULL, instance), error);
  load_commands (*instance);

  if (validate) {
    VkDebugUtilsMessengerCreateInfoEXT m = {
      .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
      .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                         VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
      .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
      .pfnUserCallback = on_validation_message,
    };
    /* NULL if the process's first instance came before SWIN_VK_VALIDATION
     * was set: see load_commands(). */
    if (!vkCreateDebugUtilsMessengerEXT) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_VULKAN,
                   "SWIN_VK_VALIDATION must be set before the first Vulkan context is created");
      goto error;
    }
    SWIN_VK (vkCreateDebugUtilsMessengerEXT (*instance, &m, NULL, messenger), error);
  }
  return TRUE;

error:
  if (*instance)
    vkDestroyInstance (*instance, NULL);
  *instance = VK_NULL_HANDLE;
  return FALSE;
}

/* Takes a reference on the process's instance, creating it on first use. */
static VkInstance
instance_ref (GError **error)
{
  VkInstance instance;

  g_mutex_lock (&instance_lock);
  if (!shared_instance && create_instance (&shared_instance, &shared_messenger, error))
    instance_creations++;
  instance = shared_instance;
  if (instance)
    instance_users++;
  g_mutex_unlock (&instance_lock);
  return instance;
}

static void
instance_unref (void)
{
  g_mutex_lock (&instance_lock);
  instance_users--;
  g_mutex_unlock (&instance_lock);
}

void
swin_shutdown (void)
{
  g_mutex_lock (&instance_lock);
  if (shared_instance && instance_users == 0) {
    if (shared_messenger)
      vkDestroyDebugUtilsMessengerEXT (shared_instance, shared_messenger, NULL);
    vkDestroyInstance (shared_instance, NULL);
    shared_instance = VK_NULL_HANDLE;
    shared_messenger = VK_NULL_HANDLE;
  }
  g_mutex_unlock (&instance_lock);
}

guint
swin_instance_creations (void)
{
  guint n;

  g_mutex_lock (&instance_lock);
  n = instance_creations;
  g_mutex_unlock (&instance_lock);
  return n;
}

static gboolean
enumerate (VkInstance instance, VkPhysicalDevice **devs, uint32_t *n, GError **error)
{
  *devs = NULL;
  SWIN_VK (vkEnumeratePhysicalDevices (instance, n, NULL), error);
  *devs = g_new0 (VkPhysicalDevice, MAX (*n, 1));
  SWIN_VK (vkEnumeratePhysicalDevices (instance, n, *devs), error);
  return TRUE;

error:
  g_clear_pointer (devs, g_free);
  return FALSE;
}

/* Index of the device matching @want (NULL/"": first discrete GPU, else 0;
 * digits: an index; else a case-insensitive substring of the name). */
static int
choose_device (VkPhysicalDevice *devs, uint32_t n, const char *want, GError **error)
{
  VkPhysicalDeviceProperties p;
  char *end = NULL;
  guint64 idx;

  if (n == 0) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_NO_DEVICE, "No Vulkan device found");
    return -1;
  }
  if (!want || !*want) {
    for (uint32_t i = 0; i < n; i++) {
      vkGetPhysicalDeviceProperties (devs[i], &p);
      if (p.deviceType == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU)
        return i;
    }
    return 0;
  }
  idx = g_ascii_strtoull (want, &end, 10);
  if (end && *end == '\0' && end != want) {
    if (idx >= n) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_NO_DEVICE,
                   "Vulkan device index %s out of range (%u devices)", want, n);
      return -1;
    }
    return (int) idx;
  }
  for (uint32_t i = 0; i < n; i++) {
    g_autofree char *name = NULL, *needle = NULL;
    vkGetPhysicalDeviceProperties (devs[i], &p);
    name = g_ascii_strdown (p.deviceName, -1);
    needle = g_ascii_strdown (want, -1);
    if (strstr (name, needle))
      return i;
  }
  g_set_error (error, SWIN_ERROR, SWIN_ERROR_NO_DEVICE, "No Vulkan device matches \"%s\"", want);
  return -1;
}

static gboolean
create_device (SwinContext *ctx, const char *want, GError **error)
{
  g_autofree VkPhysicalDevice *devs = NULL;
  g_autofree VkQueueFamilyProperties *qf = NULL;
  uint32_t n = 0, nqf = 0;
  int idx;
  float prio = 1.0f;
  VkPhysicalDeviceVulkan12Properties p12 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_PROPERTIES };
  VkPhysicalDeviceProperties2 props2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &p12 };
  VkDeviceQueueCreateInfo qinfo = { .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO, .queueCount = 1, .pQueuePriorities = &prio };
  VkDeviceCreateInfo dinfo = { .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                               .queueCreateInfoCount = 1, .pQueueCreateInfos = &qinfo };
  SwinDeviceFeatures features;
  char coopmat[32] = "no";

  if (!enumerate (ctx->instance, &devs, &n, error))
    return FALSE;
  if ((idx = choose_device (devs, n, want, error)) < 0)
    return FALSE;
  ctx->physical = devs[idx];
  vkGetPhysicalDeviceProperties (ctx->physical, &ctx->props);
  ctx->device_name = g_strdup (ctx->props.deviceName);
  /* Before anything of 1.2 is chained into a query. */
  if (ctx->props.apiVersion < VK_API_VERSION_1_2) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_NO_DEVICE,
                 "Vulkan device \"%s\" supports only Vulkan %u.%u; 1.2 is required", ctx->device_name,
                 VK_API_VERSION_MAJOR (ctx->props.apiVersion), VK_API_VERSION_MINOR (ctx->props.apiVersion));
    return FALSE;
  }
  vkGetPhysicalDeviceProperties2 (ctx->physical, &props2);
  ctx->driver_id = p12.driverID;
  ctx->driver_info = g_strdup_printf ("%s %s", p12.driverName, p12.driverInfo);
  /* llvmpipe runs a workgroup as coroutines on one CPU thread: shared memory
   * is plain memory there and barriers are costly (docs/lavapipe-gemm.md). */
  ctx->gpu_variants = ctx->driver_id != VK_DRIVER_ID_MESA_LLVMPIPE;
  vkGetPhysicalDeviceMemoryProperties (ctx->physical, &ctx->mem_props);

  vkGetPhysicalDeviceQueueFamilyProperties (ctx->physical, &nqf, NULL);
  qf = g_new0 (VkQueueFamilyProperties, MAX (nqf, 1));
  vkGetPhysicalDeviceQueueFamilyProperties (ctx->physical, &nqf, qf);
  ctx->queue_family = UINT32_MAX;
  for (uint32_t i = 0; i < nqf; i++)
    if (qf[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
      ctx->queue_family = i;
      ctx->timestamps = qf[i].timestampValidBits > 0;
      break;
    }
  if (ctx->queue_family == UINT32_MAX) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_NO_DEVICE,
                 "Vulkan device \"%s\" has no compute queue", ctx->device_name);
    return FALSE;
  }

  {
    VkFormatProperties fp;
    vkGetPhysicalDeviceFormatProperties (ctx->physical, VK_FORMAT_R16G16B16A16_SFLOAT, &fp);
    ctx->fp16_texels = !!(fp.bufferFeatures & VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT);
  }

  {
    SwinDeviceCaps caps;

    if (!swin_features_probe (ctx->physical, &features, &caps, error))
      return FALSE;
    ctx->shader_f16 = caps.shader_f16;
    ctx->coopmat = caps.coopmat;
    ctx->subgroup_size = caps.subgroup_size;
    ctx->subgroup_shuffle = caps.subgroup_shuffle;
    memcpy (ctx->coopmat_shape, caps.coopmat_shape, sizeof (ctx->coopmat_shape));
    dinfo.pNext = &features.features;
    dinfo.enabledExtensionCount = features.n_extensions;
    dinfo.ppEnabledExtensionNames = features.extensions;
  }

  qinfo.queueFamilyIndex = ctx->queue_family;
  SWIN_VK (vkCreateDevice (ctx->physical, &dinfo, NULL, &ctx->device), error);
  vkGetDeviceQueue (ctx->device, ctx->queue_family, 0, &ctx->queue);
  ctx->debug_names = vkSetDebugUtilsObjectNameEXT != NULL;
  if (ctx->coopmat)
    g_snprintf (coopmat, sizeof (coopmat), "%ux%ux%u", ctx->coopmat_shape[0], ctx->coopmat_shape[1],
                ctx->coopmat_shape[2]);
  swin_log (ctx, SWIN_LOG_INFO, "Vulkan device %d of %u: \"%s\" (%s), driver %s, Vulkan %u.%u; %s kernels, "
            "fp16 weights %s, fp16 arithmetic %s, cooperative matrices %s, timestamps %s", idx, n,
            ctx->device_name,
            ctx->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU ? "discrete GPU" :
            ctx->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU ? "integrated GPU" :
            ctx->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU ? "CPU" : "other",
            ctx->driver_info, VK_API_VERSION_MAJOR (ctx->props.apiVersion),
            VK_API_VERSION_MINOR (ctx->props.apiVersion),
            ctx->gpu_variants ? "GPU (workgroup-cooperative)" : "CPU-shaped (lavapipe)",
            ctx->fp16_texels ? "supported" : "unsupported", ctx->shader_f16 ? "yes" : "no",
            coopmat, ctx->timestamps ? "yes" : "no");
  return TRUE;

error:
  return FALSE;
}

void
swin_context_params_init (SwinContextParams *params)
{
  *params = (SwinContextParams) { .device = NULL, .unfused_attention = FALSE, .log_func = NULL,
                                  .log_data = NULL };
}

SwinContext *
swin_context_new (const SwinContextParams *params, GError **error)
{
  SwinContextParams defaults;
  SwinContext *ctx;

  if (!params) {
    swin_context_params_init (&defaults);
    params = &defaults;
  }
  ctx = g_new0 (SwinContext, 1);
  /* first: the device selection already reports through it */
  ctx->log_func = params->log_func;
  ctx->log_data = params->log_data;
  ctx->unfused_attention = params->unfused_attention;
  g_mutex_init (&ctx->queue_lock);
  g_mutex_init (&ctx->cache_lock);
  ctx->cleanups = g_array_new (FALSE, FALSE, sizeof (SwinCleanupEntry));
  if (!(ctx->instance = instance_ref (error)) || !create_device (ctx, params->device, error)) {
    swin_context_free (ctx);
    return NULL;
  }
  return ctx;
}

void
swin_context_free (SwinContext *ctx)
{
  if (!ctx)
    return;
  if (ctx->device) {
    /* Nothing may be destroyed while the device still uses it.  A lost
     * device returns at once, and then destroying is allowed. */
    VkResult r = vkDeviceWaitIdle (ctx->device);

    if (r != VK_SUCCESS)
      swin_log (ctx, SWIN_LOG_WARNING, "vkDeviceWaitIdle failed at teardown: %s", swin_vk_result_name (r));
  }
  for (guint i = ctx->cleanups->len; i > 0; i--) {
    SwinCleanupEntry *e = &g_array_index (ctx->cleanups, SwinCleanupEntry, i - 1);
    e->func (ctx, e->data);
  }
  g_array_free (ctx->cleanups, TRUE);
  if (ctx->device)
    vkDestroyDevice (ctx->device, NULL);
  if (ctx->instance)
    instance_unref ();
  g_mutex_clear (&ctx->queue_lock);
  g_mutex_clear (&ctx->cache_lock);
  g_free (ctx->device_name);
  g_free (ctx->driver_info);
  g_free (ctx->lost);
  g_free (ctx);
}

const char *
swin_context_get_driver_info (const SwinContext *ctx)
{
  return ctx->driver_info;
}

gboolean
swin_context_supports_fp16 (const SwinContext *ctx)
{
  return ctx->fp16_texels;
}

const char *
swin_context_get_device_name (const SwinContext *ctx)
{
  return ctx->device_name;
}

gboolean
swin_context_same_device (const SwinContext *a, const SwinContext *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);
  /* the process's contexts share one VkInstance, so one device has one
   * VkPhysicalDevice handle */
  return a->physical == b->physical;
}

char **
swin_context_list_devices (GError **error)
{
  g_autofree VkPhysicalDevice *devs = NULL;
  VkInstance instance = instance_ref (error);
  GPtrArray *names = NULL;
  uint32_t n = 0;

  if (!instance)
    return NULL;
  if (enumerate (instance, &devs, &n, error)) {
    names = g_ptr_array_new ();
    for (uint32_t i = 0; i < n; i++) {
      VkPhysicalDeviceProperties p;
      vkGetPhysicalDeviceProperties (devs[i], &p);
      g_ptr_array_add (names, g_strdup (p.deviceName));
    }
    g_ptr_array_add (names, NULL);
  }
  instance_unref ();
  return names ? (char **) g_ptr_array_free (names, FALSE) : NULL;
}
