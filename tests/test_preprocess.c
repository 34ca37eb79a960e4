/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Frame preprocessing: the CPU reference against hand-computed values, and
 * the compute shader against the CPU reference for every format and scale
 * mode (odd sizes, padded strides, enlarging and shrinking). */
#include <glib/gstdio.h>
#include <string.h>

#include "swin/swin.h"
#include "swin/swin_preprocess.h"
#include "swin_test_device.h"
#include "swin_test_floats.h"
#include "swin_test_frame.h"
#include "swin_test_model.h"
#include "swin_preprocessor.h"

static SwinContext *ctx;

/* Unit mean/std: the output is the resampled [0, 1] value itself. */
static void
identity_params (SwinPreprocessParams *p, SwinScaleMode mode)
{
  swin_preprocess_params_init (p);
  p->scale_mode = mode;
  for (int c = 0; c < 3; c++) {
    p->mean[c] = 0.0f;
    p->std[c] = 1.0f;
  }
}

static void
test_defaults (void)
{
  SwinPreprocessParams p;

  swin_preprocess_params_init (&p);
  g_assert_cmpint (p.scale_mode, ==, SWIN_SCALE_CENTER_CROP);
  g_assert_cmpfloat_with_epsilon (p.mean[0], 0.485, 1e-7);
  g_assert_cmpfloat_with_epsilon (p.mean[2], 0.406, 1e-7);
  g_assert_cmpfloat_with_epsilon (p.std[1], 0.224, 1e-7);
  g_assert_cmpint (p.matrix, ==, SWIN_COLOR_MATRIX_BT601);
  g_assert_false (p.full_range);
}

static void
test_geometry (void)
{
  SwinPreprocessGeometry g;

  /* torchvision Resize(224) on 320x240: short side 224, long int(224*320/240) = 298;
   * CenterCrop(224): offset (298 - 224) / 2 = 37. */
  swin_preprocess_get_geometry (SWIN_SCALE_CENTER_CROP, 320, 240, 224, 224, &g);
  g_assert_cmpint (g.resized_w, ==, 298);
  g_assert_cmpint (g.resized_h, ==, 224);
  g_assert_cmpint (g.shift_x, ==, 37);
  g_assert_cmpint (g.shift_y, ==, 0);
  /* Portrait 480x640 -> resized 224x298, crop 37 rows. */
  swin_preprocess_get_geometry (SWIN_SCALE_CENTER_CROP, 480, 640, 224, 224, &g);
  g_assert_cmpint (g.resized_w, ==, 224);
  g_assert_cmpint (g.resized_h, ==, 298);
  g_assert_cmpint (g.shift_y, ==, 37);
  /* 640x427: resized int(224*640/427) = 335; offset round(55.5) = 56 and
   * 333x224: offset round(54.5) = 54 (Python rounds half to even). */
  swin_preprocess_get_geometry (SWIN_SCALE_CENTER_CROP, 640, 427, 224, 224, &g);
  g_assert_cmpint (g.resized_w, ==, 335);
  g_assert_cmpint (g.shift_x, ==, 56);
  swin_preprocess_get_geometry (SWIN_SCALE_CENTER_CROP, 333, 224, 224, 224, &g);
  g_assert_cmpint (g.resized_w, ==, 333);
  g_assert_cmpint (g.shift_x, ==, 54);
  /* Letterbox 320x240 into 224: 224x168, 28 rows of padding above. */
  swin_preprocess_get_geometry (SWIN_SCALE_LETTERBOX, 320, 240, 224, 224, &g);
  g_assert_cmpint (g.resized_w, ==, 224);
  g_assert_cmpint (g.resized_h, ==, 168);
  g_assert_cmpint (g.shift_x, ==, 0);
  g_assert_cmpint (g.shift_y, ==, -28);
  swin_preprocess_get_geometry (SWIN_SCALE_STRETCH, 320, 240, 224, 112, &g);
  g_assert_cmpint (g.resized_w, ==, 224);
  g_assert_cmpint (g.resized_h, ==, 112);
  g_assert_cmpint (g.shift_x, ==, 0);
  g_assert_cmpint (g.shift_y, ==, 0);
}

/* Same size, stretch: every output is exactly (v / 255 - mean) / std. */
static void
test_cpu_identity (void)
{
  SwinTestFrame t;
  SwinPreprocessParams p;
  float out[3 * 5 * 7];
  GError *error = NULL;

  swin_test_frame_init (&t, SWIN_PIXEL_FORMAT_BGRX, 7, 5, 4, 1);
  swin_preprocess_params_init (&p);
  p.scale_mode = SWIN_SCALE_STRETCH;
  g_assert_true (swin_cpu_preprocess (&t.f, &p, 5, 7, out, &error));
  g_assert_no_error (error);
  for (int y = 0; y < 5; y++)
    for (int x = 0; x < 7; x++)
      for (int c = 0; c < 3; c++) {
        /* BGRx: R is byte 2, B byte 0. */
        float v = t.f.data[0][y * t.f.stride[0] + x * 4 + (2 - c)] / 255.0f;
        g_assert_cmpfloat_with_epsilon (out[(c * 5 + y) * 7 + x], (v - p.mean[c]) / p.std[c], 1e-5);
      }
  swin_test_frame_clear (&t);
}

/* Bilinear at pixel centres: 2 -> 4 gives 0, 1/4, 3/4, 1 of the step;
 * antialiased 4 -> 2 spreads the triangle over 2 source pixels each side:
 * weights (0.75, 0.75, 0.25) / 1.75 as PIL / torchvision antialias. */
static void
test_cpu_resample (void)
{
  const uint8_t up[2 * 3] = { 0, 0, 0, 255, 255, 255 };
  const uint8_t down[4 * 3] = { 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255 };
  SwinFrame f = { .format = SWIN_PIXEL_FORMAT_RGB, .width = 2, .height = 1, .data = { up }, .stride = { 6 } };
  SwinPreprocessParams p;
  float out[3 * 4];
  GError *error = NULL;

  identity_params (&p, SWIN_SCALE_STRETCH);
  g_assert_true (swin_cpu_preprocess (&f, &p, 1, 4, out, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (out[0], 0.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[1], 0.25, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[2], 0.75, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[3], 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[8 + 1], 0.25, 1e-6); /* blue channel too */

  f.data[0] = down;
  f.width = 4;
  f.stride[0] = 12;
  g_assert_true (swin_cpu_preprocess (&f, &p, 1, 2, out, &error));
  g_assert_cmpfloat_with_epsilon (out[0], 0.25 / 1.75, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[1], 1.5 / 1.75, 1e-6);
}

/* Letterbox pads with 0 (the mean colour); center-crop takes the middle. */
static void
test_cpu_scale_modes (void)
{
  /* 4x2 RGB: columns 0, 85, 170, 255 (grey). */
  uint8_t px[2 * 12];
  SwinFrame f = { .format = SWIN_PIXEL_FORMAT_RGB, .width = 4, .height = 2, .data = { px }, .stride = { 12 } };
  SwinPreprocessParams p;
  float out[3 * 4 * 4];
  GError *error = NULL;

  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 4; x++)
      memset (px + y * 12 + x * 3, x * 85, 3);

  /* Into 4x4: letterbox keeps 4x2 in rows 1-2, rows 0 and 3 are padding. */
  swin_preprocess_params_init (&p);
  p.scale_mode = SWIN_SCALE_LETTERBOX;
  g_assert_true (swin_cpu_preprocess (&f, &p, 4, 4, out, &error));
  g_assert_no_error (error);
  for (int x = 0; x < 4; x++) {
    g_assert_cmpfloat (out[0 * 4 + x], ==, 0.0f);
    g_assert_cmpfloat (out[3 * 4 + x], ==, 0.0f);
    g_assert_cmpfloat_with_epsilon (out[1 * 4 + x], (x * 85 / 255.0f - p.mean[0]) / p.std[0], 1e-5);
  }

  /* Into 2x2: center-crop resizes 4x2 -> 4x2 (short side 2) and keeps
   * columns 1 and 2. */
  identity_params (&p, SWIN_SCALE_CENTER_CROP);
  g_assert_true (swin_cpu_preprocess (&f, &p, 2, 2, out, &error));
  g_assert_cmpfloat_with_epsilon (out[0], 85 / 255.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[1], 170 / 255.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[2], 85 / 255.0, 1e-6);
}

/* BT.601 limited-range reference colours: (235, 128, 128) is white,
 * (81, 90, 240) red, (145, 54, 34) green, (41, 240, 110) blue; BT.709
 * red is (63, 102, 240).  Through I420 and NV12 alike. */
static void
test_cpu_yuv (void)
{
  static const struct {
    SwinColorMatrix matrix;
    uint8_t y, u, v;
    float r, g, b;
  } cases[] = {
    { SWIN_COLOR_MATRIX_BT601, 235, 128, 128, 1, 1, 1 },
    { SWIN_COLOR_MATRIX_BT601, 16, 128, 128, 0, 0, 0 },
    { SWIN_COLOR_MATRIX_BT601, 81, 90, 240, 1, 0, 0 },
    { SWIN_COLOR_MATRIX_BT601, 145, 54, 34, 0, 1, 0 },
    { SWIN_COLOR_MATRIX_BT601, 41, 240, 110, 0, 0, 1 },
    { SWIN_COLOR_MATRIX_BT709, 63, 102, 240, 1, 0, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    uint8_t yp[4], up[1], vp[1], uv[2];
    SwinFrame i420 = { .format = SWIN_PIXEL_FORMAT_I420, .width = 2, .height = 2,
                       .data = { yp, up, vp }, .stride = { 2, 1, 1 } };
    SwinFrame nv12 = { .format = SWIN_PIXEL_FORMAT_NV12, .width = 2, .height = 2,
                       .data = { yp, uv }, .stride = { 2, 2 } };
    SwinPreprocessParams p;
    float a[12], b[12];
    GError *error = NULL;

    memset (yp, cases[i].y, 4);
    up[0] = uv[0] = cases[i].u;
    vp[0] = uv[1] = cases[i].v;
    identity_params (&p, SWIN_SCALE_STRETCH);
    p.matrix = cases[i].matrix;
    g_assert_true (swin_cpu_preprocess (&i420, &p, 2, 2, a, &error));
    g_assert_true (swin_cpu_preprocess (&nv12, &p, 2, 2, b, &error));
    g_assert_no_error (error);
    for (int k = 0; k < 12; k++)
      g_assert_cmpfloat (a[k], ==, b[k]);
    /* 8-bit reference colours are exact to about one code value. */
    g_assert_cmpfloat_with_epsilon (a[0], cases[i].r, 0.01);
    g_assert_cmpfloat_with_epsilon (a[4], cases[i].g, 0.01);
    g_assert_cmpfloat_with_epsilon (a[8], cases[i].b, 0.01);
  }
}

/* Full range: Y 0..255 and chroma centred on 128 without headroom. */
static void
test_cpu_full_range (void)
{
  uint8_t yp[1] = { 255 }, up[1] = { 128 }, vp[1] = { 128 };
  SwinFrame f = { .format = SWIN_PIXEL_FORMAT_I420, .width = 1, .height = 1,
                  .data = { yp, up, vp }, .stride = { 1, 1, 1 } };
  SwinPreprocessParams p;
  float out[3];
  GError *error = NULL;

  identity_params (&p, SWIN_SCALE_STRETCH);
  p.full_range = TRUE;
  g_assert_true (swin_cpu_preprocess (&f, &p, 1, 1, out, &error));
  g_assert_cmpfloat_with_epsilon (out[0], 1.0, 1e-6);
  yp[0] = 128;
  g_assert_true (swin_cpu_preprocess (&f, &p, 1, 1, out, &error));
  g_assert_cmpfloat_with_epsilon (out[1], 128 / 255.0, 1e-6);
  g_assert_no_error (error);
}

/* The same pixels as RGB, BGR, RGBA, RGBx, BGRA, BGRx give the same tensor. */
static void
test_cpu_packed_formats_agree (void)
{
  static const SwinPixelFormat formats[] = {
    SWIN_PIXEL_FORMAT_BGR, SWIN_PIXEL_FORMAT_RGBA, SWIN_PIXEL_FORMAT_RGBX,
    SWIN_PIXEL_FORMAT_BGRA, SWIN_PIXEL_FORMAT_BGRX,
  };
  const int w = 11, h = 7;
  SwinTestFrame rgb;
  SwinPreprocessParams p;
  float ref[3 * 8 * 8], out[3 * 8 * 8];
  GError *error = NULL;

  swin_test_frame_init (&rgb, SWIN_PIXEL_FORMAT_RGB, w, h, 0, 5);
  swin_preprocess_params_init (&p);
  g_assert_true (swin_cpu_preprocess (&rgb.f, &p, 8, 8, ref, &error));
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++) {
    gboolean bgr = formats[i] == SWIN_PIXEL_FORMAT_BGR || formats[i] == SWIN_PIXEL_FORMAT_BGRA ||
                   formats[i] == SWIN_PIXEL_FORMAT_BGRX;
    int bpp = formats[i] == SWIN_PIXEL_FORMAT_BGR ? 3 : 4;
    SwinTestFrame t;

    swin_test_frame_init (&t, formats[i], w, h, 3, 100 + i);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        for (int c = 0; c < 3; c++)
          t.mem[0][y * t.f.stride[0] + x * bpp + (bgr ? 2 - c : c)] = rgb.mem[0][y * w * 3 + x * 3 + c];
    g_assert_true (swin_cpu_preprocess (&t.f, &p, 8, 8, out, &error));
    g_assert_no_error (error);
    g_assert_cmpfloat (swin_test_max_diff (ref, out, G_N_ELEMENTS (out)), ==, 0.0f);
    swin_test_frame_clear (&t);
  }
  swin_test_frame_clear (&rgb);
}

static void
test_cpu_errors (void)
{
  uint8_t px[12] = { 0 };
  SwinFrame f = { .format = SWIN_PIXEL_FORMAT_RGB, .width = 2, .height = 2, .data = { px }, .stride = { 6 } };
  SwinPreprocessParams p;
  float out[12];
  GError *error = NULL;

  swin_preprocess_params_init (&p);
  f.stride[0] = 5; /* below 2 * 3 bytes */
  g_assert_false (swin_cpu_preprocess (&f, &p, 2, 2, out, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  f.stride[0] = 6;
  p.std[1] = 0.0f;
  g_assert_false (swin_cpu_preprocess (&f, &p, 2, 2, out, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  swin_preprocess_params_init (&p);
  f.format = SWIN_PIXEL_FORMAT_NV12; /* needs a second plane */
  g_assert_false (swin_cpu_preprocess (&f, &p, 2, 2, out, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  f.format = SWIN_PIXEL_FORMAT_RGB;
  f.width = 0;
  g_assert_false (swin_cpu_preprocess (&f, &p, 2, 2, out, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
}

/* ---- the shader against the reference ---- */

static void
compare_gpu (SwinPixelFormat format, SwinScaleMode mode, int w, int h, int pad, int out_h,
             int out_w)
{
  const size_t n = (size_t) 3 * out_h * out_w;
  SwinBuffer *buf;
  SwinPreprocessor *pp;
  SwinPreprocessParams p;
  SwinTestFrame t;
  float *ref = g_new (float, n);
  GError *error = NULL;
  float diff;

  swin_test_frame_init (&t, format, w, h, pad, 1000 + format * 10 + mode);
  swin_preprocess_params_init (&p);
  p.scale_mode = mode;
  p.matrix = (SwinColorMatrix) (format % 3);
  p.full_range = format % 2;
  g_assert_true (swin_cpu_preprocess (&t.f, &p, out_h, out_w, ref, &error));
  g_assert_no_error (error);

  buf = swin_buffer_new (ctx, n * sizeof (float), SWIN_BUFFER_READBACK, "test", &error);
  g_assert_no_error (error);
  pp = swin_preprocessor_new_for_buffer (ctx, buf, out_h, out_w, 1, &error);
  g_assert_no_error (error);
  /* Run twice: the second replays the recorded commands on new pixels. */
  g_assert_cmpint (swin_preprocessor_add_frame (pp, &t.f, &error), ==, 0);
  g_assert_true (swin_preprocessor_add_image (pp, 0, NULL, &p, &error));
  g_assert_true (swin_preprocessor_run (pp, &error));
  swin_test_frame_clear (&t);
  swin_test_frame_init (&t, format, w, h, pad, 2000 + format * 10 + mode);
  g_assert_true (swin_cpu_preprocess (&t.f, &p, out_h, out_w, ref, &error));
  g_assert_cmpint (swin_preprocessor_add_frame (pp, &t.f, &error), ==, 0);
  g_assert_true (swin_preprocessor_add_image (pp, 0, NULL, &p, &error));
  g_assert_true (swin_preprocessor_run (pp, &error));
  g_assert_no_error (error);
  g_assert_true (swin_buffer_invalidate (ctx, buf, &error));

  diff = swin_test_max_diff (buf->mapped, ref, n);
  g_test_message ("format %d mode %d %dx%d -> %dx%d: max |delta| %.3g", format, mode, w, h,
                  out_w, out_h, diff);
  g_assert_cmpfloat (diff, <=, 1e-4f);
  /* Not all padding: the comparison saw real values. */
  g_assert_cmpfloat (swin_test_max_abs (ref, n), >, 0.5f);

  swin_preprocessor_free (pp);
  swin_buffer_free (ctx, buf);
  swin_test_frame_clear (&t);
  g_free (ref);
}

static void
test_gpu_formats (gconstpointer data)
{
  SwinScaleMode mode = GPOINTER_TO_INT (data);

  for (int f = 0; f < SWIN_PIXEL_FORMAT_COUNT; f++) {
    compare_gpu (f, mode, 37, 29, 5, 24, 24);    /* shrink, odd size, padded rows */
    compare_gpu (f, mode, 13, 9, 0, 20, 24);     /* enlarge, non-square output */
    compare_gpu (f, mode, 160, 90, 3, 16, 16);   /* strong antialiasing */
  }
}

static void
test_gpu_errors (void)
{
  SwinPreprocessParams p;
  SwinBuffer *buf;
  SwinPreprocessor *pp;
  SwinTestFrame t;
  GError *error = NULL;
  SwinRect outside = { 2, 1, 3, 3 }, empty = { 0, 0, 0, 2 };

  swin_preprocess_params_init (&p);
  buf = swin_buffer_new (ctx, 2 * 3 * 8 * 8 * sizeof (float), SWIN_BUFFER_READBACK, "test", &error);
  g_assert_no_error (error);
  /* Three outputs would not fit the buffer. */
  g_assert_null (swin_preprocessor_new_for_buffer (ctx, buf, 8, 8, 3, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);

  pp = swin_preprocessor_new_for_buffer (ctx, buf, 8, 8, 2, &error);
  g_assert_no_error (error);
  /* Nothing to run. */
  g_assert_false (swin_preprocessor_run (pp, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  swin_test_frame_init (&t, SWIN_PIXEL_FORMAT_RGB, 4, 4, 0, 9);
  g_assert_cmpint (swin_preprocessor_add_frame (pp, &t.f, &error), ==, 0);
  /* No such frame, regions outside the frame or empty, bad parameters. */
  g_assert_false (swin_preprocessor_add_image (pp, 1, NULL, &p, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_assert_false (swin_preprocessor_add_image (pp, 0, &outside, &p, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_assert_false (swin_preprocessor_add_image (pp, 0, &empty, &p, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  p.std[1] = 0.0f;
  g_assert_false (swin_preprocessor_add_image (pp, 0, NULL, &p, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  p.std[1] = 0.5f;
  /* Two slots, three images. */
  g_assert_true (swin_preprocessor_add_image (pp, 0, NULL, &p, &error));
  g_assert_true (swin_preprocessor_add_image (pp, 0, NULL, &p, &error));
  g_assert_false (swin_preprocessor_add_image (pp, 0, NULL, &p, &error));
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_assert_cmpint (swin_preprocessor_get_n_images (pp), ==, 2);
  swin_preprocessor_reset (pp);
  g_assert_cmpint (swin_preprocessor_get_n_images (pp), ==, 0);
  /* A malformed frame. */
  t.f.stride[0] = 2;
  g_assert_cmpint (swin_preprocessor_add_frame (pp, &t.f, &error), ==, -1);
  g_assert_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG);
  g_clear_error (&error);
  /* Frames larger than one binding can hold; the room a frame takes. */
  {
    guint64 used = 0;
    g_assert_false (swin_preprocessor_fits (ctx, SWIN_PIXEL_FORMAT_RGB, SWIN_MAX_FRAME_SIZE + 1, 4, &used));
    g_assert_cmpuint (used, ==, 0);
    g_assert_true (swin_preprocessor_fits (ctx, SWIN_PIXEL_FORMAT_RGB, 65, 64, &used));
    /* 195 bytes a row padded to 196, 64 rows */
    g_assert_cmpuint (used, ==, 196 * 64);
    used = ctx->props.limits.maxStorageBufferRange - 196 * 64 + 1;
    g_assert_false (swin_preprocessor_fits (ctx, SWIN_PIXEL_FORMAT_RGB, 65, 64, &used));
  }
  swin_test_frame_clear (&t);
  swin_preprocessor_free (pp);
  swin_buffer_free (ctx, buf);
}

/* The CPU backend's regions: a region of a frame is preprocessed exactly
 * like a frame holding just the region's pixels, where such a frame can be
 * made by pointer arithmetic (packed formats; even offsets for Y'CbCr). */
static void
test_cpu_regions (void)
{
  static const SwinRect rects[] = { { 3, 5, 20, 11 }, { 0, 0, 1, 1 }, { 10, 2, 30, 30 }, { 38, 30, 2, 2 } };
  const int out = 12;
  float *a = g_new (float, 3 * out * out), *b = g_new (float, 3 * out * out);
  GError *error = NULL;

  for (int f = 0; f < SWIN_PIXEL_FORMAT_COUNT; f++) {
    SwinTestFrame t;
    SwinPreprocessParams p;

    swin_test_frame_init (&t, f, 40, 32, 3, 500 + f);
    swin_preprocess_params_init (&p);
    p.scale_mode = (SwinScaleMode) (f % 3);
    for (guint i = 0; i < G_N_ELEMENTS (rects); i++) {
      const SwinRect *r = &rects[i];
      int bpp = f <= SWIN_PIXEL_FORMAT_BGR ? 3 : f <= SWIN_PIXEL_FORMAT_BGRX ? 4 : 1;
      SwinFrame crop = t.f;

      if (f >= SWIN_PIXEL_FORMAT_I420 && (r->x % 2 || r->y % 2))
        continue;   /* not expressible as a cropped frame */
      crop.width = r->width;
      crop.height = r->height;
      crop.data[0] = t.f.data[0] + (size_t) r->y * t.f.stride[0] + (size_t) r->x * bpp;
      if (f == SWIN_PIXEL_FORMAT_I420) {
        crop.data[1] = t.f.data[1] + (size_t) (r->y / 2) * t.f.stride[1] + r->x / 2;
        crop.data[2] = t.f.data[2] + (size_t) (r->y / 2) * t.f.stride[2] + r->x / 2;
      } else if (f == SWIN_PIXEL_FORMAT_NV12) {
        crop.data[1] = t.f.data[1] + (size_t) (r->y / 2) * t.f.stride[1] + r->x;
      }
      g_assert_true (swin_cpu_preprocess_region (&t.f, r, &p, out, out, a, &error));
      g_assert_true (swin_cpu_preprocess (&crop, &p, out, out, b, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat (swin_test_max_diff (a, b, 3 * out * out), ==, 0.0f);
    }
    swin_test_frame_clear (&t);
  }
  g_free (a);
  g_free (b);
}

/* One batch of images from frames of several formats and sizes, regions at
 * odd positions (1x1 included), each with its own scale mode and
 * normalisation; an unused slot is zeros.  Every image equals the CPU
 * backend's preprocessing of the same region. */
static void
test_gpu_regions (void)
{
  static const struct {
    int frame;
    SwinRect rect;
  } images[] = {
    { 0, { 0, 0, 37, 29 } }, { 0, { 5, 3, 11, 17 } }, { 1, { 7, 9, 1, 1 } }, { 1, { 1, 1, 63, 40 } },
    { 2, { 3, 2, 20, 30 } }, { 2, { 0, 0, 51, 33 } }, { 3, { 10, 11, 4, 6 } },
  };
  const int out_h = 20, out_w = 24, slots = G_N_ELEMENTS (images) + 1;
  const size_t n = (size_t) 3 * out_h * out_w;
  static const struct { SwinPixelFormat format; int w, h; } frames[] = {
    { SWIN_PIXEL_FORMAT_BGRX, 37, 29 }, { SWIN_PIXEL_FORMAT_I420, 65, 43 },
    { SWIN_PIXEL_FORMAT_NV12, 51, 33 }, { SWIN_PIXEL_FORMAT_RGB, 16, 18 },
  };
  SwinTestFrame t[G_N_ELEMENTS (frames)];
  SwinPreprocessParams params[G_N_ELEMENTS (images)];
  float *ref = g_new (float, n);
  GError *error = NULL;
  SwinBuffer *buf = swin_buffer_new (ctx, slots * n * sizeof (float), SWIN_BUFFER_READBACK, "test",
                                     &error);
  SwinPreprocessor *pp = swin_preprocessor_new_for_buffer (ctx, buf, out_h, out_w, slots, &error);

  g_assert_no_error (error);
  memset (buf->mapped, 0x7f, slots * n * sizeof (float));   /* not zeros before the run */
  for (guint f = 0; f < G_N_ELEMENTS (frames); f++) {
    swin_test_frame_init (&t[f], frames[f].format, frames[f].w, frames[f].h, f, 700 + f);
    g_assert_cmpint (swin_preprocessor_add_frame (pp, &t[f].f, &error), ==, (int) f);
  }
  for (guint i = 0; i < G_N_ELEMENTS (images); i++) {
    swin_preprocess_params_init (&params[i]);
    params[i].scale_mode = (SwinScaleMode) (i % 3);
    params[i].matrix = (SwinColorMatrix) (i % 3);
    params[i].full_range = i % 2;
    params[i].mean[i % 3] = 0.1f * i;
    params[i].std[(i + 1) % 3] = 0.5f + 0.1f * i;
    g_assert_true (swin_preprocessor_add_image (pp, images[i].frame, &images[i].rect, &params[i], &error));
  }
  g_assert_true (swin_preprocessor_run (pp, &error));
  g_assert_no_error (error);
  g_assert_true (swin_buffer_invalidate (ctx, buf, &error));
  for (guint i = 0; i < G_N_ELEMENTS (images); i++) {
    float diff;

    g_assert_true (swin_cpu_preprocess_region (&t[images[i].frame].f, &images[i].rect, &params[i], out_h,
                                               out_w, ref, &error));
    diff = swin_test_max_diff ((float *) buf->mapped + i * n, ref, n);
    g_test_message ("image %u: max |delta| %.3g", i, diff);
    g_assert_cmpfloat (diff, <=, 1e-4f);
  }
  for (size_t k = 0; k < n; k++)
    g_assert_cmpfloat (((float *) buf->mapped)[(slots - 1) * n + k], ==, 0.0f);

  for (guint f = 0; f < G_N_ELEMENTS (frames); f++)
    swin_test_frame_clear (&t[f]);
  swin_preprocessor_free (pp);
  swin_buffer_free (ctx, buf);
  g_free (ref);
}

/* Through a plan: shader preprocessing + forward in one submission gives
 * the logits of the CPU preprocessing + forward. */
static void
test_gpu_plan (void)
{
  SwinInitParams ip = { .embed_dim = 16, .num_stages = 2, .depths = { 1, 1 }, .heads = { 1, 2 },
                        .window = 7, .num_classes = 10, .img_size = 56, .seed = 3 };
  g_autofree char *dir = g_dir_make_tmp ("swin-pp-XXXXXX", NULL);
  SwinPreprocessParams p;
  SwinModel *m;
  SwinNet *net;
  SwinPlan *plan;
  SwinPreprocessor *pp;
  SwinTestFrame t;
  float logits[10];
  GError *error = NULL;
  float diff;

  m = swin_test_make_model (dir, "tiny.safetensors", &ip);
  g_rmdir (dir);
  net = swin_net_new (ctx, m, &error);
  g_assert_no_error (error);
  plan = swin_plan_new (net, 1, 56, 56, &error);
  g_assert_no_error (error);

  swin_preprocess_params_init (&p);
  swin_test_frame_init (&t, SWIN_PIXEL_FORMAT_NV12, 96, 64, 0, 77);
  g_assert_true (swin_cpu_preprocess (&t.f, &p, 56, 56, swin_plan_get_input (plan), &error));
  g_assert_true (swin_plan_run (plan, &error));
  g_assert_no_error (error);
  memcpy (logits, swin_plan_get_logits (plan), sizeof (logits));
  memset (swin_plan_get_input (plan), 0, 3 * 56 * 56 * sizeof (float));

  pp = swin_preprocessor_new (plan, &error);
  g_assert_no_error (error);
  g_assert_cmpint (swin_preprocessor_add_frame (pp, &t.f, &error), ==, 0);
  g_assert_true (swin_preprocessor_add_image (pp, 0, NULL, &p, &error));
  g_assert_true (swin_preprocessor_run (pp, &error));
  g_assert_no_error (error);
  diff = swin_test_max_diff (swin_plan_get_logits (plan), logits, 10);
  g_test_message ("logits max |delta| %.3g", diff);
  g_assert_cmpfloat (diff, <=, 1e-4f * swin_test_max_abs (logits, 10));

  swin_preprocessor_free (pp);
  swin_test_frame_clear (&t);
  swin_plan_free (plan);
  swin_net_free (net);
  swin_model_free (m);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/preprocess/defaults", test_defaults);
  g_test_add_func ("/preprocess/geometry", test_geometry);
  g_test_add_func ("/preprocess/cpu/identity", test_cpu_identity);
  g_test_add_func ("/preprocess/cpu/resample", test_cpu_resample);
  g_test_add_func ("/preprocess/cpu/scale-modes", test_cpu_scale_modes);
  g_test_add_func ("/preprocess/cpu/yuv", test_cpu_yuv);
  g_test_add_func ("/preprocess/cpu/full-range", test_cpu_full_range);
  g_test_add_func ("/preprocess/cpu/packed-formats-agree", test_cpu_packed_formats_agree);
  g_test_add_func ("/preprocess/cpu/errors", test_cpu_errors);
  g_test_add_data_func ("/preprocess/gpu/center-crop", GINT_TO_POINTER (SWIN_SCALE_CENTER_CROP),
                        test_gpu_formats);
  g_test_add_data_func ("/preprocess/gpu/stretch", GINT_TO_POINTER (SWIN_SCALE_STRETCH),
                        test_gpu_formats);
  g_test_add_data_func ("/preprocess/gpu/letterbox", GINT_TO_POINTER (SWIN_SCALE_LETTERBOX),
                        test_gpu_formats);
  g_test_add_func ("/preprocess/gpu/errors", test_gpu_errors);
  g_test_add_func ("/preprocess/cpu/regions", test_cpu_regions);
  g_test_add_func ("/preprocess/gpu/regions", test_gpu_regions);
  g_test_add_func ("/preprocess/gpu/plan", test_gpu_plan);

  ctx = swin_test_context ();
  ret = g_test_run ();
  swin_context_free (ctx);
  return ret;
}
