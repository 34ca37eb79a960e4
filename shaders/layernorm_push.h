/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The push constants of layernorm.comp and layernorm_rows.comp (swin_glsl_c.h). */
#ifndef SWIN_LAYERNORM_PUSH_H
#define SWIN_LAYERNORM_PUSH_H
#include "swin_glsl_c.h"

SWIN_PUSH_BLOCK (SwinLayernormPush) {
  int32_t rows, C;
  int32_t merge;        /* 1: 2x2 gather */
  int32_t H, W;         /* input map (merge) */
  int32_t has_add;      /* 1: + addend[(r % L) * C + c] */
  int32_t L;
} SWIN_PUSH_END (SwinLayernormPush);

#endif
