/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CPU backend's frame preprocessing (see swin/swin_preprocess.h),
 * written step by step for clarity: convert the whole frame to float RGB,
 * resample horizontally, then vertically, then normalise. */
#include "swin/swin_cpu.h"
#include "swin_preprocess_math.h"

#include <math.h>
#include <string.h>

/* One source pixel as R'G'B' in [0, 1]. */
static void
fetch_rgb (const SwinFrame *f, const SwinYuvCoeffs *yc, int x, int y, float rgb[3])
{
  const uint8_t *p0 = f->data[0] + (size_t) y * f->stride[0];
  const uint8_t *px;
  float Y, U, V, cb, cr;

  switch (f->format) {
    case SWIN_PIXEL_FORMAT_RGB:
      px = p0 + (size_t) x * 3;
      rgb[0] = px[0] / 255.0f; rgb[1] = px[1] / 255.0f; rgb[2] = px[2] / 255.0f;
      return;
    case SWIN_PIXEL_FORMAT_BGR:
      px = p0 + (size_t) x * 3;
      rgb[0] = px[2] / 255.0f; rgb[1] = px[1] / 255.0f; rgb[2] = px[0] / 255.0f;
      return;
    case SWIN_PIXEL_FORMAT_RGBA:
    case SWIN_PIXEL_FORMAT_RGBX:
      px = p0 + (size_t) x * 4;
      rgb[0] = px[0] / 255.0f; rgb[1] = px[1] / 255.0f; rgb[2] = px[2] / 255.0f;
      return;
    case SWIN_PIXEL_FORMAT_BGRA:
    case SWIN_PIXEL_FORMAT_BGRX:
      px = p0 + (size_t) x * 4;
      rgb[0] = px[2] / 255.0f; rgb[1] = px[1] / 255.0f; rgb[2] = px[0] / 255.0f;
      return;
    case SWIN_PIXEL_FORMAT_I420:
      Y = p0[x];
      U = f->data[1][(size_t) (y / 2) * f->stride[1] + x / 2];
      V = f->data[2][(size_t) (y / 2) * f->stride[2] + x / 2];
      break;
    case SWIN_PIXEL_FORMAT_NV12:
      Y = p0[x];
      U = f->data[1][(size_t) (y / 2) * f->stride[1] + (size_t) (x / 2) * 2];
      V = f->data[1][(size_t) (y / 2) * f->stride[1] + (size_t) (x / 2) * 2 + 1];
      break;
    default:
      rgb[0] = rgb[1] = rgb[2] = 0.0f;
      return;
  }
  Y = (Y - yc->y_offset) * yc->y_scale;
  cb = (U - 128.0f) * yc->c_scale;
  cr = (V - 128.0f) * yc->c_scale;
  rgb[0] = CLAMP (Y + yc->r_cr * cr, 0.0f, 1.0f);
  rgb[1] = CLAMP (Y + yc->g_cb * cb + yc->g_cr * cr, 0.0f, 1.0f);
  rgb[2] = CLAMP (Y + yc->b_cb * cb, 0.0f, 1.0f);
}

/* The filter taps of every output position along one axis: source pixels
 * first[o] .. first[o] + count[o] - 1 with normalised weights
 * weights[o * max_taps + t]; count 0 marks padding. */
typedef struct {
  int max_taps;
  int *first;
  int *count;
  float *weights;
} Taps;

static void
taps_clear (Taps *t)
{
  g_free (t->first);
  g_free (t->count);
  g_free (t->weights);
}

static void
taps_init (Taps *t, int in, int resized, int shift, int out)
{
  double scale = (double) in / resized;
  /* The triangle filter reaches one source pixel when enlarging and one
   * output pixel (scale source pixels) when shrinking. */
  double support = scale >= 1.0 ? scale : 1.0;
  double inv = 1.0 / support;

  t->max_taps = (int) ceil (support) * 2 + 1;
  t->first = g_new0 (int, out);
  t->count = g_new0 (int, out);
  t->weights = g_new0 (float, (size_t) out * t->max_taps);
  for (int o = 0; o < out; o++) {
    int r = o + shift;
    double center, total = 0.0;
    int lo, hi;

    if (r < 0 || r >= resized)
      continue;
    center = (r + 0.5) * scale;
    lo = MAX ((int) floor (center - support + 0.5), 0);
    hi = MIN ((int) floor (center + support + 0.5), in);
    hi = MIN (hi, lo + t->max_taps);
    for (int i = lo; i < hi; i++) {
      double w = 1.0 - fabs ((i + 0.5 - center) * inv);
      w = w > 0.0 ? w : 0.0;
      t->weights[(size_t) o * t->max_taps + (i - lo)] = (float) w;
      total += w;
    }
    t->first[o] = lo;
    t->count[o] = hi - lo;
    for (int i = 0; i < hi - lo; i++)
      t->weights[(size_t) o * t->max_taps + i] /= (float) total;
  }
}

gboolean
swin_cpu_preprocess (const SwinFrame *frame, const SwinPreprocessParams *params, int out_h,
                     int out_w, float *out, GError **error)
{
  return swin_cpu_preprocess_region (frame, NULL, params, out_h, out_w, out, error);
}

gboolean
swin_cpu_preprocess_region (const SwinFrame *frame, const SwinRect *rect,
                            const SwinPreprocessParams *params, int out_h, int out_w, float *out,
                            GError **error)
{
  const size_t plane = (size_t) out_h * out_w;
  SwinRect r;
  int w, h;
  SwinPreprocessGeometry g;
  SwinYuvCoeffs yc;
  Taps tx, ty;
  float *rgb, *tmp;

  if (!swin_preprocess_check (frame, params, error))
    return FALSE;
  r = rect ? *rect : (SwinRect) { 0, 0, frame->width, frame->height };
  if (!swin_preprocess_check_rect (&r, frame->width, frame->height, error))
    return FALSE;
  w = r.width;
  h = r.height;
  g_return_val_if_fail (out != NULL, FALSE);
  if (out_h < 1 || out_w < 1 || out_h > SWIN_MAX_FRAME_SIZE || out_w > SWIN_MAX_FRAME_SIZE) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "invalid output %dx%d", out_w, out_h);
    return FALSE;
  }
  swin_preprocess_get_geometry (params->scale_mode, w, h, out_w, out_h, &g);
  swin_preprocess_yuv_coeffs (params->matrix, params->full_range, &yc);

  /* 1. colour conversion: rgb[c][y][x] */
  rgb = g_try_new (float, (size_t) 3 * w * h);
  tmp = g_try_new (float, (size_t) 3 * h * out_w);
  if (!rgb || !tmp) {
    g_free (rgb);
    g_free (tmp);
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_OUT_OF_MEMORY, "out of memory for a %dx%d frame",
                 w, h);
    return FALSE;
  }
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      float px[3];

      fetch_rgb (frame, &yc, r.x + x, r.y + y, px);
      for (int c = 0; c < 3; c++)
        rgb[((size_t) c * h + y) * w + x] = px[c];
    }
  }

  /* 2. horizontal resampling: tmp[c][y][ox] */
  taps_init (&tx, w, g.resized_w, g.shift_x, out_w);
  taps_init (&ty, h, g.resized_h, g.shift_y, out_h);
  for (int c = 0; c < 3; c++) {
    for (int y = 0; y < h; y++) {
      const float *row = rgb + ((size_t) c * h + y) * w;

      for (int ox = 0; ox < out_w; ox++) {
        const float *wt = tx.weights + (size_t) ox * tx.max_taps;
        float acc = 0.0f;

        for (int i = 0; i < tx.count[ox]; i++)
          acc += wt[i] * row[tx.first[ox] + i];
        tmp[((size_t) c * h + y) * out_w + ox] = acc;
      }
    }
  }

  /* 3. vertical resampling and 4. normalisation; padding is 0 */
  for (int c = 0; c < 3; c++) {
    const float inv_std = 1.0f / params->std[c];

    for (int oy = 0; oy < out_h; oy++) {
      const float *wt = ty.weights + (size_t) oy * ty.max_taps;

      for (int ox = 0; ox < out_w; ox++) {
        float acc = 0.0f;

        if (ty.count[oy] == 0 || tx.count[ox] == 0) {
          out[c * plane + (size_t) oy * out_w + ox] = 0.0f;
          continue;
        }
        for (int j = 0; j < ty.count[oy]; j++)
          acc += wt[j] * tmp[((size_t) c * h + ty.first[oy] + j) * out_w + ox];
        out[c * plane + (size_t) oy * out_w + ox] = (acc - params->mean[c]) * inv_std;
      }
    }
  }

  taps_clear (&tx);
  taps_clear (&ty);
  g_free (rgb);
  g_free (tmp);
  return TRUE;
}
