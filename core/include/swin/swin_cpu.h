/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinclassify core, CPU backend (libswincpu): the forward pass and the frame
 * preprocessing on the CPU.  Written for clarity rather than speed, it is both
 * a product backend (`swin run --backend cpu`, the element's
 * pre-process-backend=cpu) and the twin every Vulkan kernel is tested
 * against.  No Vulkan here. */
#pragma once

#include "swin/swin_model.h"
#include "swin/swin_preprocess.h"

G_BEGIN_DECLS

/* The whole forward on the CPU.  @input: float32 NCHW [batch, in_chans,
 * height, width], already normalised.  @logits: [batch, num_classes].
 * Written for clarity in the order PyTorch computes, not for speed. */
gboolean swin_cpu_forward (const SwinModel *model, const float *input, int batch,
                                 int height, int width, float *logits, GError **error);
/* The same, also writing the pooled features (after the final LayerNorm and
 * the global average pool, the head's input) to @features: [batch,
 * SWIN_ARCH_NUM_FEATURES]. One of @logits and @features may be NULL. */
gboolean swin_cpu_forward_full (const SwinModel *model, const float *input, int batch, int height,
                                int width, float *logits, float *features, GError **error);

/* Preprocesses @frame into float32 NCHW [3, out_h, out_w] at @out (see
 * swin/swin_preprocess.h for what is computed). */
gboolean swin_cpu_preprocess (const SwinFrame *frame, const SwinPreprocessParams *params,
                              int out_h, int out_w, float *out, GError **error);
/* The same for the region @rect of @frame (NULL: the whole frame). */
gboolean swin_cpu_preprocess_region (const SwinFrame *frame, const SwinRect *rect,
                                     const SwinPreprocessParams *params, int out_h, int out_w,
                                     float *out, GError **error);

G_END_DECLS
