/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writing the classification meta (plugin-internal; readers are in the
 * installed gstswinmeta.h). */
#pragma once

#include "gstswinmeta.h"

G_BEGIN_DECLS

/* Registers the GstCustomMeta once per process; TRUE if it is registered. */
gboolean gst_swin_meta_register (void);

/* Attaches @result's result fields (see gstswinmeta.h) with "age" = @age and
 * "frame" = @frame. */
void gst_buffer_add_swin_result (GstBuffer *buffer, const GstStructure *result, guint age,
                                 guint64 frame);

G_END_DECLS
