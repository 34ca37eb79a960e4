/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writes the F32 seed checkpoints of the fuzz corpus: tiny architectures
 * (a few KiB each, well under the fuzzer's input size limit) in every key
 * layout.  make_corpus.sh derives the other seeds from them. */
#include "swin_keys.h"

#include <stdio.h>

typedef struct {
  const char *name;
  int embed_dim, num_stages, depths[3], heads[3], window, classes;
  int version;
} TinyArch;

static const TinyArch archs[] = {
  /* one stage, one block, a 1x1 window: the smallest valid model */
  { "s1", 8, 1, { 1 }, { 2 }, 1, 2 },
  /* two stages: one patch merging, shifted windows in stage 0 */
  { "s2", 8, 2, { 2, 1 }, { 2, 2 }, 2, 3 },
  /* one stage of two blocks (the second one shifted), window 3 */
  { "w3", 8, 1, { 2 }, { 2 }, 3, 4 },
  /* Swin V2: one block (its bias MLP is most of the file) */
  { "v2s1", 8, 1, { 1 }, { 2 }, 2, 2, 2 },
  /* Swin V2, two stages: its patch merging (a block each: under the
   * fuzzer's 64 KiB inputs) */
  { "v2s2", 8, 2, { 1, 1 }, { 2, 2 }, 2, 3, 2 },
};

static const struct {
  const char *name;
  SwinLayout layout;
} layouts[] = {
  { "torchvision", SWIN_LAYOUT_TORCHVISION },
  { "original", SWIN_LAYOUT_ORIGINAL },
  { "timm", SWIN_LAYOUT_TIMM },
};

int
main (int argc, char **argv)
{
  if (argc != 2) {
    fprintf (stderr, "usage: %s OUTDIR\n", argv[0]);
    return 2;
  }
  for (guint a = 0; a < G_N_ELEMENTS (archs); a++) {
    for (guint l = 0; l < G_N_ELEMENTS (layouts); l++) {
      SwinInitParams p = {
        .version = archs[a].version,
        .embed_dim = archs[a].embed_dim,
        .num_stages = archs[a].num_stages,
        .window = archs[a].window,
        .num_classes = archs[a].classes,
        .layout = layouts[l].layout,
        .seed = a * 10 + l,
      };
      GError *error = NULL;
      char *path = g_strdup_printf ("%s/%s-%s-f32.safetensors", argv[1], archs[a].name, layouts[l].name);

      for (int s = 0; s < archs[a].num_stages; s++) {
        p.depths[s] = archs[a].depths[s];
        p.heads[s] = archs[a].heads[s];
      }
      if (!swin_model_init_random (&p, path, &error)) {
        fprintf (stderr, "%s: %s\n", path, error->message);
        return 1;
      }
      g_free (path);
    }
  }
  return 0;
}
