/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The input sizes an architecture accepts. */
#include "swin/swin_model.h"

gboolean
swin_arch_check_size (const SwinArch *arch, int height, int width, GError **error)
{
  int multiple;

  g_return_val_if_fail (arch != NULL, FALSE);
  g_return_val_if_fail (arch->num_stages >= 1 && arch->num_stages <= SWIN_MAX_STAGES, FALSE);

  /* Every patch merging halves the grid, so the input must split into
   * patches that survive num_stages - 1 halvings. */
  multiple = arch->patch_size << (arch->num_stages - 1);
  if (height <= 0 || width <= 0 || height % multiple != 0 || width % multiple != 0) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG,
                 "input size %dx%d is not a positive multiple of %d "
                 "(patch size %d, %d stages)",
                 height, width, multiple, arch->patch_size, arch->num_stages);
    return FALSE;
  }
  if (arch->ape && (height != arch->img_size || width != arch->img_size)) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG,
                 "input size %dx%d does not match the model's absolute position "
                 "embedding, which requires %dx%d",
                 height, width, arch->img_size, arch->img_size);
    return FALSE;
  }
  return TRUE;
}
