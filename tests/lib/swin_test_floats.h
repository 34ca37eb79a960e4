/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Float arrays of the core tests: seeded random fills, their comparison,
 * and reading them from a file. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @n values uniform in [-@scale, @scale) from the seed @seed. */
void swin_test_fill (float *x, size_t n, guint32 seed, float scale);

/* max |x|. */
float swin_test_max_abs (const float *x, size_t n);

/* max |a - b|; NaN anywhere counts as infinitely far. */
float swin_test_max_diff (const float *a, const float *b, size_t n);

/* The @expect_floats floats of the file @path (any other size fails the
 * test); g_free() them. */
float *swin_test_read_file (const char *path, size_t expect_floats);

G_END_DECLS
