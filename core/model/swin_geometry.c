/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Window geometry shared by the CPU reference and the Vulkan plan. */
#include "swin_geometry.h"

void
swin_attn_geometry (const SwinArch *arch, int stage, int block, int H, int W, SwinAttnGeom *g)
{
  const int M = arch->windows[stage];

  g->H = H;
  g->W = W;
  g->M = M;
  g->C = SWIN_ARCH_DIM (arch, stage);
  g->ws = M;
  g->shift_h = g->shift_w = (block % 2) ? M / 2 : 0;
  /* The original repository (which timm's layouts come from) attends a map
   * whose smaller side fits in the window in windows of that side, unshifted;
   * torchvision keeps the window and pads the map up to it. */
  if (arch->layout != SWIN_LAYOUT_TORCHVISION && MIN (H, W) <= M) {
    g->ws = MIN (H, W);
    g->shift_h = g->shift_w = 0;
  }
  g->Hp = (H + g->ws - 1) / g->ws * g->ws;
  g->Wp = (W + g->ws - 1) / g->ws * g->ws;
  /* torchvision: a window that covers a padded dimension leaves nothing to
   * shift along it (never the case under the original rule). */
  if (g->ws >= g->Hp)
    g->shift_h = 0;
  if (g->ws >= g->Wp)
    g->shift_w = 0;
}
