/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The in-memory model: every tensor converted to fp32, in PyTorch layout. */
#pragma once

#include "swin/swin_model.h"

/* The hidden width of V2's continuous position bias MLP in every source. */
#define SWIN_CPB_HIDDEN 512

typedef struct {
  float *norm1_w, *norm1_b;   /* [C] (V2: applied to the attention's output) */
  float *qkv_w, *qkv_b;       /* [3C, C], [3C]: q, k, v each [heads, head_dim]
                               * (V2: the k third zero, as every source uses it) */
  float *proj_w, *proj_b;     /* [C, C], [C] */
  float *rpb_table;           /* [(2M-1)^2, heads]; V2: 16 * sigmoid(cpb MLP), made at load */
  float *norm2_w, *norm2_b;   /* [C] (V2: applied to the MLP's output) */
  float *fc1_w, *fc1_b;       /* [hidden, C], [hidden] */
  float *fc2_w, *fc2_b;       /* [C, hidden], [C] */
  /* V2 only (NULL in V1): */
  float *logit_scale;         /* [heads] as stored */
  float *attn_scale;          /* [heads] exp(min(logit_scale, log 100)), made at load */
  float *cpb_fc1_w, *cpb_fc1_b; /* [512, 2], [512] */
  float *cpb_fc2_w;           /* [heads, 512] */
  float *q_bias, *v_bias;     /* [C] (original and timm layouts; qkv_b is made from them) */
} SwinBlockWeights;

typedef struct {
  SwinBlockWeights *blocks;        /* arch.depths[s] entries */
  /* Patch merging that follows this stage (4C -> 2C); NULL on the last stage.
   * V1 normalises the 4C gather, then reduces; V2 reduces, then normalises 2C. */
  float *merge_norm_w, *merge_norm_b; /* [4C] (V2: [2C]) */
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
