/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Swin V2's continuous relative position bias: the log-spaced coordinates
 * the bias MLP reads, and the bias table it gives, computed once on the host
 * into the table the attention kernels read. */
#pragma once

#include <glib.h>

/* The [2M-1, 2M-1, 2] relative coordinates of a window @M (dy, dx from
 * -(M-1) to M-1; channel 0 along the height), each divided by @norm - 1
 * (@norm: the pretraining window, or M itself), scaled to +-8 and mapped
 * to sign(t) * log2(|t| + 1) / 3, as the sources build relative_coords_table.
 * A window of 1 has only the offset 0, which maps to 0. */
void swin_cpb_coords (int M, int norm, float *coords);

/* table[r * heads + h] = 16 * sigmoid(fc2(relu(fc1(coords[r])))) for the
 * (2M-1)^2 rows of @coords; fc1: @w1 [512, 2] and @b1 [512], fc2: @w2
 * [heads, 512] without bias. */
void swin_cpb_table (const float *coords, int M, int heads, const float *w1, const float *b1,
                     const float *w2, float *table);
