/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The elements under test in gst-check programs: a swinclassify on the
 * suite's device, one whose start must fail, and the suite's main(). */
#pragma once

#include <gst/check/gstcheck.h>
#include <stdarg.h>

G_BEGIN_DECLS

/* A (floating) swinclassify on @model_path and the device of
 * SWIN_TEST_DEVICE, then the NULL-terminated property list @first_property
 * and @args. */
GstElement *swin_test_new_element_valist (const gchar *model_path, const gchar *first_property,
                                          va_list args);

/* The launch line of a cascade of two region classifiers on the device of
 * SWIN_TEST_DEVICE: "swinclassify model=@first inference-region=roi-list
 * @first_props ! swinclassify model=@second ... @second_props"; g_free() it. */
gchar *swin_test_cascade_launch (const gchar *first, const gchar *first_props, const gchar *second,
                                 const gchar *second_props);

/* Starting @e (taken) fails with an error message containing @expect. */
void swin_test_expect_start_error (GstElement *e, const gchar *expect);

/* The body of a test's main(): runs the suite of @make_suite as @name
 * (@file: the test's source, for the check report); the failure count. */
int swin_test_run_suite (int *argc, char ***argv, Suite *(*make_suite) (void), const gchar *name,
                         const gchar *file);

G_END_DECLS
