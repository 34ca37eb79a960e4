/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* swinclassify core, model layer (libswinmodel): errors, Swin Transformer
 * checkpoints and their architecture, random initialisation, small helpers.
 * Plain C and GLib; neither Vulkan nor GStreamer. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define SWIN_MAX_STAGES 8

/* Errors of every core function are reported in this domain. */
#define SWIN_ERROR (swin_error_quark ())
GQuark swin_error_quark (void);

typedef enum {
  SWIN_ERROR_IO,            /* file missing, unreadable */
  SWIN_ERROR_FORMAT,        /* corrupt or truncated checkpoint, bad JSON, bad offsets */
  SWIN_ERROR_TENSOR,        /* a tensor missing, mis-shaped or of an unsupported dtype */
  SWIN_ERROR_ARCH,          /* tensors that do not form a consistent Swin model */
  SWIN_ERROR_INVALID_ARG,   /* a bad argument (size, batch, device string...) */
  SWIN_ERROR_NO_DEVICE,     /* no (matching / usable) Vulkan device */
  SWIN_ERROR_VULKAN,        /* a Vulkan call failed; the message names call and result */
  SWIN_ERROR_OUT_OF_MEMORY, /* host or device memory exhausted */
  SWIN_ERROR_DEVICE_LIMIT,  /* a device limit exceeded (workgroup count, buffer range...) */
  SWIN_ERROR_DEVICE_LOST,   /* the device was lost or stopped answering; make a new context */
  SWIN_ERROR_CANCELLED,     /* a queued request was withdrawn or its runner stopped */
} SwinErrorCode;

/* Which checkpoint key layout a model was loaded from. */
typedef enum {
  SWIN_LAYOUT_TORCHVISION, /* features.*, head */
  SWIN_LAYOUT_ORIGINAL,    /* microsoft/Swin-Transformer and timm < 0.9: merging at stage end */
  SWIN_LAYOUT_TIMM,        /* timm >= 0.9: merging at the start of the next stage, head.fc */
} SwinLayout;

const char *swin_layout_name (SwinLayout layout);

/* The architecture, inferred from tensor names and shapes. */
typedef struct {
  SwinLayout layout;
  /* 1: Swin Transformer; 2: Swin Transformer V2 (residual post-norm, scaled
   * cosine attention, a continuous position bias MLP, q and v biases only,
   * patch merging that reduces then normalises), recognised by its blocks'
   * attn.logit_scale. */
  int version;
  int in_chans;                       /* 3 */
  int patch_size;                     /* 4 */
  int embed_dim;                      /* C of stage 0 */
  int num_stages;
  int depths[SWIN_MAX_STAGES];
  int heads[SWIN_MAX_STAGES];
  int windows[SWIN_MAX_STAGES];       /* window M of each stage, from its (2M-1)^2 bias table
                                       * (V2: from its relative_coords_table, else __metadata__
                                       * window_size) */
  /* V2: the window of pretraining that the position bias MLP's coordinates
   * are normalised to (__metadata__ pretrained_window_size); 0: the stage's
   * own window.  A checkpoint's relative_coords_table, where it has one,
   * already holds the normalised coordinates and is used as it is. */
  int pretrained_windows[SWIN_MAX_STAGES];
  int mlp_hidden[SWIN_MAX_STAGES];    /* fc1 output features of each stage */
  int num_classes;
  gboolean ape;                       /* absolute position embedding present */
  int img_size;                       /* default (square) input resolution */
  int64_t num_params;                 /* number of parameters (all loaded tensors) */
} SwinArch;

/* Channels of stage @s: embed_dim << s. */
#define SWIN_ARCH_DIM(arch, s) ((arch)->embed_dim << (s))
/* Length of the pooled feature vector, the head's input (768 for Swin-T). */
#define SWIN_ARCH_NUM_FEATURES(arch) SWIN_ARCH_DIM (arch, (arch)->num_stages - 1)
/* Channels of the LayerNorm of the patch merging after stage @s: V1
 * normalises the 4C gather, V2 the 2C reduction. */
#define SWIN_ARCH_MERGE_NORM_DIM(arch, s) \
  (((arch)->version == 2 ? 2 : 4) * SWIN_ARCH_DIM (arch, s))

typedef struct _SwinModel SwinModel;

/* Loads a safetensors checkpoint (F32, F16 or BF16; converted to fp32 in host
 * memory).  The file is memory-mapped only during the call.  Returns NULL and
 * sets @error (SWIN_ERROR) naming the problem and the tensor on any bad input. */
SwinModel *swin_model_load (const char *path, GError **error);
void swin_model_free (SwinModel *model);
const SwinArch *swin_model_get_arch (const SwinModel *model);
/* The file's base name without extension; used as the model name in metadata. */
const char *swin_model_get_name (const SwinModel *model);

/* The input normalisation the checkpoint declares in its __metadata__:
 * "mean" and "std", each three comma-separated numbers (R, G, B, in units of
 * the [0, 1] pixel range; "[a, b, c]" is accepted too).  Returns FALSE when
 * the checkpoint declares none (the caller's defaults apply, e.g.
 * ImageNet's); the loader refuses a checkpoint that declares only one of
 * them or values outside swin_check_normalization()'s bounds. */
gboolean swin_model_get_normalization (const SwinModel *model, float mean[3], float std[3]);

/* Checks @mean and @std: finite, |mean| <= 1000 and 1e-4 <= std <= 1000
 * (outside that no 8-bit picture gives a usable input: a tiny std saturates
 * every activation and all scores come out equal).  SWIN_ERROR_INVALID_ARG
 * naming the channel otherwise. */
gboolean swin_check_normalization (const float mean[3], const float std[3], GError **error);

/* Parses @n comma-separated numbers ("0.5, 0.25,1", optionally in [] or ())
 * into @out.  FALSE if the count differs, a number is malformed or is not
 * finite as a float (1e39 is finite as a double only). */
gboolean swin_parse_floats (const char *text, float *out, int n);

/* Checks that @height x @width is a valid input resolution (a positive
 * multiple of patch_size << (num_stages - 1), and equal to the absolute
 * position embedding's grid when the model has one). */
gboolean swin_arch_check_size (const SwinArch *arch, int height, int width, GError **error);

/* Parameters for swin_model_init_random().  With @arch set ("swin_t",
 * "swin_s", "swin_b", "swin_l", or V2's "swin_v2_t", "swin_v2_s",
 * "swin_v2_b") the architecture fields and @version are ignored; with @arch
 * NULL they describe a custom (e.g. tiny test) architecture. */
typedef struct {
  const char *arch;
  int version;        /* 0 or 1: Swin; 2: Swin V2 (custom architectures) */
  int embed_dim;
  int num_stages;
  int depths[SWIN_MAX_STAGES];
  int heads[SWIN_MAX_STAGES];
  int window;         /* 0: 7 (V2: 8) */
  int num_classes;    /* 0: 1000 */
  int img_size;       /* 0: 224 for window 7, 384 for window 12, else 32 * window */
  SwinLayout layout;  /* key layout to write */
  guint64 seed;
  const float *mean;  /* NULL, or 3 values written as __metadata__ "mean" */
  const float *std;   /* NULL, or 3 values written as __metadata__ "std" */
} SwinInitParams;

/* Writes a randomly initialised F32 checkpoint (truncated normal std 0.02 for
 * weights and bias tables, zero biases, unit LayerNorm; V2: logit scales
 * log(10), as the sources initialise them) to @path, with __metadata__
 * {"arch", "img_size"} (V2: and "window_size") and, when given, "mean" and
 * "std".  V2 checkpoints in the torchvision and original layouts also carry
 * each block's relative_coords_table, as those sources' state dicts do. */
gboolean swin_model_init_random (const SwinInitParams *params, const char *path, GError **error);

/* ---- reports ---- */

typedef enum {
  SWIN_LOG_WARNING,
  SWIN_LOG_INFO,     /* choices: device, driver, memory, kernel variants */
  SWIN_LOG_DEBUG,    /* per plan and per call detail */
} SwinLogLevel;

/* Receives the core's reports of what it chose and why (the device and
 * driver, the kernel variant of each operation, the memory it allocated),
 * each through the context it concerns (SwinContextParams in
 * swin_vulkan.h).  It may be called from any thread that calls into the
 * core, so it must be thread-safe.  Errors are never logged: they are
 * returned as GErrors. */
typedef void (*SwinLogFunc) (SwinLogLevel level, const char *message, void *user_data);

/* ---- helpers ---- */

/* Reads the regular file @path into a new NUL-terminated buffer (g_free()
 * it) of *@length bytes.  Refuses with SWIN_ERROR_IO, naming @path, what
 * cannot be opened, what is not a regular file (a FIFO would block, a device
 * such as /dev/zero never ends) and files larger than @max_bytes. */
gboolean swin_file_get_contents (const char *path, gsize max_bytes, char **contents,
                                 gsize *length, GError **error);

/* Indices of the @k largest of @n values, descending (ties: lower index first). */
void swin_topk (const float *values, int n, int k, int *indices);
/* In-place softmax over @n values. */
void swin_softmax (float *values, int n);

G_END_DECLS
