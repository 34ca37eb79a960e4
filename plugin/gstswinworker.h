/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The async mode's worker thread: classifies the newest frame handed to it
 * while the stream goes on; a newer frame replaces one it has not started. */
#pragma once

#include "gstswinresults.h"
#include "swin/swin_preprocess.h"

G_BEGIN_DECLS

/* A frame to classify and where it came from. */
typedef struct {
  SwinFrame frame;
  SwinPreprocessParams params;
  GstSwinFramePosition position;
} GstSwinJob;

/* Classifies @job and delivers its result; FALSE on a failure that has
 * been reported (the worker then takes no more frames). */
typedef gboolean (*GstSwinWorkerFunc) (const GstSwinJob *job, gpointer user_data);

typedef struct _GstSwinWorker GstSwinWorker;

/* Starts the thread; NULL with @error if it cannot. */
GstSwinWorker *gst_swin_worker_new (GstSwinWorkerFunc func, gpointer user_data, GError **error);
/* Stops the thread, after the frame it is classifying, and frees it. */
void gst_swin_worker_free (GstSwinWorker *worker);

/* Copies @job's planes for the worker, replacing a frame it has not started
 * on; FALSE when out of memory (the frame is not classified). */
gboolean gst_swin_worker_queue (GstSwinWorker *worker, const GstSwinJob *job);
/* Forgets the frame waiting, if any (a flush). */
void gst_swin_worker_flush (GstSwinWorker *worker);
/* Waits until the frames handed over are classified, or the worker failed
 * (EOS: their messages then precede it). */
void gst_swin_worker_drain (GstSwinWorker *worker);
/* Whether the function has returned FALSE. */
gboolean gst_swin_worker_has_failed (GstSwinWorker *worker);

G_END_DECLS
