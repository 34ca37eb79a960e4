/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The element's frame count and latest result, shared by the streaming
 * thread and the runner's thread (async results): which result each
 * buffer carries, and which results a flush makes stale. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Where a frame sits in the stream; its result's message reports it. */
typedef struct {
  guint64 index;            /* the frame's number since the element started */
  guint flush_seq;          /* flushes seen when the frame arrived */
  GstClockTime pts, duration, running_time, stream_time;
} GstSwinFramePosition;

typedef struct {
  GMutex lock;              /* guards every field below */
  guint64 n_frames;         /* frames seen since the last reset */
  guint flush_seq;          /* FLUSH_STOPs seen: results of older frames are stale */
  GstStructure *latest;     /* fields of gstswinmeta.h, or NULL */
  GBytes *latest_features;  /* its frame's pooled features (float32), or NULL */
  guint64 latest_index;     /* the frame it was computed on */
} GstSwinResults;

void gst_swin_results_init (GstSwinResults *results);
void gst_swin_results_clear (GstSwinResults *results);
/* Forgets the frame count and the latest result (a new start). */
void gst_swin_results_reset (GstSwinResults *results);

/* Numbers the next frame: fills @pos's index and flush_seq. */
void gst_swin_results_next_frame (GstSwinResults *results, GstSwinFramePosition *pos);

/* A FLUSH_STOP: the stream has moved elsewhere; forgets the latest result
 * and makes the results of frames numbered before it stale. */
void gst_swin_results_flush (GstSwinResults *results);

/* Makes @result (owned) and @features (owned, may be NULL: not wanted)
 * the latest, computed on the frame at @pos, and returns TRUE with its age
 * (frames seen since) in *@age; frees them and returns FALSE if they are
 * stale. */
gboolean gst_swin_results_store (GstSwinResults *results, GstStructure *result, GBytes *features,
                                 const GstSwinFramePosition *pos, guint64 *age);

/* TRUE with the frames seen since the frame at @pos in *@age, unless a
 * flush made it stale. */
gboolean gst_swin_results_age (GstSwinResults *results, const GstSwinFramePosition *pos,
                               guint64 *age);

/* Attaches the latest result and features, if any, to @buf, frame
 * @index, as meta. */
void gst_swin_results_attach (GstSwinResults *results, GstBuffer *buf, guint64 index);

/* Turns @result (owned) of the frame at @pos, computed when the stream was
 * @age frames further, into the structure of the bus message. */
GstStructure *gst_swin_results_message (GstStructure *result, const GstSwinFramePosition *pos,
                                        guint64 age);

G_END_DECLS
