/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The push constants of gemm.comp and gemm_tiled.comp (swin_glsl_c.h). */
#ifndef SWIN_GEMM_PUSH_H
#define SWIN_GEMM_PUSH_H
#include "swin_glsl_c.h"

SWIN_PUSH_BLOCK (SwinGemmPush) {
  int32_t M, N, K;
  int32_t act;          /* 0: none, 1: exact GELU */
  int32_t accumulate;   /* 1: out += result (residual) */
  int32_t gather_h, gather_w;  /* GATHER: the map A's rows are gathered from */
} SWIN_PUSH_END (SwinGemmPush);

#endif
