/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the table of kernel variants (swin_op_variants.c) and the recording
 * of operations (swin_op.c) share: the arguments a variant is chosen and
 * specialised by, a variant, an operation's interface and variants. */
#ifndef SWIN_OP_PRIVATE_H
#define SWIN_OP_PRIVATE_H
#include "swin_op.h"

/* Bit i of a binding mask: binding i is a texel buffer. */
#define TEXEL(i) (1u << (i))
/* The bindings array @b of a recording function, @texels those it gives a texel format. */
#define BINDS(b, spv, texels) \
  G_STATIC_ASSERT (G_N_ELEMENTS (b) == SWIN_SPV_##spv##_BINDINGS && (texels) == SWIN_SPV_##spv##_TEXELS)

/* What the variants of an operation need to know of one recording. */
typedef struct {
  int M, N, K;           /* gemm */
  int rows, C;           /* layernorm */
  int n, hd;             /* attention: tokens per window, head dimension */
  int windows, bh;       /* attention: windows per image, batch * heads */
  gboolean qkv;          /* attention: qkv computed in it (attention_qkv) */
  int count;             /* im2col: output values */
  int images;            /* avgpool_norm: a workgroup each */
  int out_w, out_h;      /* preprocess */
  int slots;             /* preprocess: images */
  gboolean vec_out;      /* gemm: N % 4 == 0 */
  gboolean norm_a, gather, patches;  /* gemm: SwinGemmParams */
  gboolean half_w;       /* gemm: fp16 weights (SWIN_PRECISION_FP16) */
} SwinOpArgs;

typedef struct {
  const char *name;
  const uint32_t *spv;
  size_t spv_size;
  /* Chosen automatically only on devices that run workgroups cooperatively
   * (GPUs); on lavapipe such kernels pay for barriers and gain nothing. */
  gboolean gpu_only;
  /* Hard requirements (device limits, sizes); NULL: none.  Sets @why. */
  gboolean (*fits) (const SwinContext *ctx, const SwinOpArgs *a, char **why);
  /* Workgroup size and the shader's own specialisation constants (ids 3...);
   * returns how many of those. */
  int (*specialise) (const SwinContext *ctx, const SwinOpArgs *a, uint32_t local[3], uint32_t *spec);
  void (*grid) (const SwinOpArgs *a, const uint32_t local[3], const uint32_t *spec, uint32_t g[3]);
} SwinVariant;

#define SWIN_MAX_VARIANTS 5

typedef struct {
  const char *name;
  int n_bindings;
  VkDescriptorType types[SWIN_MAX_BINDINGS];
  uint32_t push_size;
  SwinVariant variants[SWIN_MAX_VARIANTS];  /* in order of preference */
} SwinOpInfo;

/* Indexed by SwinOp. */
extern const SwinOpInfo swin_op_infos[SWIN_OP_COUNT];

#endif
