/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The in-memory model: every tensor converted to fp32, in PyTorch layout. */
#pragma once

#include "swin/swin_model.h"

typedef struct {
  float *norm1_w, *norm1_b;   /* [C] */
  float *qkv_w, *qkv_b;       /* [3C, C], [3C]: q, k, v each [heads, head_dim] */
  float *proj_w, *proj_b;     /* [C, C], [C] */
  float *rpb_table;           /* [(2M-1)^2, heads] */
  float *norm2_w, *norm2_b;   /* [C] */
  float *fc1_w, *fc1_b;       /* [hidden, C], [hidden] */
  float *fc2_w, *fc2_b;       /* [C, hidden], [C] */
} SwinBlockWeights;

typedef struct {
  SwinBlockWeights *blocks;        /* arch.depths[s] entries */
  /* Patch merging that follows this stage (4C -> 2C); NULL on the last stage. */
  float *merge_norm_w, *merge_norm_b; /* [4C] */
  float *merge_reduction_w;           /* [2C, 4C], no bias */
} SwinStageWeights;

struct _SwinModel {
  SwinArch arch;
  char *name;
  gboolean has_normalization;      /* __metadata__ mean/std present */
  float mean[3], std[3];
  float *patch_w;                  /* [C, in_chans, p, p] */
  float *patch_b;                  /* [C] */
  float *patch_norm_w, *patch_norm_b; /* [C] */
  float *abs_pos;                  /* [L0, C] or NULL */
  SwinStageWeights stages[SWIN_MAX_STAGES];
  float *norm_w, *norm_b;          /* [C_last] */
  float *head_w, *head_b;          /* [classes, C_last], [classes] */
  GPtrArray *arena;                /* owns every tensor above (g_free) */
};
