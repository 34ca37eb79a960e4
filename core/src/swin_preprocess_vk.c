/* Frame preprocessing on the Vulkan device: the frame's planes are copied
 * into a host-visible buffer and shaders/preprocess.comp writes the
 * normalised NCHW tensor into the plan's input buffer; the command buffer is
 * recorded once per (format, size) and replayed for every frame. */
#include "swin_preprocess_private.h"
#include "swin_plan_private.h"
#include "preprocess.spv.h"

#include <string.h>

/* Mirrors the push-constant block of shaders/preprocess.comp. */
typedef struct {
  int32_t format;
  int32_t in_w, in_h, out_w, out_h;
  int32_t resized_w, resized_h, shift_x, shift_y;
  uint32_t offset[3];
  uint32_t stride[3];
  float mean[3];
  float inv_std[3];
  float y_offset, y_scale, c_scale;
  float r_cr, g_cb, g_cr, b_cb;
} SwinPreprocessPush;

G_STATIC_ASSERT (sizeof (SwinPreprocessPush) == 28 * 4);

#define SWIN_PP_LOCAL 8

struct _SwinPreprocessor {
  SwinContext *ctx;
  SwinPlan *plan;            /* NULL when writing to a caller's buffer */
  SwinPixelFormat format;
  int width, height;
  size_t offset[3], stride[3], row_bytes[3];
  int rows[3];
  SwinBuffer *upload;
  SwinCmd *cmd;
};

/* The upload buffer's layout: the planes one after the other, rows padded
 * to whole uints (the shader reads 32-bit words).  Returns its size. */
static guint64
upload_layout (SwinPixelFormat format, int width, int height, size_t offset[3],
               size_t stride[3], size_t row_bytes[3], int rows[3])
{
  guint64 total = 0;

  for (int p = 0; p < swin_pixel_format_n_planes (format); p++) {
    swin_pixel_format_plane_size (format, p, width, height, &row_bytes[p], &rows[p]);
    stride[p] = swin_align (row_bytes[p], 4);
    offset[p] = total;
    total += (guint64) stride[p] * rows[p];
  }
  return total;
}

gboolean
swin_preprocessor_supports_size (const SwinContext *ctx, SwinPixelFormat format, int width,
                                 int height)
{
  size_t offset[3], stride[3], row_bytes[3];
  int rows[3];

  if (!ctx || (unsigned) format >= SWIN_PIXEL_FORMAT_COUNT || width < 1 || height < 1 ||
      width > SWIN_PREPROCESS_MAX_SIZE || height > SWIN_PREPROCESS_MAX_SIZE)
    return FALSE;
  return upload_layout (format, width, height, offset, stride, row_bytes, rows) <=
         ctx->props.limits.maxStorageBufferRange;
}

void
swin_preprocessor_free (SwinPreprocessor *pp)
{
  if (!pp)
    return;
  swin_cmd_free (pp->cmd);
  if (pp->upload)
    swin_buffer_free (pp->ctx, pp->upload);
  g_free (pp);
}

SwinPreprocessor *
swin_preprocessor_new_for_buffer (SwinContext *ctx, SwinBuffer *out, int out_h, int out_w,
                                  SwinPixelFormat format, int width, int height,
                                  const SwinPreprocessParams *params, GError **error)
{
  static const uint8_t dummy = 0;
  SwinFrame probe = { .format = format, .width = width, .height = height };
  SwinPreprocessor *pp;
  SwinPreprocessGeometry g;
  SwinPreprocessPush push = { 0 };
  SwinYuvCoeffs yc;
  SwinKernelDesc desc = { 0 };
  SwinKernel *kernel;
  SwinBinding bindings[2] = { { 0 } };
  guint64 total;

  /* Validate the size, format and parameters with the checks of the CPU
   * path: a frame description with placeholder planes. */
  for (int p = 0; p < 3; p++) {
    probe.data[p] = &dummy;
    swin_pixel_format_plane_size (format, p, width, height, &probe.stride[p], NULL);
  }
  if (!swin_preprocess_check (&probe, params, error))
    return NULL;
  if (!ctx || !out || out_h < 1 || out_w < 1 || out_h > 16384 || out_w > 16384 ||
      out->size < (VkDeviceSize) 3 * out_h * out_w * sizeof (float)) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG,
                 "preprocessing output %dx%d does not fit the destination buffer", out_w, out_h);
    return NULL;
  }

  pp = g_new0 (SwinPreprocessor, 1);
  pp->ctx = ctx;
  pp->format = format;
  pp->width = width;
  pp->height = height;
  total = upload_layout (format, width, height, pp->offset, pp->stride, pp->row_bytes, pp->rows);
  /* The whole frame is one binding (see swin_preprocessor_supports_size()). */
  if (total > ctx->props.limits.maxStorageBufferRange) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG,
                 "a %dx%d frame of %" G_GUINT64_FORMAT " bytes exceeds the device's "
                 "maxStorageBufferRange of %u bytes: preprocess it on the CPU", width, height,
                 total, ctx->props.limits.maxStorageBufferRange);
    goto error;
  }
  pp->upload = swin_buffer_new (ctx, total, SWIN_BUFFER_UPLOAD, error);
  if (!pp->upload)
    goto error;

  swin_preprocess_get_geometry (params->scale_mode, width, height, out_w, out_h, &g);
  swin_preprocess_yuv_coeffs (params->matrix, params->full_range, &yc);
  push.format = format;
  push.in_w = width;
  push.in_h = height;
  push.out_w = out_w;
  push.out_h = out_h;
  push.resized_w = g.resized_w;
  push.resized_h = g.resized_h;
  push.shift_x = g.shift_x;
  push.shift_y = g.shift_y;
  for (int i = 0; i < 3; i++) {
    push.offset[i] = (uint32_t) pp->offset[i];
    push.stride[i] = (uint32_t) pp->stride[i];
    push.mean[i] = params->mean[i];
    push.inv_std[i] = 1.0f / params->std[i];
  }
  push.y_offset = yc.y_offset;
  push.y_scale = yc.y_scale;
  push.c_scale = yc.c_scale;
  push.r_cr = yc.r_cr;
  push.g_cb = yc.g_cb;
  push.g_cr = yc.g_cr;
  push.b_cb = yc.b_cb;

  desc.name = "preprocess";
  desc.spv = swin_spv_preprocess;
  desc.spv_size = sizeof (swin_spv_preprocess);
  desc.n_bindings = 2;
  desc.types[0] = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
  desc.types[1] = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
  desc.push_size = sizeof (push);
  kernel = swin_kernel_get (ctx, &desc, error);
  if (!kernel)
    goto error;

  bindings[0].buf = pp->upload;
  bindings[1].buf = out;
  bindings[1].size = (VkDeviceSize) 3 * out_h * out_w * sizeof (float);
  pp->cmd = swin_cmd_new (ctx, error);
  if (!pp->cmd ||
      !swin_cmd_dispatch (pp->cmd, kernel, bindings, &push,
                          (uint32_t) (out_w + SWIN_PP_LOCAL - 1) / SWIN_PP_LOCAL,
                          (uint32_t) (out_h + SWIN_PP_LOCAL - 1) / SWIN_PP_LOCAL, 1, error) ||
      !swin_cmd_end (pp->cmd, error))
    goto error;
  return pp;

error:
  swin_preprocessor_free (pp);
  return NULL;
}

SwinPreprocessor *
swin_preprocessor_new (SwinPlan *plan, int out_h, int out_w, SwinPixelFormat format, int width,
                       int height, const SwinPreprocessParams *params, GError **error)
{
  SwinPreprocessor *pp;

  if (!plan) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "no plan");
    return NULL;
  }
  pp = swin_preprocessor_new_for_buffer (swin_plan_get_context (plan),
                                         swin_plan_get_input_buffer (plan), out_h, out_w, format,
                                         width, height, params, error);
  if (pp)
    pp->plan = plan;
  return pp;
}

gboolean
swin_preprocessor_run (SwinPreprocessor *pp, const SwinFrame *frame, GError **error)
{
  uint8_t *dst;

  if (!pp || !frame || frame->format != pp->format || frame->width != pp->width ||
      frame->height != pp->height) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG,
                 "frame does not match the preprocessor's format and size");
    return FALSE;
  }
  for (int p = 0; p < swin_pixel_format_n_planes (pp->format); p++) {
    if (!frame->data[p] || frame->stride[p] < pp->row_bytes[p]) {
      g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG,
                   "plane %d: no data or stride %zu below the row size %zu", p, frame->stride[p],
                   pp->row_bytes[p]);
      return FALSE;
    }
  }

  dst = pp->upload->mapped;
  for (int p = 0; p < swin_pixel_format_n_planes (pp->format); p++) {
    for (int y = 0; y < pp->rows[p]; y++)
      memcpy (dst + pp->offset[p] + (size_t) y * pp->stride[p],
              frame->data[p] + (size_t) y * frame->stride[p], pp->row_bytes[p]);
  }

  if (pp->plan)
    return swin_plan_run_after (pp->plan, pp->cmd, error);
  return swin_cmd_submit_wait (pp->ctx, &pp->cmd, 1, error);
}
