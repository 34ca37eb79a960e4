/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The interface of preprocess.comp (swin_glsl_c.h): its push constants and
 * the slot that describes each image of a batch. */
#ifndef SWIN_PREPROCESS_PUSH_H
#define SWIN_PREPROCESS_PUSH_H
#include "swin_glsl_c.h"

SWIN_PUSH_BLOCK (SwinPreprocessPush) {
  int32_t out_w, out_h;           /* the network's input size */
} SWIN_PUSH_END (SwinPreprocessPush);

/* The SwinPixelFormat values as the shader reads them (swin_preprocessor.c
 * asserts at build time that they are the enum's). */
#define SWIN_SLOT_RGB 0
#define SWIN_SLOT_BGR 1
#define SWIN_SLOT_RGBA 2
#define SWIN_SLOT_RGBX 3
#define SWIN_SLOT_BGRA 4
#define SWIN_SLOT_BGRX 5
#define SWIN_SLOT_I420 6
#define SWIN_SLOT_NV12 7

/* Slot formats besides SwinPixelFormat values. */
#define SWIN_SLOT_UNUSED (-1)     /* written as zeros */
#define SWIN_SLOT_HOST (-2)       /* written by the host: left as it is */

/* One image of the batch: a region of one of the uploaded frames, with its
 * own fitting and normalisation (std430: the arrays' stride is 4, as in C). */
SWIN_STRUCT (SwinPreprocessSlot) {
  int32_t format;                 /* SwinPixelFormat or SWIN_SLOT_* */
  int32_t x0, y0, in_w, in_h;     /* the region, in frame pixels */
  int32_t resized_w, resized_h, shift_x, shift_y;
  uint32_t offset[3];             /* the frame's planes in the source buffer, bytes */
  uint32_t stride[3];
  float mean[3];
  float inv_std[3];
  float y_offset, y_scale, c_scale;
  float r_cr, g_cb, g_cr, b_cb;
} SWIN_STRUCT_END (SwinPreprocessSlot);

#endif
