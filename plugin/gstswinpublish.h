/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinpublish: sends the classification results of each frame as JSON to a
 * file or an MQTT broker; the frames pass through untouched. */
#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

typedef enum {
  GST_SWIN_PUBLISH_METHOD_FILE,
  GST_SWIN_PUBLISH_METHOD_MQTT,
} GstSwinPublishMethod;

#define GST_TYPE_SWIN_PUBLISH (gst_swin_publish_get_type ())
G_DECLARE_FINAL_TYPE (GstSwinPublish, gst_swin_publish, GST, SWIN_PUBLISH, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (swinpublish);

G_END_DECLS
