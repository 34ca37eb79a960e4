/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whole models against reference logits: tests/gen_torchvision.py writes
 * seeded random Swin models in each key layout, inputs at several resolutions
 * and the logits of torchvision (or, for the original repository's window
 * rule, of tests/ref_swin_original.py), listed in manifest.json; both our
 * forwards must match within 1e-4 * max(1, max |ref|) and give the same
 * top-5.  Where torchvision is the reference, the pooled features too, and
 * the checkpoint's head applied to the CPU's features gives its logits. */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "swin/swin.h"
#include "swin_test_device.h"
#include "swin_test_floats.h"
#include "swin_safetensors.h"
#include "swin_op.h"

typedef struct {
  char *name, *model, *input, *logits, *reference;
  char *features;            /* NULL: the reference gives none */
  SwinLayout layout;
  int batch, height, width, classes, img_size, version, num_features;
} Case;

static SwinContext *ctx;

static void
check_against (const char *what, const Case *c, const float *got, const float *ref)
{
  size_t n = (size_t) c->batch * c->classes;
  float bound = 1e-4f * fmaxf (1.0f, swin_test_max_abs (ref, n));
  float diff = swin_test_max_diff (got, ref, n);

  g_test_message ("%s %s: max |delta| = %.3g against %s (bound %.3g, max |ref| %.3g)", c->name, what, diff,
                  c->reference, bound, swin_test_max_abs (ref, n));
  if (!(diff <= bound))
    g_error ("%s %s: max |delta| %g exceeds %g", c->name, what, diff, bound);
  for (int b = 0; b < c->batch; b++) {
    int tg[5], tr[5];
    swin_topk (got + (size_t) b * c->classes, c->classes, 5, tg);
    swin_topk (ref + (size_t) b * c->classes, c->classes, 5, tr);
    for (int i = 0; i < 5; i++)
      g_assert_cmpint (tg[i], ==, tr[i]);
  }
}

/* @got within 1e-4 * max(1, max |@want|) of @want. */
static void
check_features (const char *what, const Case *c, const float *got, const float *want)
{
  size_t n = (size_t) c->batch * c->num_features;
  float bound = 1e-4f * fmaxf (1.0f, swin_test_max_abs (want, n));
  float diff = swin_test_max_diff (got, want, n);

  g_test_message ("%s %s features: max |delta| = %.3g (bound %.3g)", c->name, what, diff, bound);
  if (!(diff <= bound))
    g_error ("%s %s features: max |delta| %g exceeds %g", c->name, what, diff, bound);
}

/* The checkpoint's head (read from the file, in double) applied to
 * @features gives @logits. */
static void
check_head (const Case *c, const char *path, const float *features, const float *logits)
{
  const char *prefix = c->layout == SWIN_LAYOUT_TIMM ? "head.fc." : "head.";
  g_autofree char *wkey = g_strconcat (prefix, "weight", NULL), *bkey = g_strconcat (prefix, "bias", NULL);
  GError *error = NULL;
  SwinSafetensors *st = swin_safetensors_open (path, &error);
  const SwinTensorInfo *wt, *bt;
  float *w, *b, *head = g_new (float, (size_t) c->batch * c->classes);

  g_assert_no_error (error);
  wt = swin_safetensors_lookup (st, wkey);
  bt = swin_safetensors_lookup (st, bkey);
  g_assert_nonnull (wt);
  g_assert_nonnull (bt);
  g_assert_cmpint (wt->numel, ==, (gint64) c->classes * c->num_features);
  w = swin_safetensors_to_f32 (wt, &error);
  g_assert_no_error (error);
  b = swin_safetensors_to_f32 (bt, &error);
  g_assert_no_error (error);
  for (int i = 0; i < c->batch; i++)
    for (int k = 0; k < c->classes; k++) {
      double sum = b[k];
      for (int j = 0; j < c->num_features; j++)
        sum += (double) w[(size_t) k * c->num_features + j] * features[(size_t) i * c->num_features + j];
      head[(size_t) i * c->classes + k] = (float) sum;
    }
  check_against ("head(cpu features)", c, head, logits);
  g_free (head);
  g_free (w);
  g_free (b);
  swin_safetensors_free (st);
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  const char *dir = g_getenv ("SWIN_TEST_DATA");
  g_autofree char *mpath = g_build_filename (dir, c->model, NULL);
  g_autofree char *ipath = g_build_filename (dir, c->input, NULL);
  g_autofree char *lpath = g_build_filename (dir, c->logits, NULL);
  size_t n_in = (size_t) c->batch * 3 * c->height * c->width, n_out = (size_t) c->batch * c->classes;
  GError *error = NULL;
  SwinModel *model;
  SwinNet *net;
  SwinPlan *plan;
  float *input, *ref, *cpu, *ref_features = NULL, *cpu_features = NULL;
  gint64 t0;

  model = swin_model_load (mpath, &error);
  g_assert_no_error (error);
  g_assert_cmpint (swin_model_get_arch (model)->layout, ==, c->layout);
  g_assert_cmpint (swin_model_get_arch (model)->num_classes, ==, c->classes);
  g_assert_cmpint (swin_model_get_arch (model)->img_size, ==, c->img_size);
  g_assert_cmpint (swin_model_get_arch (model)->version, ==, c->version);
  input = swin_test_read_file (ipath, n_in);
  ref = swin_test_read_file (lpath, n_out);
  if (c->features) {
    g_autofree char *fpath = g_build_filename (dir, c->features, NULL);
    g_assert_cmpint (c->num_features, ==, SWIN_ARCH_NUM_FEATURES (swin_model_get_arch (model)));
    ref_features = swin_test_read_file (fpath, (size_t) c->batch * c->num_features);
    cpu_features = g_new (float, (size_t) c->batch * c->num_features);
  }

  net = swin_net_new (ctx, model, &error);
  g_assert_no_error (error);
  plan = swin_plan_new (net, c->batch, c->height, c->width, &error);
  g_assert_no_error (error);
  memcpy (swin_plan_get_input (plan), input, n_in * sizeof (float));
  swin_plan_run (plan, &error);  /* warm-up: lavapipe compiles the shaders during the first run */
  g_assert_no_error (error);
  t0 = g_get_monotonic_time ();
  g_assert_true (swin_plan_run (plan, &error));
  g_assert_no_error (error);
  g_test_message ("%s vulkan forward: %.1f ms", c->name, (g_get_monotonic_time () - t0) / 1000.0);
  check_against ("vulkan", c, swin_plan_get_logits (plan), ref);
  if (c->features)
    check_features ("vulkan", c, swin_plan_get_features (plan), ref_features);

  cpu = g_new (float, n_out);
  g_assert_true (swin_cpu_forward_full (model, input, c->batch, c->height, c->width, cpu, cpu_features,
                                        &error));
  g_assert_no_error (error);
  check_against ("cpu", c, cpu, ref);
  if (c->features) {
    check_features ("cpu", c, cpu_features, ref_features);
    check_head (c, mpath, cpu_features, cpu);
  }

  swin_plan_free (plan);
  swin_net_free (net);
  swin_model_free (model);
  g_free (cpu);
  g_free (cpu_features);
  g_free (ref_features);
  g_free (input);
  g_free (ref);
}

/* test_case() with the GPU kernels forced (on lavapipe as well): the
 * shared-memory GEMM with V1's LayerNorms folded into it and the gather read
 * in place (test_net.c's gpu-kernels on real weights). */
static void
test_case_gpu_kernels (gconstpointer data)
{
  GError *error = NULL;

  g_assert_true (swin_op_force (ctx, SWIN_OP_GEMM, "gemm_tiled", &error) &&
                 swin_op_force (ctx, SWIN_OP_ATTENTION, "attention_wg", &error) &&
                 swin_op_force (ctx, SWIN_OP_LAYERNORM, "layernorm_rows", &error));
  g_assert_no_error (error);
  test_case (data);
  for (SwinOp op = 0; op < SWIN_OP_COUNT; op++)
    g_assert_true (swin_op_force (ctx, op, NULL, NULL));
}

static SwinLayout
parse_layout (const char *name)
{
  static const SwinLayout layouts[] = { SWIN_LAYOUT_TORCHVISION, SWIN_LAYOUT_ORIGINAL, SWIN_LAYOUT_TIMM };

  for (guint i = 0; i < G_N_ELEMENTS (layouts); i++)
    if (g_strcmp0 (name, swin_layout_name (layouts[i])) == 0)
      return layouts[i];
  g_error ("manifest: unknown layout %s", name);
}

static void
case_free (gpointer data)
{
  Case *c = data;

  g_free (c->name);
  g_free (c->model);
  g_free (c->input);
  g_free (c->logits);
  g_free (c->reference);
  g_free (c->features);
  g_free (c);
}

/* The cases of @dir/manifest.json. */
static GPtrArray *
read_manifest (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "manifest.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  GPtrArray *cases = g_ptr_array_new_with_free_func (case_free);
  GError *error = NULL;
  JsonArray *list;

  if (!json_parser_load_from_file (parser, path, &error))
    g_error ("%s: %s", path, error->message);
  list = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "cases");
  for (guint i = 0; i < json_array_get_length (list); i++) {
    JsonObject *o = json_array_get_object_element (list, i);
    Case *c = g_new0 (Case, 1);

    c->name = g_strdup (json_object_get_string_member (o, "name"));
    c->model = g_strdup (json_object_get_string_member (o, "model"));
    c->input = g_strdup (json_object_get_string_member (o, "input"));
    c->logits = g_strdup (json_object_get_string_member (o, "logits"));
    c->reference = g_strdup (json_object_get_string_member (o, "reference"));
    c->layout = parse_layout (json_object_get_string_member (o, "layout"));
    c->batch = json_object_get_int_member (o, "batch");
    c->height = json_object_get_int_member (o, "height");
    c->width = json_object_get_int_member (o, "width");
    c->classes = json_object_get_int_member (o, "classes");
    c->img_size = json_object_get_int_member (o, "img_size");
    c->version = json_object_get_int_member (o, "version");
    if (json_object_has_member (o, "features")) {
      c->features = g_strdup (json_object_get_string_member (o, "features"));
      c->num_features = json_object_get_int_member (o, "num_features");
    }
    g_ptr_array_add (cases, c);
  }
  if (cases->len == 0)
    g_error ("%s lists no cases", path);
  return cases;
}

int
main (int argc, char **argv)
{
  GPtrArray *cases;
  int ret;

  g_test_init (&argc, &argv, NULL);
  if (!g_getenv ("SWIN_TEST_DATA"))
    g_error ("SWIN_TEST_DATA is not set (run through meson test)");
  cases = read_manifest (g_getenv ("SWIN_TEST_DATA"));
  ctx = swin_test_context ();
  for (guint i = 0; i < cases->len; i++) {
    const Case *c = g_ptr_array_index (cases, i);
    g_autofree char *name = g_strdup_printf ("/models/%s", c->name);
    g_test_add_data_func (name, c, test_case);
    /* one case of each version the GPU way (V2 at 160: the forced GPU kernels
     * are slow on lavapipe, 35 s at 256) */
    if (strcmp (c->name, "swin_t_timm_224x224") == 0 || strcmp (c->name, "swin_v2_t_torchvision_160x160") == 0) {
      g_autofree char *gpu = g_strdup_printf ("/models/gpu-kernels/%s", c->name);
      g_test_add_data_func (gpu, c, test_case_gpu_kernels);
    }
  }
  ret = g_test_run ();
  swin_context_free (ctx);
  swin_shutdown ();   /* the validation layer checks the instance is left empty */
  g_ptr_array_free (cases, TRUE);
  return ret;
}
