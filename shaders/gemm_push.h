/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The push constants of gemm.comp, gemm_tiled.comp and gemm_coopmat.comp (swin_glsl_c.h). */
#ifndef SWIN_GEMM_PUSH_H
#define SWIN_GEMM_PUSH_H
#include "swin_glsl_c.h"

SWIN_PUSH_BLOCK (SwinGemmPush) {
  int32_t M, N, K;
  int32_t act;          /* 0: none, 1: exact GELU */
  int32_t accumulate;   /* 1: out += result (residual) */
  int32_t gather_h, gather_w;  /* GATHER, PATCHES: the map or image A's rows are read from */
  int32_t patch_size;          /* PATCHES: the patch size (P) */
} SWIN_PUSH_END (SwinGemmPush);

#endif
