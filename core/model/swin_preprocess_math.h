/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Preprocessing arithmetic shared by the CPU backend and the Vulkan
 * preprocessor (internal to core; no Vulkan types). */
#pragma once

#include "swin/swin_preprocess.h"

/* Y'CbCr -> R'G'B' for 8-bit samples:
 *   y = (Y - y_offset) * y_scale,  cb = (U - 128) * c_scale,  cr = (V - 128) * c_scale
 *   R = y + r_cr cr,  G = y + g_cb cb + g_cr cr,  B = y + b_cb cb,  clamped to [0, 1]. */
typedef struct {
  float y_offset, y_scale, c_scale;
  float r_cr, g_cb, g_cr, b_cb;
} SwinYuvCoeffs;

void swin_preprocess_yuv_coeffs (SwinColorMatrix matrix, gboolean full_range, SwinYuvCoeffs *c);
