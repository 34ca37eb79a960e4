/* CPU reference of the frame preprocessing (see swin/swin_preprocess.h),
 * written step by step for clarity: convert the whole frame to float RGB,
 * resample horizontally, then vertically, then normalise. */
#include "swin_preprocess_private.h"

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
swin_preprocess_check (const SwinFrame *frame, const SwinPreprocessParams *params, GError **error)
{
  if (!frame || !params) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "no frame or no parameters");
    return FALSE;
  }
  if ((unsigned) frame->format >= SWIN_PIXEL_FORMAT_COUNT) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "unknown pixel format %d",
                 (int) frame->format);
    return FALSE;
  }
  if (frame->width < 1 || frame->height < 1 || frame->width > SWIN_PREPROCESS_MAX_SIZE ||
      frame->height > SWIN_PREPROCESS_MAX_SIZE) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "invalid frame size %dx%d (1 to %d)",
                 frame->width, frame->height, SWIN_PREPROCESS_MAX_SIZE);
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
swin_preprocess_cpu (const SwinFrame *frame, const SwinPreprocessParams *params, int out_h,
                     int out_w, float *out, GError **error)
{
  const int w = frame ? frame->width : 0, h = frame ? frame->height : 0;
  const size_t plane = (size_t) out_h * out_w;
  SwinPreprocessGeometry g;
  SwinYuvCoeffs yc;
  Taps tx, ty;
  float *rgb, *tmp;

  if (!swin_preprocess_check (frame, params, error))
    return FALSE;
  if (out_h < 1 || out_w < 1 || out_h > SWIN_PREPROCESS_MAX_SIZE ||
      out_w > SWIN_PREPROCESS_MAX_SIZE || !out) {
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

      fetch_rgb (frame, &yc, x, y, px);
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
