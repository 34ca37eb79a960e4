/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The push constants of im2col.comp (swin_glsl_c.h). */
#ifndef SWIN_IM2COL_PUSH_H
#define SWIN_IM2COL_PUSH_H
#include "swin_glsl_c.h"

SWIN_PUSH_BLOCK (SwinIm2colPush) {
  int32_t batch, Cin, H, W, P;
} SWIN_PUSH_END (SwinIm2colPush);

#endif
