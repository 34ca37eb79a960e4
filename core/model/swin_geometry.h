/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Window geometry of a Swin block at a given feature-map size. */
#pragma once

#include "swin/swin_model.h"

typedef struct {
  int H, W;            /* feature map */
  int ws;              /* window used */
  int Hp, Wp;          /* map zero-padded to whole windows */
  int shift_h, shift_w;
  int M;               /* window of the bias table ((2M-1)^2 rows) */
  int C;
} SwinAttnGeom;

/* Geometry of block @block of stage @stage for an @H x @W map, following the
 * implementation that @arch's key layout comes from.  Odd blocks shift by M/2.
 *  - torchvision: the window is always M; the map is zero-padded to whole
 *    windows and nothing shifts along a dimension one padded window covers
 *    (torchvision.models.swin_transformer.shifted_window_attention).
 *  - original and timm: where min(H, W) <= M, the window shrinks to
 *    min(H, W) and nothing shifts (microsoft/Swin-Transformer's
 *    SwinTransformerBlock); a map that is still not a whole number of windows
 *    (which that code refuses) is padded as torchvision pads it.
 * A window ws < M reads the centre (2ws-1)^2 of the (2M-1)^2 bias table. */
void swin_attn_geometry (const SwinArch *arch, int stage, int block, int H, int W, SwinAttnGeom *g);
