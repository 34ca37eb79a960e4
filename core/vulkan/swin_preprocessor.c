/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Frame preprocessing on the Vulkan device: the frames of a batch are copied
 * into one host-visible buffer, the parameters of every image into a slot
 * table, and shaders/preprocess.comp writes the normalised NCHW tensors into
 * the plan's input.  The command buffer is recorded once per upload buffer
 * and replayed for every batch. */
#include "swin_preprocessor.h"
#include "swin_op.h"
#include "swin_plan_private.h"
#include "swin_preprocess_math.h"

#include <string.h>

/* The shader reads SwinPixelFormat values under names of its own. */
G_STATIC_ASSERT (SWIN_SLOT_RGB == SWIN_PIXEL_FORMAT_RGB && SWIN_SLOT_BGR == SWIN_PIXEL_FORMAT_BGR);
G_STATIC_ASSERT (SWIN_SLOT_RGBA == SWIN_PIXEL_FORMAT_RGBA && SWIN_SLOT_RGBX == SWIN_PIXEL_FORMAT_RGBX);
G_STATIC_ASSERT (SWIN_SLOT_BGRA == SWIN_PIXEL_FORMAT_BGRA && SWIN_SLOT_BGRX == SWIN_PIXEL_FORMAT_BGRX);
G_STATIC_ASSERT (SWIN_SLOT_I420 == SWIN_PIXEL_FORMAT_I420 && SWIN_SLOT_NV12 == SWIN_PIXEL_FORMAT_NV12);
G_STATIC_ASSERT (SWIN_PIXEL_FORMAT_COUNT == 8);

/* Where one added frame lies in the upload buffer. */
typedef struct {
  SwinPixelFormat format;
  int width, height;
  uint32_t offset[3], stride[3];
} SwinUploadedFrame;

struct _SwinPreprocessor {
  SwinContext *ctx;
  SwinPlan *plan;            /* NULL when writing to a caller's buffer */
  SwinBuffer *out;
  int out_w, out_h, capacity;
  SwinBuffer *upload;        /* the batch's frames, back to back; grows */
  VkDeviceSize used;         /* bytes of it in use */
  GArray *frames;            /* SwinUploadedFrame */
  SwinBuffer *slots;         /* SwinPreprocessSlot[capacity], host-visible */
  int n_images;
  SwinCmd *cmd;              /* recorded for the current upload buffer, or NULL */
  guint64 frames_uploaded, bytes_uploaded;   /* copies into the upload buffer, ever */
};

/* Bytes a frame takes in the upload buffer: planes one after the other,
 * rows padded to whole uints (the shader reads uints). */
static guint64
upload_size (SwinPixelFormat format, int width, int height, uint32_t offset[3], uint32_t stride[3])
{
  guint64 total = 0;

  for (int p = 0; p < swin_pixel_format_n_planes (format); p++) {
    size_t row_bytes;
    int rows;

    swin_pixel_format_plane_size (format, p, width, height, &row_bytes, &rows);
    if (stride) {
      stride[p] = (uint32_t) swin_align (row_bytes, 4);
      offset[p] = (uint32_t) total;
    }
    total += swin_align (row_bytes, 4) * (guint64) rows;
  }
  return total;
}

gboolean
swin_preprocessor_fits (const SwinContext *ctx, SwinPixelFormat format, int width, int height,
                        guint64 *used)
{
  guint64 bytes;

  g_return_val_if_fail (ctx != NULL && used != NULL, FALSE);
  if ((unsigned) format >= SWIN_PIXEL_FORMAT_COUNT || width < 1 || height < 1 ||
      width > SWIN_MAX_FRAME_SIZE || height > SWIN_MAX_FRAME_SIZE)
    return FALSE;
  bytes = upload_size (format, width, height, NULL, NULL);
  if (*used + bytes > ctx->props.limits.maxStorageBufferRange)
    return FALSE;
  *used += bytes;
  return TRUE;
}

void
swin_preprocessor_free (SwinPreprocessor *pp)
{
  if (!pp)
    return;
  swin_cmd_free (pp->cmd);
  swin_buffer_free (pp->ctx, pp->upload);
  swin_buffer_free (pp->ctx, pp->slots);
  g_array_free (pp->frames, TRUE);
  g_free (pp);
}

SwinPreprocessor *
swin_preprocessor_new_for_buffer (SwinContext *ctx, SwinBuffer *out, int out_h, int out_w,
                                  int slots, GError **error)
{
  SwinPreprocessor *pp;

  g_return_val_if_fail (ctx != NULL && out != NULL, NULL);
  if (out_h < 1 || out_w < 1 || out_h > SWIN_MAX_FRAME_SIZE ||
      out_w > SWIN_MAX_FRAME_SIZE || slots < 1 ||
      out->size < (VkDeviceSize) slots * 3 * out_h * out_w * sizeof (float)) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG,
                 "%d preprocessed images of %dx%d do not fit the destination buffer", slots, out_w,
                 out_h);
    return NULL;
  }
  pp = g_new0 (SwinPreprocessor, 1);
  pp->ctx = ctx;
  pp->out = out;
  pp->out_w = out_w;
  pp->out_h = out_h;
  pp->capacity = slots;
  pp->frames = g_array_new (FALSE, FALSE, sizeof (SwinUploadedFrame));
  pp->slots = swin_buffer_new (ctx, (VkDeviceSize) slots * sizeof (SwinPreprocessSlot),
                               SWIN_BUFFER_UPLOAD, "swin preprocessing slots", error);
  if (!pp->slots) {
    swin_preprocessor_free (pp);
    return NULL;
  }
  return pp;
}

SwinPreprocessor *
swin_preprocessor_new (SwinPlan *plan, GError **error)
{
  SwinPreprocessor *pp;
  int batch, height, width;

  g_return_val_if_fail (plan != NULL, NULL);
  swin_plan_get_shape (plan, &batch, &height, &width);
  pp = swin_preprocessor_new_for_buffer (swin_plan_get_context (plan), swin_plan_get_input_buffer (plan),
                                         height, width, batch, error);
  if (pp)
    pp->plan = plan;
  return pp;
}

/* Records the dispatch for the current upload buffer. */
static gboolean
record (SwinPreprocessor *pp, GError **error)
{
  SwinBinding src = { pp->upload, 0, 0, VK_FORMAT_UNDEFINED };
  SwinBinding dst = { pp->out, 0, (VkDeviceSize) pp->capacity * 3 * pp->out_h * pp->out_w * sizeof (float),
                      VK_FORMAT_UNDEFINED };
  SwinBinding slots = { pp->slots, 0, 0, VK_FORMAT_UNDEFINED };

  g_clear_pointer (&pp->cmd, swin_cmd_free);
  pp->cmd = swin_cmd_new_full (pp->ctx, "swin preprocessing", FALSE, error);
  return pp->cmd &&
         swin_op_preprocess (pp->cmd, pp->ctx, &src, &dst, &slots, pp->out_w, pp->out_h, pp->capacity,
                             error) &&
         swin_cmd_end (pp->cmd, error);
}

/* Makes the upload buffer hold at least @need bytes, keeping its contents. */
static gboolean
reserve (SwinPreprocessor *pp, VkDeviceSize need, GError **error)
{
  VkDeviceSize size;
  SwinBuffer *bigger;

  if (pp->upload && pp->upload->size >= need)
    return TRUE;
  /* Grow geometrically up to the binding limit: frames of one stream keep
   * their size, so this settles after the first batches. */
  size = MAX (need, pp->upload ? MIN (2 * pp->upload->size,
                                      (VkDeviceSize) pp->ctx->props.limits.maxStorageBufferRange) : 0);
  bigger = swin_buffer_new (pp->ctx, size, SWIN_BUFFER_UPLOAD, "swin frame upload", error);
  if (!bigger)
    return FALSE;
  if (pp->upload) {
    memcpy (bigger->mapped, pp->upload->mapped, pp->used);
    swin_buffer_free (pp->ctx, pp->upload);
  }
  pp->upload = bigger;
  g_clear_pointer (&pp->cmd, swin_cmd_free);
  return TRUE;
}

int
swin_preprocessor_upload_frame (SwinPreprocessor *pp, const SwinFrame *frame, GError **error)
{
  SwinUploadedFrame up;
  guint64 used = pp->used;
  uint8_t *dst;

  if (!swin_preprocessor_fits (pp->ctx, frame->format, frame->width, frame->height, &used)) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_DEVICE_LIMIT, "a %dx%d frame does not fit next to the "
                 "batch's other frames into one binding of at most %u bytes", frame->width,
                 frame->height, pp->ctx->props.limits.maxStorageBufferRange);
    return -1;
  }
  up.format = frame->format;
  up.width = frame->width;
  up.height = frame->height;
  upload_size (frame->format, frame->width, frame->height, up.offset, up.stride);
  if (!reserve (pp, used, error))
    return -1;

  /* The one copy of a frame on its way to the device. */
  dst = (uint8_t *) pp->upload->mapped + pp->used;
  for (int p = 0; p < swin_pixel_format_n_planes (frame->format); p++) {
    size_t row_bytes;
    int rows;

    swin_pixel_format_plane_size (frame->format, p, frame->width, frame->height, &row_bytes, &rows);
    for (int y = 0; y < rows; y++)
      memcpy (dst + up.offset[p] + (size_t) y * up.stride[p],
              frame->data[p] + (size_t) y * frame->stride[p], row_bytes);
    up.offset[p] += (uint32_t) pp->used;
  }
  pp->frames_uploaded++;
  pp->bytes_uploaded += used - pp->used;
  pp->used = used;
  g_array_append_val (pp->frames, up);
  return (int) pp->frames->len - 1;
}

int
swin_preprocessor_add_frame (SwinPreprocessor *pp, const SwinFrame *frame, GError **error)
{
  SwinPreprocessParams defaults;

  g_return_val_if_fail (pp != NULL && frame != NULL, -1);
  /* The frame's own checks (format, size, planes, strides). */
  swin_preprocess_params_init (&defaults);
  if (!swin_preprocess_check (frame, &defaults, error))
    return -1;
  return swin_preprocessor_upload_frame (pp, frame, error);
}

void
swin_preprocessor_put_image (SwinPreprocessor *pp, int frame_index, const SwinRect *rect,
                             const SwinPreprocessParams *params)
{
  const SwinUploadedFrame *up = &g_array_index (pp->frames, SwinUploadedFrame, frame_index);
  SwinPreprocessSlot *slot;
  SwinPreprocessGeometry g;
  SwinYuvCoeffs yc;
  SwinRect r = rect ? *rect : (SwinRect) { 0, 0, up->width, up->height };

  g_return_if_fail (pp->n_images < pp->capacity);
  swin_preprocess_get_geometry (params->scale_mode, r.width, r.height, pp->out_w, pp->out_h, &g);
  swin_preprocess_yuv_coeffs (params->matrix, params->full_range, &yc);
  slot = (SwinPreprocessSlot *) pp->slots->mapped + pp->n_images;
  *slot = (SwinPreprocessSlot) {
    .format = up->format, .x0 = r.x, .y0 = r.y, .in_w = r.width, .in_h = r.height,
    .resized_w = g.resized_w, .resized_h = g.resized_h, .shift_x = g.shift_x, .shift_y = g.shift_y,
    .y_offset = yc.y_offset, .y_scale = yc.y_scale, .c_scale = yc.c_scale,
    .r_cr = yc.r_cr, .g_cb = yc.g_cb, .g_cr = yc.g_cr, .b_cb = yc.b_cb,
  };
  for (int i = 0; i < 3; i++) {
    slot->offset[i] = up->offset[i];
    slot->stride[i] = up->stride[i];
    slot->mean[i] = params->mean[i];
    slot->inv_std[i] = 1.0f / params->std[i];
  }
  pp->n_images++;
}

gboolean
swin_preprocessor_add_image (SwinPreprocessor *pp, int frame_index, const SwinRect *rect,
                             const SwinPreprocessParams *params, GError **error)
{
  static const uint8_t dummy = 0;
  /* the parameters' checks, on a placeholder frame */
  SwinFrame probe = { SWIN_PIXEL_FORMAT_RGB, 1, 1, { &dummy }, { 3 } };
  const SwinUploadedFrame *up;

  g_return_val_if_fail (pp != NULL && params != NULL, FALSE);
  if (pp->n_images >= pp->capacity || frame_index < 0 || frame_index >= (int) pp->frames->len) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "%s", pp->n_images >= pp->capacity
                 ? "every slot of the batch is taken" : "no such frame in the batch");
    return FALSE;
  }
  up = &g_array_index (pp->frames, SwinUploadedFrame, frame_index);
  if ((rect && !swin_preprocess_check_rect (rect, up->width, up->height, error)) ||
      !swin_preprocess_check (&probe, params, error))
    return FALSE;
  swin_preprocessor_put_image (pp, frame_index, rect, params);
  return TRUE;
}

float *
swin_preprocessor_add_host_image (SwinPreprocessor *pp, GError **error)
{
  SwinPreprocessSlot *slot;

  if (pp->n_images >= pp->capacity || !pp->out->mapped) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "%s", pp->n_images >= pp->capacity
                 ? "every slot of the batch is taken" : "the output is not host-visible");
    return NULL;
  }
  slot = (SwinPreprocessSlot *) pp->slots->mapped + pp->n_images;
  *slot = (SwinPreprocessSlot) { .format = SWIN_SLOT_HOST };
  return (float *) pp->out->mapped + (size_t) pp->n_images++ * 3 * pp->out_h * pp->out_w;
}

int
swin_preprocessor_get_n_images (const SwinPreprocessor *pp)
{
  return pp->n_images;
}

void
swin_preprocessor_get_uploads (const SwinPreprocessor *pp, guint64 *frames, guint64 *bytes)
{
  *frames = pp->frames_uploaded;
  *bytes = pp->bytes_uploaded;
}

void
swin_preprocessor_reset (SwinPreprocessor *pp)
{
  pp->used = 0;
  pp->n_images = 0;
  g_array_set_size (pp->frames, 0);
}

gboolean
swin_preprocessor_run (SwinPreprocessor *pp, GError **error)
{
  SwinPreprocessSlot *slots = pp->slots->mapped;
  gboolean ok;

  if (pp->n_images == 0) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "no image was added to the batch");
    return FALSE;
  }
  for (int i = pp->n_images; i < pp->capacity; i++)
    slots[i] = (SwinPreprocessSlot) { .format = SWIN_SLOT_UNUSED };
  /* A batch of images written by the host alone uploaded no frame, but the
   * dispatch still binds an upload buffer. */
  ok = (pp->upload || reserve (pp, 4, error)) && (pp->cmd || record (pp, error)) &&
       (pp->plan ? swin_plan_run_after (pp->plan, pp->cmd, error)
                 : swin_cmd_submit_wait (pp->ctx, &pp->cmd, 1, error));
  swin_preprocessor_reset (pp);
  return ok;
}
