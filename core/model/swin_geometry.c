/* Window geometry shared by the CPU reference and the Vulkan plan. */
#include "swin_geometry.h"

void
swin_attn_geometry (const SwinArch *arch, int stage, int block, int H, int W, SwinAttnGeom *g)
{
  int M = arch->windows[stage];

  g->H = H;
  g->W = W;
  g->M = M;
  g->C = SWIN_ARCH_DIM (arch, stage);
  if (H <= M && W <= M) {
    g->ws = MAX (H, W);
    g->shift_h = g->shift_w = 0;
  } else {
    g->ws = M;
    g->shift_h = g->shift_w = (block % 2) ? M / 2 : 0;
  }
  g->Hp = (H + g->ws - 1) / g->ws * g->ws;
  g->Wp = (W + g->ws - 1) / g->ws * g->ws;
  /* A window that covers a (padded) dimension leaves nothing to shift there. */
  if (g->ws >= g->Hp)
    g->shift_h = 0;
  if (g->ws >= g->Wp)
    g->shift_w = 0;
}
