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

/* Geometry of block @block of stage @stage for an @H x @W map: when the map
 * is not larger than the window, the window shrinks to the map and nothing
 * shifts; otherwise the map is padded to whole windows and odd blocks shift
 * by M/2 (per dimension, not when the window covers it). */
void swin_attn_geometry (const SwinArch *arch, int stage, int block, int H, int W, SwinAttnGeom *g);
