/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The preprocessing arithmetic that the CPU backend and the Vulkan shader
 * share: plane sizes, parameter defaults and checks, Y'CbCr coefficients and
 * the scale-mode geometry (see swin/swin_preprocess.h).  No Vulkan here. */
#include "swin_preprocess_math.h"

#include <math.h>
#include <string.h>

int
swin_pixel_format_n_planes (SwinPixelFormat format)
{
  switch (format) {
    case SWIN_PIXEL_FORMAT_I420: return 3;
    case SWIN_PIXEL_FORMAT_NV12: return 2;
    default: return 1;
  }
}

void
swin_pixel_format_plane_size (SwinPixelFormat format, int plane, int width, int height,
                              size_t *row_bytes, int *rows)
{
  size_t bytes = 0;
  int n = height;

  switch (format) {
    case SWIN_PIXEL_FORMAT_RGB:
    case SWIN_PIXEL_FORMAT_BGR:
      bytes = (size_t) width * 3;
      break;
    case SWIN_PIXEL_FORMAT_RGBA:
    case SWIN_PIXEL_FORMAT_RGBX:
    case SWIN_PIXEL_FORMAT_BGRA:
    case SWIN_PIXEL_FORMAT_BGRX:
      bytes = (size_t) width * 4;
      break;
    case SWIN_PIXEL_FORMAT_I420:
      bytes = plane == 0 ? (size_t) width : (size_t) (width + 1) / 2;
      n = plane == 0 ? height : (height + 1) / 2;
      break;
    case SWIN_PIXEL_FORMAT_NV12:
      bytes = plane == 0 ? (size_t) width : (size_t) (width + 1) / 2 * 2;
      n = plane == 0 ? height : (height + 1) / 2;
      break;
    default:
      n = 0;
      break;
  }
  if (plane < 0 || plane >= swin_pixel_format_n_planes (format)) {
    bytes = 0;
    n = 0;
  }
  if (row_bytes)
    *row_bytes = bytes;
  if (rows)
    *rows = n;
}

void
swin_preprocess_params_init (SwinPreprocessParams *params)
{
  static const float mean[3] = { 0.485f, 0.456f, 0.406f };
  static const float std[3] = { 0.229f, 0.224f, 0.225f };

  memset (params, 0, sizeof (*params));
  params->scale_mode = SWIN_SCALE_CENTER_CROP;
  memcpy (params->mean, mean, sizeof (mean));
  memcpy (params->std, std, sizeof (std));
  params->matrix = SWIN_COLOR_MATRIX_BT601;
  params->full_range = FALSE;
}

void
swin_preprocess_yuv_coeffs (SwinColorMatrix matrix, gboolean full_range, SwinYuvCoeffs *c)
{
  double kr, kb, kg;

  switch (matrix) {
    case SWIN_COLOR_MATRIX_BT709: kr = 0.2126; kb = 0.0722; break;
    case SWIN_COLOR_MATRIX_BT2020: kr = 0.2627; kb = 0.0593; break;
    default: kr = 0.299; kb = 0.114; break;
  }
  kg = 1.0 - kr - kb;
  c->y_offset = full_range ? 0.0f : 16.0f;
  c->y_scale = (float) (1.0 / (full_range ? 255.0 : 219.0));
  c->c_scale = (float) (1.0 / (full_range ? 255.0 : 224.0));
  c->r_cr = (float) (2.0 * (1.0 - kr));
  c->b_cb = (float) (2.0 * (1.0 - kb));
  c->g_cb = (float) (-2.0 * kb * (1.0 - kb) / kg);
  c->g_cr = (float) (-2.0 * kr * (1.0 - kr) / kg);
}

/* Integer floor of a / 2 for the centring offsets (a >= 0). */
static int
half (int a)
{
  return a / 2;
}

/* a / 2 rounded half to even (a >= 0), as torchvision's CenterCrop does
 * with Python's round(). */
static int
half_even (int a)
{
  int k = a / 2;

  return (a % 2 == 1 && k % 2 == 1) ? k + 1 : k;
}

void
swin_preprocess_get_geometry (SwinScaleMode mode, int in_w, int in_h, int out_w, int out_h,
                              SwinPreprocessGeometry *g)
{
  /* Compare aspect ratios exactly in integers: is the frame wider than the output? */
  gboolean wider = (int64_t) in_w * out_h >= (int64_t) in_h * out_w;

  switch (mode) {
    case SWIN_SCALE_CENTER_CROP:
      /* The side that is short relative to the output becomes exactly the
       * output size; the other one is truncated like torchvision's Resize. */
      if (wider) {
        g->resized_h = out_h;
        g->resized_w = MAX (out_w, (int) ((int64_t) in_w * out_h / in_h));
      } else {
        g->resized_w = out_w;
        g->resized_h = MAX (out_h, (int) ((int64_t) in_h * out_w / in_w));
      }
      g->shift_x = half_even (g->resized_w - out_w);
      g->shift_y = half_even (g->resized_h - out_h);
      break;
    case SWIN_SCALE_LETTERBOX:
      if (wider) {
        g->resized_w = out_w;
        g->resized_h = (int) (((int64_t) in_h * out_w * 2 + in_w) / ((int64_t) in_w * 2));
      } else {
        g->resized_h = out_h;
        g->resized_w = (int) (((int64_t) in_w * out_h * 2 + in_h) / ((int64_t) in_h * 2));
      }
      g->resized_w = CLAMP (g->resized_w, 1, out_w);
      g->resized_h = CLAMP (g->resized_h, 1, out_h);
      g->shift_x = -half (out_w - g->resized_w);
      g->shift_y = -half (out_h - g->resized_h);
      break;
    default:
      g->resized_w = out_w;
      g->resized_h = out_h;
      g->shift_x = 0;
      g->shift_y = 0;
      break;
  }
}

gboolean
swin_preprocess_check_rect (const SwinRect *rect, int width, int height, GError **error)
{
  if (rect->width < 1 || rect->height < 1 || rect->x < 0 || rect->y < 0 ||
      rect->x > width - rect->width || rect->y > height - rect->height) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "region %dx%d at (%d, %d) is empty or "
                 "outside the %dx%d frame", rect->width, rect->height, rect->x, rect->y, width, height);
    return FALSE;
  }
  return TRUE;
}

gboolean
swin_preprocess_check (const SwinFrame *frame, const SwinPreprocessParams *params, GError **error)
{
  g_return_val_if_fail (frame != NULL && params != NULL, FALSE);
  if ((unsigned) frame->format >= SWIN_PIXEL_FORMAT_COUNT) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "unknown pixel format %d",
                 (int) frame->format);
    return FALSE;
  }
  if (frame->width < 1 || frame->height < 1 || frame->width > SWIN_MAX_FRAME_SIZE ||
      frame->height > SWIN_MAX_FRAME_SIZE) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "invalid frame size %dx%d (1 to %d)",
                 frame->width, frame->height, SWIN_MAX_FRAME_SIZE);
    return FALSE;
  }
  for (int p = 0; p < swin_pixel_format_n_planes (frame->format); p++) {
    size_t row_bytes;

    swin_pixel_format_plane_size (frame->format, p, frame->width, frame->height, &row_bytes, NULL);
    if (!frame->data[p] || frame->stride[p] < row_bytes) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG,
                   "plane %d: no data or stride %zu below the row size %zu", p,
                   frame->stride[p], row_bytes);
      return FALSE;
    }
  }
  if ((unsigned) params->scale_mode > SWIN_SCALE_LETTERBOX ||
      (unsigned) params->matrix > SWIN_COLOR_MATRIX_BT2020) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "unknown scale mode or colour matrix");
    return FALSE;
  }
  for (int c = 0; c < 3; c++) {
    if (!(params->std[c] > 0.0f) || !isfinite (params->std[c]) || !isfinite (params->mean[c])) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG,
                   "std must be positive and mean finite (channel %d: mean %g, std %g)", c,
                   params->mean[c], params->std[c]);
      return FALSE;
    }
  }
  return TRUE;
}

