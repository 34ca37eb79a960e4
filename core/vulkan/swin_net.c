/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Packing a model's weights into one device buffer, each tensor in the layout
 * its kernel reads (Linear weights transposed and column-padded for the GEMM). */
#include "swin_net_private.h"
#include "swin_introspect.h"
#include "swin_pack.h"
#include "swin_op.h"
#include "swin_model_private.h"

#include <string.h>

/* Offsets satisfy every device's storage and texel buffer alignment. */
#define SLICE_ALIGN 256

typedef struct {
  guint8 *host;          /* NULL while sizing, the staging image while filling */
  VkDeviceSize used;
  gboolean half;         /* Linear weights in fp16 */
} Packer;

typedef enum { RAW, LINEAR, BIAS } PackKind;

/* Reserves (and when filling, writes) one tensor; @n: elements for RAW/BIAS,
 * @N x @K for LINEAR; @src NULL means zeros. */
static SwinSlice
put (Packer *p, PackKind kind, const float *src, size_t n, int N, int K)
{
  size_t floats = kind == LINEAR ? swin_packed_linear_size (N, K)
                : kind == BIAS ? swin_packed_bias_size (n) : n;
  gboolean half = kind == LINEAR && p->half;
  SwinSlice s = { swin_align (p->used, SLICE_ALIGN), floats * (half ? 2 : 4), VK_FORMAT_UNDEFINED };

  if (kind == LINEAR)
    s.format = half ? VK_FORMAT_R16G16B16A16_SFLOAT : VK_FORMAT_R32G32B32A32_SFLOAT;
  if (p->host) {
    guint8 *dst = p->host + s.offset;
    if (half) {
      swin_pack_linear_f16 (src, N, K, (guint16 *) dst);
    } else if (kind == LINEAR) {
      swin_pack_linear (src, N, K, (float *) dst);
    } else {
      memset (dst, 0, s.size);
      if (src)
        memcpy (dst, src, n * sizeof (float));
    }
  }
  p->used = s.offset + s.size;
  return s;
}

/* A block's bias table of @n values; V2's cosine attention reads its
 * @heads scales right after it (swin_op_attention()). */
static SwinSlice
put_table (Packer *p, const SwinBlockWeights *w, size_t n, int heads)
{
  SwinSlice s;
  float *both;

  if (w->attn_scale == NULL)
    return put (p, RAW, w->rpb_table, n, 0, 0);
  both = p->host != NULL ? g_new (float, n + heads) : NULL;
  if (both != NULL) {
    memcpy (both, w->rpb_table, n * sizeof (float));
    memcpy (both + n, w->attn_scale, heads * sizeof (float));
  }
  s = put (p, RAW, both, n + heads, 0, 0);
  g_free (both);
  return s;
}

/* A Linear after a LayerNorm, the LayerNorm folded in: the weights into
 * @w_slice, the bias and column sums into @b_slice. */
static void
put_folded (Packer *p, const float *w, const float *b, int N, int K, const float *gamma, const float *beta,
            SwinSlice *w_slice, SwinSlice *b_slice)
{
  size_t n_bias = 2 * swin_packed_bias_size (N);
  float *folded = NULL, *bias = NULL;

  if (p->host) {
    folded = g_new (float, (size_t) N * K);
    bias = g_new (float, n_bias);
    swin_pack_fold_layernorm (w, b, N, K, gamma, beta, p->half, folded, bias);
  }
  *w_slice = put (p, LINEAR, folded, 0, N, K);
  *b_slice = put (p, RAW, bias, n_bias, 0, 0);
  g_free (folded);
  g_free (bias);
}

static void
pack_all (Packer *p, SwinNet *net, const SwinModel *m)
{
  const SwinArch *a = &m->arch;
  gboolean fold = net->folded_norms;
  int C0 = a->embed_dim, L0 = (a->img_size / a->patch_size) * (a->img_size / a->patch_size);

  p->used = 0;
  /* the conv weight [C, Cin, P, P] is a Linear [C, Cin * P * P] over im2col rows */
  net->patch_w = put (p, LINEAR, m->patch_w, 0, C0, a->in_chans * a->patch_size * a->patch_size);
  net->patch_b = put (p, BIAS, m->patch_b, C0, 0, 0);
  net->patch_norm_w = put (p, RAW, m->patch_norm_w, C0, 0, 0);
  net->patch_norm_b = put (p, RAW, m->patch_norm_b, C0, 0, 0);
  if (m->abs_pos)
    net->abs_pos = put (p, RAW, m->abs_pos, (size_t) L0 * C0, 0, 0);

  for (int s = 0; s < a->num_stages; s++) {
    const SwinStageWeights *sw = &m->stages[s];
    SwinStageSlices *ss = &net->stages[s];
    int C = SWIN_ARCH_DIM (a, s), hid = a->mlp_hidden[s], M = a->windows[s];

    for (int j = 0; j < a->depths[s]; j++) {
      const SwinBlockWeights *w = &sw->blocks[j];
      SwinBlockSlices *b = &ss->blocks[j];
      b->qkv_b = put (p, BIAS, w->qkv_b, 3 * C, 0, 0);
      if (fold) {
        put_folded (p, w->qkv_w, w->qkv_b, 3 * C, C, w->norm1_w, w->norm1_b, &b->qkv_w, &b->qkv_gemm_b);
      } else {
        b->norm1_w = put (p, RAW, w->norm1_w, C, 0, 0);
        b->norm1_b = put (p, RAW, w->norm1_b, C, 0, 0);
        b->qkv_w = put (p, LINEAR, w->qkv_w, 0, 3 * C, C);
        b->qkv_gemm_b = b->qkv_b;
      }
      b->proj_w = put (p, LINEAR, w->proj_w, 0, C, C);
      b->proj_b = put (p, BIAS, w->proj_b, C, 0, 0);
      b->table = put_table (p, w, (size_t) (2 * M - 1) * (2 * M - 1) * a->heads[s], a->heads[s]);
      if (fold) {
        put_folded (p, w->fc1_w, w->fc1_b, hid, C, w->norm2_w, w->norm2_b, &b->fc1_w, &b->fc1_b);
      } else {
        b->norm2_w = put (p, RAW, w->norm2_w, C, 0, 0);
        b->norm2_b = put (p, RAW, w->norm2_b, C, 0, 0);
        b->fc1_w = put (p, LINEAR, w->fc1_w, 0, hid, C);
        b->fc1_b = put (p, BIAS, w->fc1_b, hid, 0, 0);
      }
      b->fc2_w = put (p, LINEAR, w->fc2_w, 0, C, hid);
      b->fc2_b = put (p, BIAS, w->fc2_b, C, 0, 0);
    }
    if (sw->merge_reduction_w && fold) {
      put_folded (p, sw->merge_reduction_w, NULL, 2 * C, 4 * C, sw->merge_norm_w, sw->merge_norm_b,
                  &ss->merge_w, &ss->merge_b);
    } else if (sw->merge_reduction_w) {
      int norm_c = SWIN_ARCH_MERGE_NORM_DIM (a, s);

      ss->merge_norm_w = put (p, RAW, sw->merge_norm_w, norm_c, 0, 0);
      ss->merge_norm_b = put (p, RAW, sw->merge_norm_b, norm_c, 0, 0);
      ss->merge_w = put (p, LINEAR, sw->merge_reduction_w, 0, 2 * C, 4 * C);
      ss->merge_b = put (p, BIAS, NULL, 2 * C, 0, 0);   /* none: zeros */
    }
  }
  {
    int C = SWIN_ARCH_DIM (a, a->num_stages - 1);
    net->norm_w = put (p, RAW, m->norm_w, C, 0, 0);
    net->norm_b = put (p, RAW, m->norm_b, C, 0, 0);
    net->head_w = put (p, LINEAR, m->head_w, 0, a->num_classes, C);
    net->head_b = put (p, BIAS, m->head_b, a->num_classes, 0, 0);
  }
}

const char *
swin_precision_name (SwinPrecision precision)
{
  return precision == SWIN_PRECISION_FP16 ? "fp16" : "fp32";
}

SwinNet *
swin_net_new (SwinContext *ctx, const SwinModel *model, GError **error)
{
  return swin_net_new_full (ctx, model, SWIN_PRECISION_FP32, error);
}

SwinNet *
swin_net_new_full (SwinContext *ctx, const SwinModel *model, SwinPrecision precision, GError **error)
{
  SwinNet *net;
  Packer p = { NULL, 0, precision == SWIN_PRECISION_FP16 };
  gboolean ok;

  if (!swin_context_check_usable (ctx, error))
    return NULL;
  if (precision == SWIN_PRECISION_FP16 && !ctx->fp16_texels) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_NO_DEVICE,
                 "Vulkan device \"%s\" cannot read fp16 weights (no R16G16B16A16_SFLOAT uniform texel "
                 "buffers): use fp32", ctx->device_name);
    return NULL;
  }
  net = g_new0 (SwinNet, 1);
  net->ctx = ctx;
  net->arch = model->arch;
  net->precision = precision;
  /* V1 normalises before its GEMMs (V2 after) */
  net->folded_norms = model->arch.version == 1 && swin_op_gemm_normalises (ctx);
  for (int s = 0; s < net->arch.num_stages; s++)
    net->stages[s].blocks = g_new0 (SwinBlockSlices, net->arch.depths[s]);

  pack_all (&p, net, model);            /* sizing pass */
  p.host = g_try_malloc (p.used);
  if (!p.host) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_OUT_OF_MEMORY,
                 "Out of host memory packing %" G_GUINT64_FORMAT " bytes of weights", (guint64) p.used);
    goto error;
  }
  pack_all (&p, net, model);            /* filling pass */
  net->weights = swin_buffer_new (ctx, p.used, SWIN_BUFFER_DEVICE, "swin weights", error);
  ok = net->weights && swin_buffer_upload (ctx, net->weights, 0, p.host, p.used, error);
  g_free (p.host);
  if (!ok)
    goto error;
  swin_log (ctx, SWIN_LOG_INFO, "weights: %" G_GINT64_FORMAT " parameters, %.1f MiB on \"%s\" (%s Linear "
            "weights)", net->arch.num_params, p.used / 1048576.0, ctx->device_name,
            swin_precision_name (precision));
  return net;

error:
  swin_net_free (net);
  return NULL;
}

void
swin_net_free (SwinNet *net)
{
  if (!net)
    return;
  swin_buffer_free (net->ctx, net->weights);
  for (int s = 0; s < net->arch.num_stages; s++)
    g_free (net->stages[s].blocks);
  g_free (net);
}

SwinPrecision
swin_net_get_precision (const SwinNet *net)
{
  return net->precision;
}

const SwinArch *
swin_net_get_arch (const SwinNet *net)
{
  return &net->arch;
}
