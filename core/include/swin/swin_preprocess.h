/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinclassify core: turning a video frame into the network's input tensor
 * (the description and the arithmetic, in the model layer).
 *
 * One definition, two implementations: swin_cpu_preprocess() (the CPU
 * backend, swin/swin_cpu.h) and SwinPreprocessor (a compute shader that
 * writes straight into a plan's input buffer, swin/swin_vulkan.h).  Both do, for every
 * output pixel:
 *
 *  1. colour conversion of the source pixels to R'G'B' in [0, 1]
 *     (8-bit values / 255; Y'CbCr through the BT.601/709/2020 matrix, limited
 *     or full range, chroma replicated over its 2x2 block, result clamped);
 *  2. geometry (see swin_preprocess_get_geometry());
 *  3. resampling with the triangle (bilinear) filter at pixel centres; when
 *     shrinking, the filter is widened by the scale factor (antialiasing),
 *     exactly the "bilinear, antialias=True" resize of torchvision / PIL but
 *     without PIL's intermediate rounding to 8 bits;
 *  4. normalisation: (value - mean[c]) / std[c], channel order R, G, B;
 *     letterbox padding is 0 after normalisation (i.e. the mean colour).
 *
 * Output: float32 NCHW [3, out_h, out_w].  No GStreamer types here. */
#pragma once

#include "swin/swin_model.h"

G_BEGIN_DECLS

/* Frames wider or taller than this are refused: it keeps every size
 * computation far from overflow. */
#define SWIN_MAX_FRAME_SIZE 16384

typedef enum {
  SWIN_PIXEL_FORMAT_RGB,   /* packed 24-bit R, G, B */
  SWIN_PIXEL_FORMAT_BGR,
  SWIN_PIXEL_FORMAT_RGBA,  /* packed 32-bit; the 4th byte is ignored */
  SWIN_PIXEL_FORMAT_RGBX,
  SWIN_PIXEL_FORMAT_BGRA,
  SWIN_PIXEL_FORMAT_BGRX,
  SWIN_PIXEL_FORMAT_I420,  /* planar Y, U, V; chroma subsampled 2x2 */
  SWIN_PIXEL_FORMAT_NV12,  /* planar Y, interleaved UV; chroma subsampled 2x2 */
  SWIN_PIXEL_FORMAT_COUNT,
} SwinPixelFormat;

/* Number of planes of @format (1 to 3). */
int swin_pixel_format_n_planes (SwinPixelFormat format);
/* Bytes in one row and number of rows of plane @plane of a @width x @height
 * frame (e.g. I420 plane 1: ceil(width/2) bytes, ceil(height/2) rows). */
void swin_pixel_format_plane_size (SwinPixelFormat format, int plane, int width, int height,
                                   size_t *row_bytes, int *rows);

/* A rectangle of a frame, in pixels: columns x .. x + width - 1, rows
 * y .. y + height - 1. */
typedef struct {
  int x, y;
  int width, height;
} SwinRect;

/* A frame in host memory; the caller owns the pixels. */
typedef struct {
  SwinPixelFormat format;
  int width;
  int height;
  const uint8_t *data[3];  /* one per plane; unused planes NULL */
  size_t stride[3];        /* bytes from one row to the next, >= the row's bytes */
} SwinFrame;

typedef enum {
  /* Resize so that the output is covered, keeping the aspect ratio (for a
   * square output: the short side becomes the output size), then take the
   * centre: torchvision's Resize(S) + CenterCrop(S). */
  SWIN_SCALE_CENTER_CROP,
  /* Resize each axis independently to the output size. */
  SWIN_SCALE_STRETCH,
  /* Resize so that the whole frame fits, keeping the aspect ratio, and pad
   * the rest (centred) with the mean colour. */
  SWIN_SCALE_LETTERBOX,
} SwinScaleMode;

/* The Y'CbCr matrix of YUV frames (ignored for RGB formats). */
typedef enum {
  SWIN_COLOR_MATRIX_BT601,
  SWIN_COLOR_MATRIX_BT709,
  SWIN_COLOR_MATRIX_BT2020,
} SwinColorMatrix;

typedef struct {
  SwinScaleMode scale_mode;
  float mean[3];           /* R, G, B, in units of the [0, 1] pixel range */
  float std[3];            /* must be > 0 */
  SwinColorMatrix matrix;
  gboolean full_range;     /* Y'CbCr uses 0..255 instead of 16..235 / 16..240 */
} SwinPreprocessParams;

/* Defaults: center-crop, ImageNet mean (0.485, 0.456, 0.406) and std
 * (0.229, 0.224, 0.225), BT.601 limited range. */
void swin_preprocess_params_init (SwinPreprocessParams *params);

/* Where the frame lands in the output, per axis: the frame is resized to
 * resized_w x resized_h, and output pixel (x, y) shows resized pixel
 * (x + shift_x, y + shift_y); outside the resized image it is padding.
 * center-crop: shift >= 0 (the crop offset: half the excess, rounded half
 * to even like torchvision's CenterCrop);
 * letterbox: shift <= 0 (minus the padding before the image); stretch: 0. */
typedef struct {
  int resized_w;
  int resized_h;
  int shift_x;
  int shift_y;
} SwinPreprocessGeometry;

void swin_preprocess_get_geometry (SwinScaleMode mode, int in_w, int in_h, int out_w, int out_h,
                                   SwinPreprocessGeometry *geometry);

/* Checks that @rect is non-empty and lies inside a @width x @height frame;
 * FALSE with SWIN_ERROR_INVALID_ARG otherwise.  Regions are preprocessed
 * exactly like a frame of the region's size whose pixels are the region's
 * (Y'CbCr chroma is read at the region's frame coordinates, so odd offsets
 * keep their chroma siting). */
gboolean swin_preprocess_check_rect (const SwinRect *rect, int width, int height, GError **error);

/* Checks @frame (format, size, planes, strides) and @params (std > 0, enum
 * values); FALSE with SWIN_ERROR_INVALID_ARG otherwise. */
gboolean swin_preprocess_check (const SwinFrame *frame, const SwinPreprocessParams *params,
                                GError **error);

G_END_DECLS
