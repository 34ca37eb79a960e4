/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Random models (swin_model_init_random()) written for a test, and the
 * removal of its temporary files. */
#pragma once

#include "swin/swin_model.h"

G_BEGIN_DECLS

/* Writes the random model @ip to @dir/@name (failing the test if it
 * cannot); its path, g_free() it. */
gchar *swin_test_write_model (const gchar *dir, const gchar *name, const SwinInitParams *ip);

/* The random model @ip, loaded from @dir/@name, which is deleted again. */
SwinModel *swin_test_make_model (const gchar *dir, const gchar *name, const SwinInitParams *ip);

/* Deletes and frees the files of the NULL-terminated list after @dir,
 * then the directory @dir itself, and frees it. */
void swin_test_remove_dir (gchar *dir, ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS
