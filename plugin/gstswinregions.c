/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Regions of interest: selection, clipping, results (see gstswinregions.h). */
#include "gstswinregions.h"
#include "gstswinmeta.h"
#include "gstswinsettings.h"

#include <stdlib.h>
#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_swin_classify_debug);
#define GST_CAT_DEFAULT gst_swin_classify_debug

GType
gst_swin_edge_regions_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_SWIN_EDGE_KEEP, "Classify them as any other region", "keep" },
    { GST_SWIN_EDGE_SKIP, "Skip them", "skip" },
    { GST_SWIN_EDGE_HOLD, "Keep their track's result; classify them only while it has none",
      "hold" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstSwinEdgeRegions", values));
  return type;
}

static gboolean
wanted (GQuark type, const GArray *classes)
{
  if (!classes)
    return TRUE;
  type = gst_swin_settings_object_class (g_quark_to_string (type));
  for (guint i = 0; i < classes->len; i++)
    if (g_array_index (classes, GQuark, i) == type)
      return TRUE;
  return FALSE;
}

/* DL Streamer's object identity (gvatrack): a parameter "object_id" with
 * an int "id"; -1 when absent or negative. */
static gint64
object_id (GstVideoRegionOfInterestMeta *meta)
{
  GstStructure *s = gst_video_region_of_interest_meta_get_param (meta, "object_id");
  gint id;

  return s && gst_structure_get_int (s, "id", &id) && id >= 0 ? id : -1;
}

gboolean
gst_swin_region_at_edge (const GstSwinRegion *r, gint width, gint height)
{
  return r->rect.x == 0 || r->rect.y == 0 || (gint64) r->rect.x + r->rect.width >= width ||
         (gint64) r->rect.y + r->rect.height >= height;
}

void
gst_swin_regions_consider (GstObject *owner, GArray *regions, GstSwinRegion *r, gint64 x,
                           gint64 y, gint64 w, gint64 h, const GstSwinRegionFilter *filter,
                           GstSwinRegionSkips *skips)
{
  gint64 x0 = CLAMP (x, 0, filter->width), y0 = CLAMP (y, 0, filter->height);
  gint64 x1 = CLAMP (x + MAX (w, 0), 0, filter->width);
  gint64 y1 = CLAMP (y + MAX (h, 0), 0, filter->height);

  r->rect = (SwinRect) { (gint) x0, (gint) y0, (gint) (x1 - x0), (gint) (y1 - y0) };
  if (!wanted (r->type, filter->classes)) {
    GST_DEBUG_OBJECT (owner, "region %d skipped: type \"%s\" is not in object-class", r->id,
                      g_quark_to_string (r->type));
    skips->object_class++;
    return;
  }
  if (r->rect.width < 1 || r->rect.height < 1) {
    GST_DEBUG_OBJECT (owner, "region %d (%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT " at %"
                      G_GINT64_FORMAT ",%" G_GINT64_FORMAT ") skipped: nothing of it is inside "
                      "the %dx%d frame", r->id, w, h, x, y, filter->width, filter->height);
    skips->outside++;
    return;
  }
  if (r->rect.width < filter->min_width || r->rect.height < filter->min_height) {
    GST_DEBUG_OBJECT (owner, "region %d skipped: %dx%d inside the frame, below min-roi-size "
                      "%dx%d", r->id, r->rect.width, r->rect.height, filter->min_width,
                      filter->min_height);
    skips->min_size++;
    return;
  }
  if ((filter->max_width && r->rect.width > filter->max_width) ||
      (filter->max_height && r->rect.height > filter->max_height)) {
    GST_DEBUG_OBJECT (owner, "region %d skipped: %dx%d inside the frame, above max-roi-size "
                      "%dx%d", r->id, r->rect.width, r->rect.height, filter->max_width,
                      filter->max_height);
    skips->max_size++;
    return;
  }
  if (filter->edge == GST_SWIN_EDGE_SKIP &&
      gst_swin_region_at_edge (r, filter->width, filter->height)) {
    GST_DEBUG_OBJECT (owner, "region %d skipped: it touches the frame's edge", r->id);
    skips->edge++;
    return;
  }
  g_array_append_val (regions, *r);
}

/* A region and its area, for max-regions. */
typedef struct {
  gint64 area;
  guint index;
} Ranked;

static gint
larger_first (const void *pa, const void *pb)
{
  const Ranked *a = pa, *b = pb;

  if (a->area != b->area)
    return a->area > b->area ? -1 : 1;
  return a->index < b->index ? -1 : a->index > b->index;
}

void
gst_swin_regions_limit (GstObject *owner, GArray *regions, const GstSwinRegionFilter *filter,
                        GstSwinRegionSkips *skips)
{
  guint n = regions->len, max = filter->max_regions, out = 0;
  Ranked *order;
  gboolean *keep;

  if (max == 0 || n <= max)
    return;
  order = g_new (Ranked, n);
  keep = g_new0 (gboolean, n);
  for (guint i = 0; i < n; i++) {
    const SwinRect *r = &g_array_index (regions, GstSwinRegion, i).rect;

    order[i] = (Ranked) { (gint64) r->width * r->height, i };
  }
  /* The index breaks ties: the order is total, qsort() needs no stability. */
  qsort (order, n, sizeof (Ranked), larger_first);
  for (guint i = 0; i < max; i++)
    keep[order[i].index] = TRUE;
  for (guint i = 0; i < n; i++) {
    if (keep[i]) {
      g_array_index (regions, GstSwinRegion, out++) = g_array_index (regions, GstSwinRegion, i);
      continue;
    }
    GST_DEBUG_OBJECT (owner, "region %d skipped: not among the max-regions %u largest",
                      g_array_index (regions, GstSwinRegion, i).id, max);
    skips->max_regions++;
  }
  g_array_set_size (regions, out);
  g_free (order);
  g_free (keep);
}

GArray *
gst_swin_regions_collect (GstObject *owner, GstBuffer *buf, const GstSwinRegionFilter *filter,
                          GstSwinRegionSkips *skips)
{
  GArray *regions = g_array_new (FALSE, FALSE, sizeof (GstSwinRegion));
  GstSwinRegionSkips unused;
  GstVideoRegionOfInterestMeta *meta;
  gpointer state = NULL;

  if (!skips)
    skips = &unused;
  memset (skips, 0, sizeof (*skips));
  while ((meta = (GstVideoRegionOfInterestMeta *) gst_buffer_iterate_meta_filtered (
              buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstSwinRegion r = {
      .meta = meta, .id = meta->id, .type = meta->roi_type,
      .x = meta->x, .y = meta->y, .w = meta->w, .h = meta->h,
      .od_id = -1, .track_id = object_id (meta),
    };

    gst_swin_regions_consider (owner, regions, &r, meta->x, meta->y, meta->w, meta->h, filter,
                               skips);
  }
  return regions;
}

GstStructure *
gst_swin_regions_skips_structure (const GstSwinRegionSkips *skips)
{
  return gst_structure_new ("skipped", "object-class", G_TYPE_UINT, skips->object_class,
                            "outside", G_TYPE_UINT, skips->outside,
                            "min-roi-size", G_TYPE_UINT, skips->min_size,
                            "max-roi-size", G_TYPE_UINT, skips->max_size,
                            "edge", G_TYPE_UINT, skips->edge,
                            "max-regions", G_TYPE_UINT, skips->max_regions,
                            "untracked", G_TYPE_UINT, skips->untracked, NULL);
}

gboolean
gst_swin_regions_check_name (const gchar *name, GError **error)
{
  /* gstswinjson.c's keys of a region object, beside its results */
  static const gchar *const region_keys[] = { "id", "roi_type", "x", "y", "w", "h",
                                               GST_SWIN_DETECTION_PARAM };

  if (!name || !g_ascii_isalpha (name[0]) ||
      name[strspn (name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-_.:+")]) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                 "result-name \"%s\": expected a structure name (an ASCII letter, then letters, "
                 "digits and /-_.:+)", GST_STR_NULL (name));
    return FALSE;
  }
  for (guint i = 0; i < G_N_ELEMENTS (region_keys); i++) {
    if (g_str_equal (name, region_keys[i])) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                   "result-name \"%s\" is a key of the region itself (in the JSON form, or "
                   "its detection link)", name);
      return FALSE;
    }
  }
  return TRUE;
}

/* The entry of @meta's parameter list named @name, or NULL. */
static GList *
find_param (GstVideoRegionOfInterestMeta *meta, GQuark name)
{
  for (GList *l = meta->params; l; l = l->next)
    if (gst_structure_get_name_id (l->data) == name)
      return l;
  return NULL;
}

void
gst_swin_regions_set_best (GstStructure *result)
{
  gint id;
  const gchar *label;
  gdouble score;

  if (gst_swin_result_get_class (result, 0, &id, &label, &score))
    gst_structure_set (result, GST_SWIN_FIELD_LABEL, G_TYPE_STRING, label,
                       GST_SWIN_FIELD_LABEL_ID, G_TYPE_INT, id,
                       GST_SWIN_FIELD_CONFIDENCE, G_TYPE_DOUBLE, score, NULL);
}

void
gst_swin_regions_attach (GstElement *owner, const GArray *regions, GstStructure **results,
                         guint64 frame, GQuark name, gboolean *warned)
{
  for (guint i = 0; i < regions->len; i++) {
    const GstSwinRegion *r = &g_array_index (regions, GstSwinRegion, i);
    const gchar *model;
    GstStructure *s;
    GList *old;

    if (!results[i])
      continue;             /* a region whose track has no result yet */
    model = gst_structure_get_string (results[i], GST_SWIN_FIELD_MODEL);
    s = gst_structure_copy (results[i]);
    gst_structure_set_name (s, g_quark_to_string (name));
    /* DL Streamer's name for the model of a region's result */
    gst_structure_set (s, GST_SWIN_FIELD_MODEL_NAME, G_TYPE_STRING, model,
                       GST_SWIN_FIELD_FRAME, G_TYPE_UINT64, frame, NULL);
    gst_structure_remove_field (s, GST_SWIN_FIELD_MODEL);
    /* Appended, it would hide behind the first of its name
     * (gst_video_region_of_interest_meta_get_param() returns that one). */
    if (!(old = find_param (r->meta, name))) {
      gst_video_region_of_interest_meta_add_param (r->meta, s);
      continue;
    }
    if (!*warned) {
      const gchar *other = gst_structure_get_string (old->data, GST_SWIN_FIELD_MODEL_NAME);

      GST_ELEMENT_WARNING (owner, RESOURCE, SETTINGS,
          ("Two classifiers write the region result \"%s\": give each its own result-name",
           g_quark_to_string (name)),
          ("Region %d already had a \"%s\" parameter (model \"%s\"); it is replaced by this "
           "element's result (model \"%s\"), here and on every later region", r->id,
           g_quark_to_string (name), other ? other : "unknown", GST_STR_NULL (model)));
      *warned = TRUE;
    }
    gst_structure_free (old->data);
    old->data = s;
  }
}

void
gst_swin_regions_describe (const GArray *regions, GstStructure **results, GstStructure *message)
{
  static const gchar *const copied[] = {
    GST_SWIN_FIELD_CLASS_IDS, GST_SWIN_FIELD_LABELS, GST_SWIN_FIELD_SCORES,
  };
  GValue list = G_VALUE_INIT;

  g_value_init (&list, GST_TYPE_ARRAY);
  for (guint i = 0; i < regions->len; i++) {
    const GstSwinRegion *r = &g_array_index (regions, GstSwinRegion, i);
    GstStructure *s;
    const GValue *track;
    GValue v = G_VALUE_INIT;

    if (!results[i])
      continue;
    s = gst_structure_new ("region", "id", G_TYPE_INT, r->id,
        "roi-type", G_TYPE_STRING, g_quark_to_string (r->type),
        "x", G_TYPE_UINT, r->x, "y", G_TYPE_UINT, r->y,
        "w", G_TYPE_UINT, r->w, "h", G_TYPE_UINT, r->h, NULL);
    for (guint f = 0; f < G_N_ELEMENTS (copied); f++)
      gst_structure_set_value (s, copied[f], gst_structure_get_value (results[i], copied[f]));
    if ((track = gst_structure_get_value (results[i], GST_SWIN_FIELD_TRACK_ID)))
      gst_structure_set_value (s, GST_SWIN_FIELD_TRACK_ID, track);
    g_value_init (&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&v, s);
    gst_value_array_append_and_take_value (&list, &v);
  }
  gst_structure_take_value (message, GST_SWIN_FIELD_REGIONS, &list);
}
