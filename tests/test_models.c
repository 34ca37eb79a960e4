/* Whole models against torchvision: tests/gen_torchvision.py writes seeded
 * random torchvision models in each key layout, an input and torchvision's
 * logits; both our forwards must match within 1e-4 * max(1, max |ref|) and
 * give the same top-5. */
#include "swin_test_util.h"

typedef struct {
  const char *model, *input, *logits;
  SwinLayout layout;
  int batch, size, classes;
} Case;

static const Case cases[] = {
  { "swin_t_torchvision.safetensors", "swin_t_input.f32", "swin_t_logits.f32", SWIN_LAYOUT_TORCHVISION, 1, 224, 1000 },
  { "swin_t_original.safetensors", "swin_t_input.f32", "swin_t_logits.f32", SWIN_LAYOUT_ORIGINAL, 1, 224, 1000 },
  { "swin_t_timm.safetensors", "swin_t_input.f32", "swin_t_logits.f32", SWIN_LAYOUT_TIMM, 1, 224, 1000 },
  { "w12_timm.safetensors", "w12_input.f32", "w12_logits.f32", SWIN_LAYOUT_TIMM, 2, 384, 100 },
};

static SwinContext *ctx;

static void
check_against (const char *what, const Case *c, const float *got, const float *ref)
{
  size_t n = (size_t) c->batch * c->classes;
  float bound = 1e-4f * fmaxf (1.0f, swin_test_max_abs (ref, n));
  float diff = swin_test_max_diff (got, ref, n);

  g_test_message ("%s %s: max |delta| = %.3g (bound %.3g, max |ref| %.3g)", c->model, what, diff, bound,
                  swin_test_max_abs (ref, n));
  if (!(diff <= bound))
    g_error ("%s %s: max |delta| %g exceeds %g", c->model, what, diff, bound);
  for (int b = 0; b < c->batch; b++) {
    int tg[5], tr[5];
    swin_topk (got + (size_t) b * c->classes, c->classes, 5, tg);
    swin_topk (ref + (size_t) b * c->classes, c->classes, 5, tr);
    for (int i = 0; i < 5; i++)
      g_assert_cmpint (tg[i], ==, tr[i]);
  }
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  const char *dir = g_getenv ("SWIN_TEST_DATA");
  g_autofree char *mpath = g_build_filename (dir, c->model, NULL);
  g_autofree char *ipath = g_build_filename (dir, c->input, NULL);
  g_autofree char *lpath = g_build_filename (dir, c->logits, NULL);
  size_t n_in = (size_t) c->batch * 3 * c->size * c->size, n_out = (size_t) c->batch * c->classes;
  GError *error = NULL;
  SwinModel *model;
  SwinNet *net;
  SwinPlan *plan;
  float *input, *ref, *cpu;
  gint64 t0;

  model = swin_model_load (mpath, &error);
  g_assert_no_error (error);
  g_assert_cmpint (swin_model_get_arch (model)->layout, ==, c->layout);
  g_assert_cmpint (swin_model_get_arch (model)->num_classes, ==, c->classes);
  g_assert_cmpint (swin_model_get_arch (model)->img_size, ==, c->size);
  input = swin_test_read_file (ipath, n_in);
  ref = swin_test_read_file (lpath, n_out);

  net = swin_net_new (ctx, model, &error);
  g_assert_no_error (error);
  plan = swin_plan_new (net, c->batch, c->size, c->size, &error);
  g_assert_no_error (error);
  memcpy (swin_plan_get_input (plan), input, n_in * sizeof (float));
  g_assert_true (swin_plan_run (plan, &error));  /* warm-up: first run compiles shaders */
  t0 = g_get_monotonic_time ();
  g_assert_true (swin_plan_run (plan, &error));
  g_assert_no_error (error);
  g_test_message ("%s vulkan forward: %.1f ms", c->model, (g_get_monotonic_time () - t0) / 1000.0);
  check_against ("vulkan", c, swin_plan_get_logits (plan), ref);

  cpu = g_new (float, n_out);
  g_assert_true (swin_cpu_forward (model, input, c->batch, c->size, c->size, cpu, &error));
  g_assert_no_error (error);
  check_against ("cpu", c, cpu, ref);

  swin_plan_free (plan);
  swin_net_free (net);
  swin_model_free (model);
  g_free (cpu);
  g_free (input);
  g_free (ref);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  if (!g_getenv ("SWIN_TEST_DATA"))
    g_error ("SWIN_TEST_DATA is not set (run through meson test)");
  ctx = swin_test_context ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *name = g_strdup_printf ("/models/%s", cases[i].model);
    g_test_add_data_func (name, &cases[i], test_case);
  }
  ret = g_test_run ();
  swin_context_free (ctx);
  swin_shutdown ();   /* the validation layer checks the instance is left empty */
  return ret;
}
