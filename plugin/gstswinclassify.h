/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinclassify: classifies video frames with a Swin Transformer on Vulkan. */
#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_SWIN_CLASSIFY (gst_swin_classify_get_type ())
G_DECLARE_FINAL_TYPE (GstSwinClassify, gst_swin_classify, GST, SWIN_CLASSIFY, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (swinclassify);

G_END_DECLS
