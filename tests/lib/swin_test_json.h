/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Checks of the JSON that swinpublish writes: members of the expected
 * type and value, and a whole published object against the buffer it
 * describes. */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Parses one JSON object; fails the test if @text is not one. */
JsonObject *swin_test_json_parse (const gchar *text);

/* A double as published: equal, or (json-glib < 1.10 cannot print some
 * values, see gstswinjson.c) one ulp toward zero; null for a non-finite
 * @expect. */
void swin_test_json_check_double (JsonObject *o, const gchar *name, gdouble expect);

void swin_test_json_check_int (JsonObject *o, const gchar *name, gint64 expect);

void swin_test_json_check_string (JsonObject *o, const gchar *name, const gchar *expect);

/* "classes" of @o equal the class-ids/labels/scores of @result. */
void swin_test_json_check_classes (JsonObject *o, const GstStructure *result);

/* The published @o describes @buf: times (@timestamp: the expected stream
 * time), @source, resolution, the frame result and every classified
 * region, and nothing else. */
void swin_test_json_check_object (JsonObject *o, GstBuffer *buf, GstClockTime timestamp,
                                  const gchar *source, gint width, gint height);

G_END_DECLS
