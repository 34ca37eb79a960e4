/* Device-side preprocessing internals shared by the CPU reference, the
 * Vulkan path and the tests (internal to core). */
#pragma once

#include "swin/swin_preprocess.h"
#include "vk_pipeline.h"

/* Y'CbCr -> R'G'B' for 8-bit samples:
 *   y = (Y - y_offset) * y_scale,  cb = (U - 128) * c_scale,  cr = (V - 128) * c_scale
 *   R = y + r_cr cr,  G = y + g_cb cb + g_cr cr,  B = y + b_cb cb,  clamped to [0, 1]. */
typedef struct {
  float y_offset, y_scale, c_scale;
  float r_cr, g_cb, g_cr, b_cb;
} SwinYuvCoeffs;

void swin_preprocess_yuv_coeffs (SwinColorMatrix matrix, gboolean full_range, SwinYuvCoeffs *c);

/* Like swin_preprocessor_new(), but writing into @out (float32 NCHW
 * [3, out_h, out_w] at offset 0) instead of a plan's input, so that tests can
 * read the result back; swin_preprocessor_run() then submits only the
 * preprocessing. */
SwinPreprocessor *swin_preprocessor_new_for_buffer (SwinContext *ctx, SwinBuffer *out,
                                                    int out_h, int out_w,
                                                    SwinPixelFormat format, int width, int height,
                                                    const SwinPreprocessParams *params,
                                                    GError **error);
