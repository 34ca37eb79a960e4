/* TEMPORARY stubs so that the tree links while the Vulkan layer is written. */
#include "swin/swin.h"
#define NI(e) g_set_error (e, SWIN_ERROR, SWIN_ERROR_NO_DEVICE, "Vulkan backend not implemented yet")
SwinContext *swin_context_new (const char *d, GError **e) { NI (e); return NULL; }
void swin_context_free (SwinContext *c) {}
const char *swin_context_get_device_name (const SwinContext *c) { return ""; }
char **swin_context_list_devices (GError **e) { NI (e); return NULL; }
SwinNet *swin_net_new (SwinContext *c, const SwinModel *m, GError **e) { NI (e); return NULL; }
void swin_net_free (SwinNet *n) {}
const SwinArch *swin_net_get_arch (const SwinNet *n) { return NULL; }
SwinPlan *swin_plan_new (SwinNet *n, int b, int h, int w, GError **e) { NI (e); return NULL; }
void swin_plan_free (SwinPlan *p) {}
float *swin_plan_get_input (SwinPlan *p) { return NULL; }
gboolean swin_plan_run (SwinPlan *p, GError **e) { NI (e); return FALSE; }
const float *swin_plan_get_logits (SwinPlan *p) { return NULL; }
gboolean swin_model_forward_cpu (const SwinModel *m, const float *i, int b, int h, int w, float *l, GError **e) { NI (e); return FALSE; }
