/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The swin plugin: registers its elements and the debug category of the
 * core's reports, nothing else. */
#include <gst/gst.h>

#include "gstswinclassify.h"
#include "gstswinpublish.h"

/* The core's choices (device, driver, kernel variants, memory) appear with
 * GST_DEBUG=swincore:4 (INFO) or :5 (DEBUG), logged against the elements
 * that use the model instance they concern (gstswininstance.c). */
GST_DEBUG_CATEGORY (gst_swin_core_debug);

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ok;

  GST_DEBUG_CATEGORY_INIT (gst_swin_core_debug, "swincore", 0,
                           "swinclassify core (Vulkan, kernels, memory)");
  ok = GST_ELEMENT_REGISTER (swinclassify, plugin);
  ok &= GST_ELEMENT_REGISTER (swinpublish, plugin);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, swin,
                   "Image classification with Swin Transformers on Vulkan compute",
                   plugin_init, PACKAGE_VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
