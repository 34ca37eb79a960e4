/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The push constants of attention.comp and attention_wg.comp (swin_glsl_c.h). */
#ifndef SWIN_ATTENTION_PUSH_H
#define SWIN_ATTENTION_PUSH_H
#include "swin_glsl_c.h"

SWIN_PUSH_BLOCK (SwinAttentionPush) {
  int32_t H, W;         /* map */
  int32_t Hp, Wp;       /* padded map (multiples of ws) */
  int32_t ws;           /* window actually used */
  int32_t shift_h, shift_w;
  int32_t heads, C;
  int32_t M;            /* window of the bias table */
  int32_t batch;
  float scale;          /* q scale of the dot-product attention (1/sqrt(head dim)) */
  int32_t cosine;       /* 1: Swin V2's scaled cosine attention: q and k L2-normalised per
                         * head, q scaled by table[(2M-1)^2 * heads + head] instead */
} SWIN_PUSH_END (SwinAttentionPush);

#endif
