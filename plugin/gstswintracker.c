/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The track table and the element's own IoU tracker (see gstswintracker.h). */
#include "gstswintracker.h"

#include <string.h>

#define DEFAULT_IOU 0.3
#define DEFAULT_MAX_AGE 30
#define DEFAULT_WINDOW 5

typedef struct {
  guint64 key;               /* 0: a free slot */
  gint64 upstream_id;        /* -1: one of the element's own tracks */
  GQuark type;
  SwinRect box;              /* where it was last seen */
  guint64 last_seen;
  GstClockTime first_seen;   /* the PTS of its first frame */
  GstStructure *result;      /* the last raw result, or NULL */
  guint64 result_frame, result_area;
  /* Smoothing: the probabilities of the last results, a ring of window
   * rows of n_classes. */
  gfloat *history;
  guint n_history, next_history;
  gint label_id;
  gdouble confidence;
} GstSwinTrack;

struct _GstSwinTracker {
  GMutex lock;
  GstSwinTrackerParams p;
  GstSwinTrack *tracks;      /* p.max_tracks slots */
  guint n_tracks;
  guint64 next_key;
};

GType
gst_swin_smoothing_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_SWIN_SMOOTHING_NONE, "The label of the last classification", "none" },
    { GST_SWIN_SMOOTHING_VOTE, "The label most of the track's last results gave", "vote" },
    { GST_SWIN_SMOOTHING_MEAN, "The class of the highest mean probability over the track's last "
      "results", "mean" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstSwinSmoothing", values));
  return type;
}

GstSwinTracker *
gst_swin_tracker_new (const GstSwinTrackerParams *params)
{
  GstSwinTracker *t = g_new0 (GstSwinTracker, 1);

  g_mutex_init (&t->lock);
  t->p = *params;
  if (t->p.iou_threshold <= 0)
    t->p.iou_threshold = DEFAULT_IOU;
  if (t->p.max_age == 0)
    t->p.max_age = DEFAULT_MAX_AGE;
  if (t->p.max_tracks == 0)
    t->p.max_tracks = GST_SWIN_TRACKER_DEFAULT_MAX_TRACKS;
  t->p.max_tracks = MIN (t->p.max_tracks, GST_SWIN_TRACKER_MAX_TRACKS);
  if (t->p.window == 0)
    t->p.window = DEFAULT_WINDOW;
  t->p.window = MIN (t->p.window, GST_SWIN_TRACKER_MAX_WINDOW);
  if (t->p.n_classes == 0)
    t->p.smoothing = GST_SWIN_SMOOTHING_NONE;
  t->tracks = g_new0 (GstSwinTrack, t->p.max_tracks);
  t->next_key = 1;
  return t;
}

static void
track_free (GstSwinTracker *t, GstSwinTrack *track)
{
  if (!track->key)
    return;
  g_clear_pointer (&track->result, gst_structure_free);
  g_free (track->history);
  memset (track, 0, sizeof (*track));
  t->n_tracks--;
}

void
gst_swin_tracker_clear (GstSwinTracker *t)
{
  g_mutex_lock (&t->lock);
  for (guint i = 0; i < t->p.max_tracks; i++)
    track_free (t, &t->tracks[i]);
  g_mutex_unlock (&t->lock);
}

void
gst_swin_tracker_free (GstSwinTracker *t)
{
  if (!t)
    return;
  gst_swin_tracker_clear (t);
  g_free (t->tracks);
  g_mutex_clear (&t->lock);
  g_free (t);
}

guint
gst_swin_tracker_size (GstSwinTracker *t)
{
  guint n;

  g_mutex_lock (&t->lock);
  n = t->n_tracks;
  g_mutex_unlock (&t->lock);
  return n;
}

static GstSwinTrack *
find (GstSwinTracker *t, guint64 key)
{
  if (key == 0)
    return NULL;
  for (guint i = 0; i < t->p.max_tracks; i++)
    if (t->tracks[i].key == key)
      return &t->tracks[i];
  return NULL;
}

static gdouble
iou (const SwinRect *a, const SwinRect *b)
{
  gint64 x0 = MAX (a->x, b->x), y0 = MAX (a->y, b->y);
  gint64 x1 = MIN ((gint64) a->x + a->width, (gint64) b->x + b->width);
  gint64 y1 = MIN ((gint64) a->y + a->height, (gint64) b->y + b->height);
  gdouble inter, uni;

  if (x1 <= x0 || y1 <= y0)
    return 0.0;
  inter = (gdouble) (x1 - x0) * (gdouble) (y1 - y0);
  uni = (gdouble) a->width * a->height + (gdouble) b->width * b->height - inter;
  return uni > 0 ? inter / uni : 0.0;
}

/* A slot for a new track on @frame: a free one, else that of the track
 * seen least recently before this frame; NULL when every track was seen on
 * it. */
static GstSwinTrack *
new_slot (GstSwinTracker *t, guint64 frame)
{
  GstSwinTrack *oldest = NULL;

  for (guint i = 0; i < t->p.max_tracks; i++) {
    GstSwinTrack *track = &t->tracks[i];

    if (!track->key)
      return track;
    if (track->last_seen < frame && (!oldest || track->last_seen < oldest->last_seen ||
                                     (track->last_seen == oldest->last_seen &&
                                      track->key < oldest->key)))
      oldest = track;
  }
  if (oldest)
    track_free (t, oldest);
  return oldest;
}

static GstSwinTrack *
start_track (GstSwinTracker *t, guint64 frame, GstClockTime pts, const GstSwinRegion *r)
{
  GstSwinTrack *track = new_slot (t, frame);

  if (!track)
    return NULL;
  track->key = t->next_key++;
  track->upstream_id = r->track_id >= 0 ? r->track_id : -1;
  track->type = r->type;
  track->first_seen = pts;
  t->n_tracks++;
  return track;
}

static void
see (GstSwinTrack *track, guint64 frame, const GstSwinRegion *r, guint64 *key)
{
  track->box = r->rect;
  track->last_seen = frame;
  *key = track->key;
}

/* A candidate pair of the own tracker. */
typedef struct {
  gdouble iou;
  guint region;
  GstSwinTrack *track;
} Pair;

static gint
pair_order (gconstpointer pa, gconstpointer pb)
{
  const Pair *a = pa, *b = pb;

  if (a->iou != b->iou)
    return a->iou > b->iou ? -1 : 1;
  if (a->track->key != b->track->key)
    return a->track->key < b->track->key ? -1 : 1;
  return a->region < b->region ? -1 : a->region > b->region;
}

void
gst_swin_tracker_update (GstSwinTracker *t, guint64 frame, GstClockTime pts, const GArray *regions,
                         guint64 *keys)
{
  GArray *pairs = g_array_new (FALSE, FALSE, sizeof (Pair));
  guint n = regions->len;

  g_mutex_lock (&t->lock);
  for (guint i = 0; i < t->p.max_tracks; i++) {
    GstSwinTrack *track = &t->tracks[i];

    /* A frame number below the last seen (a restarted count) ends it too. */
    if (track->key && (frame - track->last_seen > t->p.max_age || track->last_seen > frame))
      track_free (t, track);
  }
  memset (keys, 0, n * sizeof (guint64));

  /* Upstream identities first: each id belongs to one region a frame. */
  for (guint r = 0; r < n; r++) {
    const GstSwinRegion *region = &g_array_index (regions, GstSwinRegion, r);
    GstSwinTrack *track = NULL;

    if (region->track_id < 0)
      continue;
    for (guint i = 0; i < t->p.max_tracks && !track; i++)
      if (t->tracks[i].key && t->tracks[i].upstream_id == region->track_id)
        track = &t->tracks[i];
    if (track && track->last_seen == frame) {
      GST_DEBUG ("upstream id %" G_GINT64_FORMAT " on two regions of frame %" G_GUINT64_FORMAT
                 ": the second has no track", region->track_id, frame);
      continue;
    }
    /* The same id for another type of object: another object. */
    if (track && track->type != region->type) {
      track_free (t, track);
      track = NULL;
    }
    if (!track && !(track = start_track (t, frame, pts, region)))
      continue;
    see (track, frame, region, &keys[r]);
  }

  /* The own tracker: the pairs of highest overlap first. */
  for (guint r = 0; r < n; r++) {
    const GstSwinRegion *region = &g_array_index (regions, GstSwinRegion, r);

    if (region->track_id >= 0)
      continue;
    for (guint i = 0; i < t->p.max_tracks; i++) {
      GstSwinTrack *track = &t->tracks[i];
      Pair p = { 0.0, r, track };

      if (!track->key || track->upstream_id >= 0 || track->type != region->type ||
          track->last_seen == frame)
        continue;
      p.iou = iou (&track->box, &region->rect);
      if (p.iou >= t->p.iou_threshold)
        g_array_append_val (pairs, p);
    }
  }
  g_array_sort (pairs, pair_order);
  for (guint i = 0; i < pairs->len; i++) {
    Pair *p = &g_array_index (pairs, Pair, i);

    if (keys[p->region] || p->track->last_seen == frame)
      continue;
    see (p->track, frame, &g_array_index (regions, GstSwinRegion, p->region), &keys[p->region]);
  }
  for (guint r = 0; r < n; r++) {
    const GstSwinRegion *region = &g_array_index (regions, GstSwinRegion, r);
    GstSwinTrack *track;

    if (region->track_id >= 0 || keys[r])
      continue;
    if ((track = start_track (t, frame, pts, region)))
      see (track, frame, region, &keys[r]);
  }
  g_mutex_unlock (&t->lock);
  g_array_unref (pairs);
}

/* A region due for classification, and what orders it. */
typedef struct {
  guint region;
  gboolean has_result;
  guint64 result_frame, key;
} Due;

static gint
due_order (gconstpointer pa, gconstpointer pb)
{
  const Due *a = pa, *b = pb;

  if (a->has_result != b->has_result)
    return a->has_result ? 1 : -1;
  if (a->result_frame != b->result_frame)
    return a->result_frame < b->result_frame ? -1 : 1;
  return a->key < b->key ? -1 : a->key > b->key;
}

guint
gst_swin_tracker_plan (GstSwinTracker *t, guint64 frame, const GArray *regions,
                       const guint64 *keys, const gboolean *hold, const GstSwinTrackerPlan *plan,
                       guint *chosen)
{
  Due *due = g_new (Due, MAX (regions->len, 1));
  guint interval = MAX (plan->interval, 1), n = 0;

  g_mutex_lock (&t->lock);
  for (guint r = 0; r < regions->len; r++) {
    const GstSwinRegion *region = &g_array_index (regions, GstSwinRegion, r);
    GstSwinTrack *track = find (t, keys[r]);
    guint64 area = (guint64) region->rect.width * region->rect.height;
    gboolean is_due;

    if (!track)
      continue;
    if (!track->result)
      is_due = TRUE;
    else if (hold && hold[r])
      is_due = FALSE;
    else
      is_due = frame - track->result_frame >= interval ||
               (plan->growth > 0 && area > plan->growth * (gdouble) track->result_area);
    if (is_due)
      due[n++] = (Due) { r, track->result != NULL, track->result_frame, track->key };
  }
  g_mutex_unlock (&t->lock);
  qsort (due, n, sizeof (Due), due_order);
  if (plan->budget)
    n = MIN (n, plan->budget);
  for (guint i = 0; i < n; i++)
    chosen[i] = due[i].region;
  g_free (due);
  return n;
}

static gint
argmax (const gfloat *row, guint n)
{
  gint best = 0;

  for (guint k = 1; k < n; k++)
    if (row[k] > row[best])
      best = (gint) k;
  return best;
}

/* The smoothed class of @track's history and its mean probability: the
 * class of the highest mean (mean), or the label most results gave, a tie
 * going to the most recent of them (vote). */
static void
smooth (GstSwinTracker *t, GstSwinTrack *track)
{
  guint c = t->p.n_classes, n = track->n_history, window = t->p.window;
  gint labels[GST_SWIN_TRACKER_MAX_WINDOW], best = -1;
  gdouble best_mean = -1.0;

  if (t->p.smoothing == GST_SWIN_SMOOTHING_VOTE) {
    guint best_votes = 0;

    /* i = 0: the newest row */
    for (guint i = 0; i < n; i++)
      labels[i] = argmax (track->history + (gsize) ((track->next_history + window - 1 - i) % window) * c, c);
    for (guint i = 0; i < n; i++) {
      guint votes = 0;

      for (guint j = 0; j < n; j++)
        votes += labels[j] == labels[i];
      if (votes > best_votes) {
        best_votes = votes;
        best = labels[i];
      }
    }
  }
  for (guint k = 0; k < c; k++) {
    gdouble sum = 0.0;

    if (best >= 0 && (gint) k != best)
      continue;
    /* the rows in use are 0 .. n - 1, whatever the ring's order */
    for (guint i = 0; i < n; i++)
      sum += track->history[(gsize) i * c + k];
    if (sum / n > best_mean) {
      best_mean = sum / n;
      track->label_id = (gint) k;
    }
  }
  track->confidence = best_mean;
}

gboolean
gst_swin_tracker_store (GstSwinTracker *t, guint64 key, guint64 frame, GstStructure *result,
                        const gfloat *probs, guint64 area)
{
  GstSwinTrack *track;

  g_mutex_lock (&t->lock);
  track = find (t, key);
  if (!track || (track->result && track->result_frame > frame)) {
    g_mutex_unlock (&t->lock);
    gst_structure_free (result);
    return FALSE;
  }
  if (track->result)
    gst_structure_free (track->result);
  track->result = result;
  track->result_frame = frame;
  track->result_area = area;
  if (t->p.smoothing != GST_SWIN_SMOOTHING_NONE && probs) {
    guint c = t->p.n_classes;

    if (!track->history)
      track->history = g_new (gfloat, (gsize) t->p.window * c);
    memcpy (track->history + (gsize) track->next_history * c, probs, c * sizeof (gfloat));
    track->next_history = (track->next_history + 1) % t->p.window;
    track->n_history = MIN (track->n_history + 1, t->p.window);
    smooth (t, track);
  }
  g_mutex_unlock (&t->lock);
  return TRUE;
}

gboolean
gst_swin_tracker_get (GstSwinTracker *t, guint64 key, GstSwinTrackResult *out)
{
  GstSwinTrack *track;

  memset (out, 0, sizeof (*out));
  g_mutex_lock (&t->lock);
  track = find (t, key);
  if (track) {
    out->track_id = track->upstream_id >= 0 ? (guint64) track->upstream_id : track->key;
    out->result = track->result ? gst_structure_copy (track->result) : NULL;
    out->result_frame = track->result_frame;
    out->first_seen = track->first_seen;
    out->smoothed = track->n_history > 0;
    out->label_id = track->label_id;
    out->confidence = track->confidence;
  }
  g_mutex_unlock (&t->lock);
  return track != NULL;
}
