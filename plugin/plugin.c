/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The swin plugin: registers its elements and routes the core's reports to
 * GStreamer's debug log, nothing else. */
#include <gst/gst.h>
#include <swin/swin_model.h>

#include "gstswinclassify.h"
#include "gstswinpublish.h"

GST_DEBUG_CATEGORY_STATIC (swin_core_debug);

/* The core's choices (device, driver, kernel variants, memory) appear with
 * GST_DEBUG=swincore:4 (INFO) or :5 (DEBUG). */
static void
gst_swin_core_log (SwinLogLevel level, const char *message, void *data)
{
  static const GstDebugLevel levels[] = { GST_LEVEL_WARNING, GST_LEVEL_INFO, GST_LEVEL_DEBUG };

  GST_CAT_LEVEL_LOG (swin_core_debug, levels[level], NULL, "%s", message);
}

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ok;

  GST_DEBUG_CATEGORY_INIT (swin_core_debug, "swincore", 0, "swinclassify core (Vulkan, kernels, memory)");
  swin_set_log_handler (gst_swin_core_log, NULL);
  ok = GST_ELEMENT_REGISTER (swinclassify, plugin);
  ok &= GST_ELEMENT_REGISTER (swinpublish, plugin);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, swin,
                   "Image classification with Swin Transformers on Vulkan compute",
                   plugin_init, PACKAGE_VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
