/* swinclassify core: turning a video frame into the network's input tensor.
 *
 * One definition, two implementations: swin_preprocess_cpu() (the reference,
 * used by tests and as a fallback) and SwinPreprocessor (a compute shader
 * that writes straight into a plan's input buffer).  Both do, for every
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

#include "swin/swin.h"

G_BEGIN_DECLS

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

/* The largest frame width and height that preprocessing accepts (1 to this);
 * keeps every size computation far from overflow. */
#define SWIN_PREPROCESS_MAX_SIZE 16384

/* Number of planes of @format (1 to 3). */
int swin_pixel_format_n_planes (SwinPixelFormat format);
/* Bytes in one row and number of rows of plane @plane of a @width x @height
 * frame (e.g. I420 plane 1: ceil(width/2) bytes, ceil(height/2) rows). */
void swin_pixel_format_plane_size (SwinPixelFormat format, int plane, int width, int height,
                                   size_t *row_bytes, int *rows);

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

/* Checks @frame (format, size, planes, strides) and @params (std > 0, enum
 * values); FALSE with SWIN_ERROR_INVALID_ARG otherwise. */
gboolean swin_preprocess_check (const SwinFrame *frame, const SwinPreprocessParams *params,
                                GError **error);

/* The CPU reference: writes float32 NCHW [3, out_h, out_w] to @out. */
gboolean swin_preprocess_cpu (const SwinFrame *frame, const SwinPreprocessParams *params,
                              int out_h, int out_w, float *out, GError **error);

/* ---- on the Vulkan device ---- */

/* Preprocessing of frames of one format and size into @plan's input (batch
 * index 0), recorded once and replayed per frame.  @plan must outlive it. */
typedef struct _SwinPreprocessor SwinPreprocessor;

/* @out_h x @out_w: the plan's input resolution.  Fails with
 * SWIN_ERROR_INVALID_ARG if the plan's input buffer is smaller than
 * 3 x out_h x out_w floats or the arguments are invalid. */
SwinPreprocessor *swin_preprocessor_new (SwinPlan *plan, int out_h, int out_w,
                                         SwinPixelFormat format, int width, int height,
                                         const SwinPreprocessParams *params, GError **error);
void swin_preprocessor_free (SwinPreprocessor *pp);
/* Whether @ctx's device can preprocess @format frames of @width x @height:
 * the frame is bound to the shader as one storage buffer, which must fit the
 * device's maxStorageBufferRange (128 MiB on lavapipe: 8192x4320 BGRx does
 * not fit, I420 does).  Where it does not, swin_preprocessor_new() fails
 * and swin_preprocess_cpu() is the way. */
gboolean swin_preprocessor_supports_size (const SwinContext *ctx, SwinPixelFormat format,
                                          int width, int height);
/* Uploads @frame (of the format and size given at creation), then runs the
 * preprocessing and the plan's forward in one submission and waits; the
 * logits are then in swin_plan_get_logits(). */
gboolean swin_preprocessor_run (SwinPreprocessor *pp, const SwinFrame *frame, GError **error);

G_END_DECLS
