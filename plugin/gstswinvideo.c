/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GStreamer raw video to the core's frame description (see gstswinvideo.h). */
#include "gstswinvideo.h"

#include <string.h>

gboolean
gst_swin_video_format_from_info (const GstVideoInfo *info, SwinPixelFormat *format)
{
  switch (GST_VIDEO_INFO_FORMAT (info)) {
    case GST_VIDEO_FORMAT_RGB: *format = SWIN_PIXEL_FORMAT_RGB; return TRUE;
    case GST_VIDEO_FORMAT_BGR: *format = SWIN_PIXEL_FORMAT_BGR; return TRUE;
    case GST_VIDEO_FORMAT_RGBA: *format = SWIN_PIXEL_FORMAT_RGBA; return TRUE;
    case GST_VIDEO_FORMAT_RGBx: *format = SWIN_PIXEL_FORMAT_RGBX; return TRUE;
    case GST_VIDEO_FORMAT_BGRA: *format = SWIN_PIXEL_FORMAT_BGRA; return TRUE;
    case GST_VIDEO_FORMAT_BGRx: *format = SWIN_PIXEL_FORMAT_BGRX; return TRUE;
    case GST_VIDEO_FORMAT_I420: *format = SWIN_PIXEL_FORMAT_I420; return TRUE;
    case GST_VIDEO_FORMAT_NV12: *format = SWIN_PIXEL_FORMAT_NV12; return TRUE;
    default: return FALSE;
  }
}

void
gst_swin_video_params_from_info (const GstVideoInfo *info, const SwinPreprocessParams *base,
                                 SwinPreprocessParams *params)
{
  *params = *base;
  /* The core knows three matrices; the others (FCC, SMPTE 240M, unknown)
   * take BT.601, the default of GStreamer's own converters for SD video. */
  switch (info->colorimetry.matrix) {
    case GST_VIDEO_COLOR_MATRIX_BT709: params->matrix = SWIN_COLOR_MATRIX_BT709; break;
    case GST_VIDEO_COLOR_MATRIX_BT2020: params->matrix = SWIN_COLOR_MATRIX_BT2020; break;
    default: params->matrix = SWIN_COLOR_MATRIX_BT601; break;
  }
  params->full_range = info->colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255;
}

gboolean
gst_swin_video_frame_describe (const GstVideoFrame *vframe, SwinFrame *frame)
{
  memset (frame, 0, sizeof (*frame));
  if (!gst_swin_video_format_from_info (&vframe->info, &frame->format))
    return FALSE;
  frame->width = GST_VIDEO_FRAME_WIDTH (vframe);
  frame->height = GST_VIDEO_FRAME_HEIGHT (vframe);
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES (vframe) && p < G_N_ELEMENTS (frame->data); p++) {
    frame->data[p] = GST_VIDEO_FRAME_PLANE_DATA (vframe, p);
    frame->stride[p] = (size_t) MAX (GST_VIDEO_FRAME_PLANE_STRIDE (vframe, p), 0);
  }
  return TRUE;
}
