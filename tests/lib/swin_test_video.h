/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Video buffers for the element tests and the core's answer for them: the
 * softmax of the CPU forward on the CPU preprocessing of the frame (read
 * with the element's own mapping, gstswinvideo.h), and the check of an
 * element's result against it. */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include "swin/swin_model.h"
#include "swin/swin_preprocess.h"

G_BEGIN_DECLS

/* A buffer of random bytes (seed @seed) for @caps_str, timestamped as
 * frame @n at 30 fps. */
GstBuffer *swin_test_make_frame (const gchar *caps_str, guint n, guint32 seed);

/* Softmax probabilities [num_classes] of @model for the region @rect
 * (NULL: the whole frame) of the frame in @buf described by @info, fitted
 * with @scale_mode; g_free() them. */
float *swin_test_core_region_probs (const SwinModel *model, GstBuffer *buf,
                                    const GstVideoInfo *info, const SwinRect *rect,
                                    SwinScaleMode scale_mode);

/* The same for the whole frame. */
float *swin_test_core_probs (const SwinModel *model, GstBuffer *buf, const GstVideoInfo *info,
                             SwinScaleMode scale_mode);

/* The result @s (an element's meta or message, or a region's
 * "classification") lists the same top classes with the same scores as the
 * core on @rect (NULL: the whole frame) of @buf with @scale_mode. */
void swin_test_check_region_result (const GstStructure *s, const SwinModel *model, GstBuffer *buf,
                                    const GstVideoInfo *info, const SwinRect *rect,
                                    SwinScaleMode scale_mode);

/* The features structure @s (gstswinmeta.h) holds the core's pooled
 * features of @rect (NULL: the whole frame) of @buf with @scale_mode,
 * within the tolerance of the core's Vulkan-against-CPU tests. */
void swin_test_check_features (const GstStructure *s, const SwinModel *model, GstBuffer *buf,
                               const GstVideoInfo *info, const SwinRect *rect,
                               SwinScaleMode scale_mode);

/* The same for the whole frame. */
void swin_test_check_result_scaled (const GstStructure *s, const SwinModel *model, GstBuffer *buf,
                                    const GstVideoInfo *info, SwinScaleMode scale_mode);

/* The same with the element's default scale mode (center-crop). */
void swin_test_check_result (const GstStructure *s, const SwinModel *model, GstBuffer *buf,
                             const GstVideoInfo *info);

G_END_DECLS
