/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A model's packed weights on a device (internal to core). */
#pragma once

#include "swin_kernel.h"

/* A tensor's place in the weight buffer. */
typedef struct {
  VkDeviceSize offset, size;   /* bytes */
  VkFormat format;             /* texel format of packed Linear weights, else UNDEFINED */
} SwinSlice;

/* With folded_norms (Swin V1 on a device whose GEMM normalises at no cost,
 * swin_op_gemm_normalises()), the LayerNorms before qkv, fc1 and the patch
 * merging's reduction are folded into those GEMMs (norm_a,
 * swin_pack_fold_layernorm()): their norm slices are empty and the GEMMs'
 * biases hold the column sums too.  Otherwise, and for Swin V2 (which
 * normalises after its GEMMs), the slices are the checkpoint's. */
typedef struct {
  SwinSlice norm1_w, norm1_b, qkv_w, qkv_b, proj_w, proj_b, table;
  SwinSlice qkv_gemm_b;   /* the qkv GEMM's bias; qkv_b is what padded tokens hold (attention) */
  SwinSlice norm2_w, norm2_b, fc1_w, fc1_b, fc2_w, fc2_b;
} SwinBlockSlices;

typedef struct {
  SwinBlockSlices *blocks;
  SwinSlice merge_norm_w, merge_norm_b, merge_w, merge_b;  /* size 0 on the last stage */
} SwinStageSlices;

struct _SwinNet {
  SwinContext *ctx;
  SwinArch arch;
  SwinPrecision precision;
  gboolean folded_norms;
  SwinBuffer *weights;
  SwinSlice patch_w, patch_b, patch_norm_w, patch_norm_b, abs_pos;
  SwinStageSlices stages[SWIN_MAX_STAGES];
  SwinSlice norm_w, norm_b, head_w, head_b;
};

/* A binding of a weight slice. */
static inline SwinBinding
swin_net_bind (const SwinNet *net, SwinSlice s)
{
  return (SwinBinding) { net->weights, s.offset, s.size, s.format };
}
