/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Raw video as the core sees it: a GstVideoInfo's format and colorimetry
 * as SwinPixelFormat and SwinPreprocessParams, a mapped GstVideoFrame as a
 * SwinFrame.  Built as a static library that the element and its tests both
 * link, so that the tests read caps exactly as the element does. */
#pragma once

#include <gst/video/video.h>

#include "swin/swin_preprocess.h"

G_BEGIN_DECLS

/* The raw formats the element classifies, in caps syntax. */
#define GST_SWIN_VIDEO_FORMATS "{ RGB, RGBA, RGBx, BGR, BGRA, BGRx, I420, NV12 }"

/* Caps of those formats at the sizes preprocessing accepts: larger frames
 * are refused at negotiation (so that a videoscale upstream can adapt), never
 * on the first buffer. */
#define GST_SWIN_VIDEO_CAPS                                                      \
  "video/x-raw, format = (string) " GST_SWIN_VIDEO_FORMATS ", "                   \
  "width = (int) [ 1, " G_STRINGIFY (SWIN_MAX_FRAME_SIZE) " ], "             \
  "height = (int) [ 1, " G_STRINGIFY (SWIN_MAX_FRAME_SIZE) " ], "            \
  "framerate = " GST_VIDEO_FPS_RANGE

/* The core's pixel format for @info; FALSE for a format outside
 * GST_SWIN_VIDEO_FORMATS. */
gboolean gst_swin_video_format_from_info (const GstVideoInfo *info, SwinPixelFormat *format);

/* @base (scale mode, mean, std) completed with @info's Y'CbCr matrix and
 * range into @params. */
void gst_swin_video_params_from_info (const GstVideoInfo *info, const SwinPreprocessParams *base,
                                      SwinPreprocessParams *params);

/* Describes the mapped @vframe as @frame, pointing at its planes; FALSE for
 * a format outside GST_SWIN_VIDEO_FORMATS. */
gboolean gst_swin_video_frame_describe (const GstVideoFrame *vframe, SwinFrame *frame);

G_END_DECLS
