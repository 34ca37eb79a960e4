/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LayerNorm's epsilon (PyTorch's default), for the shaders and the CPU
 * reference alike: valid C and GLSL. */
#ifndef SWIN_LAYERNORM_EPS_H
#define SWIN_LAYERNORM_EPS_H
#define SWIN_LAYERNORM_EPS 1e-5
#endif
