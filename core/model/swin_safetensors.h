/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A validating reader of safetensors files: an 8-byte little-endian header
 * length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__":
 * {string: string}}, then the tensor bytes. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define SWIN_ST_MAX_DIMS 8

/* Headers larger than this are refused as corrupt (the reference
 * implementation uses the same bound). */
#define SWIN_ST_MAX_HEADER_SIZE (100u * 1024u * 1024u)

typedef enum {
  SWIN_DTYPE_F32,
  SWIN_DTYPE_F16,
  SWIN_DTYPE_BF16,
  /* A dtype of the safetensors format that the model cannot use (I64...):
   * accepted in the file, refused only by swin_safetensors_to_f32(). */
  SWIN_DTYPE_UNSUPPORTED,
} SwinDType;

typedef struct {
  const char *name;        /* owned by the file */
  const char *dtype_name;  /* as written in the header, owned by the file */
  SwinDType dtype;
  int ndim;
  int64_t shape[SWIN_ST_MAX_DIMS];
  int64_t numel;           /* product of shape (1 for a scalar) */
  const guint8 *data;      /* inside the mapping, not aligned */
  gsize nbytes;
} SwinTensorInfo;

typedef struct _SwinSafetensors SwinSafetensors;

/* Maps @path and validates the whole header against the file: on any
 * problem returns NULL with SWIN_ERROR_IO (cannot open), SWIN_ERROR_FORMAT
 * (corrupt file) or SWIN_ERROR_TENSOR (a bad entry, named). */
SwinSafetensors *swin_safetensors_open (const char *path, GError **error);
/* The same for a file already in memory (@name prefixes the messages);
 * keeps a reference to @bytes, into which the tensors point. */
SwinSafetensors *swin_safetensors_new_from_bytes (GBytes *bytes, const char *name, GError **error);
void swin_safetensors_free (SwinSafetensors *st);

/* The tensor called @name, or NULL. */
const SwinTensorInfo *swin_safetensors_lookup (const SwinSafetensors *st, const char *name);
/* All tensors, in data-offset order. */
guint swin_safetensors_get_n_tensors (const SwinSafetensors *st);
const SwinTensorInfo *swin_safetensors_get_tensor (const SwinSafetensors *st, guint index);
/* A "__metadata__" value, or NULL. */
const char *swin_safetensors_get_metadata (const SwinSafetensors *st, const char *key);

/* A new fp32 copy of @tensor (g_free), converting F16 and BF16 exactly.
 * SWIN_ERROR_TENSOR for another dtype, SWIN_ERROR_OUT_OF_MEMORY. */
float *swin_safetensors_to_f32 (const SwinTensorInfo *tensor, GError **error);

/* IEEE half and bfloat16 bit patterns to float, exact (subnormals, infinities
 * and NaN included). */
float swin_f16_to_f32 (guint16 bits);
float swin_bf16_to_f32 (guint16 bits);

G_END_DECLS
