/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Core frames (SwinFrame) of random pixels, with memory of their own. */
#pragma once

#include "swin/swin_preprocess.h"

G_BEGIN_DECLS

typedef struct {
  SwinFrame f;
  guint8 *mem[3];
} SwinTestFrame;

/* @t: a @w x @h frame of @format, pixels from the seed @seed, rows padded
 * by @pad bytes. */
void swin_test_frame_init (SwinTestFrame *t, SwinPixelFormat format, int w, int h, int pad,
                           guint32 seed);

/* Frees the memory of @t. */
void swin_test_frame_clear (SwinTestFrame *t);

G_END_DECLS
