/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The element's settings that need more than a GValue: the enum types of
 * its properties, the label list and the input normalisation. */
#pragma once

#include <gst/gst.h>

#include "swin/swin.h"
#include "swin/swin_preprocess.h"

G_BEGIN_DECLS

typedef enum {
  GST_SWIN_CLASSIFY_MODE_SYNC,
  GST_SWIN_CLASSIFY_MODE_ASYNC,
} GstSwinClassifyMode;

/* What is classified: the whole frame, or the regions a detector found. */
typedef enum {
  GST_SWIN_CLASSIFY_REGION_FULL_FRAME,
  GST_SWIN_CLASSIFY_REGION_ROI_LIST,
} GstSwinClassifyRegion;

typedef enum {
  GST_SWIN_CLASSIFY_BACKEND_GPU,
  GST_SWIN_CLASSIFY_BACKEND_CPU,
} GstSwinClassifyBackend;

#define GST_TYPE_SWIN_CLASSIFY_MODE (gst_swin_classify_mode_get_type ())
GType gst_swin_classify_mode_get_type (void);
/* SwinScaleMode */
#define GST_TYPE_SWIN_CLASSIFY_SCALE_MODE (gst_swin_classify_scale_mode_get_type ())
GType gst_swin_classify_scale_mode_get_type (void);
#define GST_TYPE_SWIN_CLASSIFY_REGION (gst_swin_classify_region_get_type ())
GType gst_swin_classify_region_get_type (void);
#define GST_TYPE_SWIN_CLASSIFY_BACKEND (gst_swin_classify_backend_get_type ())
GType gst_swin_classify_backend_get_type (void);
/* SwinPrecision */
#define GST_TYPE_SWIN_CLASSIFY_PRECISION (gst_swin_classify_precision_get_type ())
GType gst_swin_classify_precision_get_type (void);

/* Label files larger than this are refused (ImageNet's 1000 names take
 * 21 KiB). */
#define GST_SWIN_LABELS_MAX_BYTES (16 << 20)

/* The @n_classes labels: from the file @path (one per line, UTF-8, a
 * leading byte-order mark ignored, "\r\n" accepted, trailing empty lines
 * ignored, exactly @n_classes lines); with @path NULL or empty, ImageNet's
 * class names for 1000 classes, else "class N"; g_strfreev() them.  NULL
 * otherwise, with @error (GST_RESOURCE_ERROR) naming the file and line. */
gchar **gst_swin_settings_load_labels (const gchar *path, gint n_classes, GError **error);

/* The mean or std property (@name) from its GstValueArray @array: three
 * numbers within swin_check_normalization()'s bounds (*@set TRUE), or an
 * empty array (*@set FALSE: the checkpoint's values, else ImageNet's).
 * FALSE with @error (GST_RESOURCE_ERROR_SETTINGS) otherwise, @values and
 * *@set unchanged. */
gboolean gst_swin_settings_channels (const gchar *name, const GValue *array, gfloat values[3],
                                     gboolean *set, GError **error);
/* Appends @values to @array (a GstValueArray) where @set. */
void gst_swin_settings_channels_to_array (gboolean set, const gfloat values[3], GValue *array);

/* The region types of the object-class property ("face,car"): NULL (all
 * types) for NULL or ""; else a GArray of their
 * gst_swin_settings_object_class() quarks.  NULL with @error
 * (GST_RESOURCE_ERROR_SETTINGS) when an item is empty ("face,,car"). */
gboolean gst_swin_settings_object_classes (const gchar *text, GArray **classes, GError **error);

/* The quark object-class matching compares for the region type @type
 * (NULL: 0): @type casefolded, so that "Face" matches a detector's "face". */
GQuark gst_swin_settings_object_class (const gchar *type);

/* A "WxH" size of positive integers (min-roi-size); FALSE with @error
 * (GST_RESOURCE_ERROR_SETTINGS) otherwise. */
gboolean gst_swin_settings_size (const gchar *name, const gchar *text, gint *width, gint *height,
                                 GError **error);

G_END_DECLS
