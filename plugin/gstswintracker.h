/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinclassify's objects across frames: which region of a frame is which
 * object (an upstream tracker's identity, else a small IoU tracker of its
 * own) and, per object, its last classification and the last results that
 * smooth its label.  Shared by the streaming thread and the runner's thread
 * (async results): every function takes the table's lock.
 *
 * Identity.  A region with an upstream id (GstSwinRegion.track_id >= 0: a
 * TrackingMtd, or DL Streamer's "object_id" parameter) is the track of
 * that id; a region without one is matched to the element's own tracks:
 * same type, seen at most max-age frames ago, the pairs of highest
 * intersection over union (at least iou-threshold) first, each track and
 * each region at most once.  A region left over starts a track.  The two
 * kinds never mix: an upstream id is never matched by overlap.
 *
 * Limits of the own tracker (it uses boxes only, no motion model, no
 * appearance): two objects of one type that cross swap or merge tracks
 * when their boxes overlap more with each other's previous box; an object
 * moving by more than its own size between two frames starts a new track;
 * a detector that misses an object for more than max-age frames, or whose
 * box comes back elsewhere, gives it a new track (a new classification,
 * never the result of another object).  For crowded or fast scenes, put a
 * real tracker upstream.
 *
 * The table is bounded: at most max_tracks tracks (default and maximum
 * below).  A new object when it is full takes the place of the track seen
 * least recently (never one seen on the same frame); a region that finds
 * no place (more objects on one frame than the table holds) or whose
 * upstream id was already taken by another region of the frame has no
 * track (key 0). */
#pragma once

#include <gst/gst.h>

#include "gstswinregions.h"

G_BEGIN_DECLS

#define GST_SWIN_TRACKER_DEFAULT_MAX_TRACKS 256
#define GST_SWIN_TRACKER_MAX_TRACKS 4096
/* The most results a track keeps for smoothing. */
#define GST_SWIN_TRACKER_MAX_WINDOW 32

typedef enum {
  GST_SWIN_SMOOTHING_NONE,
  GST_SWIN_SMOOTHING_VOTE,   /* the label most of the last K results gave */
  GST_SWIN_SMOOTHING_MEAN,   /* the class of the highest mean probability */
} GstSwinSmoothing;

#define GST_TYPE_SWIN_SMOOTHING (gst_swin_smoothing_get_type ())
GType gst_swin_smoothing_get_type (void);

/* Zero fields take their defaults. */
typedef struct {
  gdouble iou_threshold;     /* 0: 0.3 */
  guint max_age;             /* frames a track may stay unseen; 0: 30 */
  guint max_tracks;          /* 0: GST_SWIN_TRACKER_DEFAULT_MAX_TRACKS */
  GstSwinSmoothing smoothing;
  guint window;              /* K, results smoothed over; 0: 5 */
  guint n_classes;           /* of the model (needed for smoothing) */
} GstSwinTrackerParams;

typedef struct _GstSwinTracker GstSwinTracker;

GstSwinTracker *gst_swin_tracker_new (const GstSwinTrackerParams *params);
void gst_swin_tracker_free (GstSwinTracker *tracker);
/* Forgets every track (flush, caps change, stop).  Keys are never reused,
 * so a result still computing for a forgotten track is dropped. */
void gst_swin_tracker_clear (GstSwinTracker *tracker);
/* Tracks in the table. */
guint gst_swin_tracker_size (GstSwinTracker *tracker);

/* Frame @frame (numbers increase; @pts its timestamp, kept as the first
 * seen of the tracks it starts): ends the tracks unseen for more than
 * max-age frames, then gives each of @regions (GstSwinRegion) its track:
 * @keys[i], a key unique for the tracker's life, or 0 (no track). */
void gst_swin_tracker_update (GstSwinTracker *tracker, guint64 frame, GstClockTime pts,
                              const GArray *regions, guint64 *keys);

/* When a frame's tracked regions are classified. */
typedef struct {
  guint interval;            /* reclassify a result this many frames old; 0: 1 */
  gdouble growth;            /* ... or whose box area grew by more than this factor; 0: never */
  guint budget;              /* at most this many regions; 0: all that are due */
} GstSwinTrackerPlan;

/* The regions of frame @frame to classify now, best first, written to
 * @chosen (room for @regions->len), and their count: those whose track has
 * no result yet (new objects first), whose result is @plan->interval
 * frames old or whose box grew, oldest result first, then by key.  A
 * region whose @hold[i] is TRUE (@hold may be NULL) and whose track has a
 * result is not due.  Regions without a track are never chosen. */
guint gst_swin_tracker_plan (GstSwinTracker *tracker, guint64 frame, const GArray *regions,
                             const guint64 *keys, const gboolean *hold,
                             const GstSwinTrackerPlan *plan, guint *chosen);

/* Keeps @result (a gst_swin_labels_make_result() structure, taken),
 * computed on frame @frame for the track @key whose box then had @area
 * pixels, and @probs (n_classes softmax probabilities, read; may be NULL
 * without smoothing).  FALSE (and @result freed) when the track is gone or
 * already has a newer result. */
gboolean gst_swin_tracker_store (GstSwinTracker *tracker, guint64 key, guint64 frame,
                                 GstStructure *result, const gfloat *probs, guint64 area);

/* What a track says of its object. */
typedef struct {
  guint64 track_id;          /* the upstream id, or the key of an own track */
  GstStructure *result;      /* a copy of the last raw result; NULL: none yet */
  guint64 result_frame;      /* the frame it was computed on */
  GstClockTime first_seen;   /* the PTS of the track's first frame */
  gboolean smoothed;         /* with smoothing: */
  gint label_id;             /* the smoothed class */
  gdouble confidence;        /* its mean probability over the window */
} GstSwinTrackResult;

/* The track @key's result, copied into @out (free out->result); FALSE
 * when the key has no track. */
gboolean gst_swin_tracker_get (GstSwinTracker *tracker, guint64 key, GstSwinTrackResult *out);

G_END_DECLS
