/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The names of the checkpoint key layouts. */
#include "swin/swin_model.h"

const char *
swin_layout_name (SwinLayout layout)
{
  switch (layout) {
    case SWIN_LAYOUT_TORCHVISION:
      return "torchvision";
    case SWIN_LAYOUT_ORIGINAL:
      return "original";
    case SWIN_LAYOUT_TIMM:
      return "timm";
  }
  return "unknown";
}
