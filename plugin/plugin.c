/* The swin plugin: registers its elements, nothing else. */
#include <gst/gst.h>

#include "gstswinclassify.h"
#include "gstswinpublish.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ok = GST_ELEMENT_REGISTER (swinclassify, plugin);

  ok &= GST_ELEMENT_REGISTER (swinpublish, plugin);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, swin,
                   "Image classification with Swin Transformers on Vulkan compute",
                   plugin_init, PACKAGE_VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
