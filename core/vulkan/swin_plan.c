/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The forward for one (batch, resolution): activation buffers allocated once
 * and the whole network recorded once into one command buffer. */
#include "swin_plan_private.h"
#include "swin_net_private.h"
#include "swin_op.h"

struct _SwinPlan {
  SwinNet *net;
  int B, H, W;
  SwinBuffer *input;    /* [B, Cin, H, W] */
  SwinBuffer *x;        /* residual stream [B, L, C] */
  SwinBuffer *y;        /* normalised / attention output / merge gather */
  SwinBuffer *big;      /* qkv [B, L, 3C] or MLP hidden [B, L, hidden] */
  SwinBuffer *pooled;   /* [B, C_last]: the features, the head's input */
  SwinBuffer *logits;   /* [B, classes] */
  SwinCmd *cmd;
};

/* Names the next dispatch for profiles (a comma expression inside && chains). */
#define LABEL(name, flops) swin_cmd_label (p->cmd, (name), (flops))

static SwinBinding
bind (SwinBuffer *buf, size_t floats)
{
  return (SwinBinding) { buf, 0, swin_align (floats * sizeof (float), 16), VK_FORMAT_UNDEFINED };
}

/* Records one Swin block on the residual stream x ([B, H*W, C]). */
static gboolean
record_block (SwinPlan *p, int s, int j, int H, int W, GError **error)
{
  SwinNet *net = p->net;
  SwinContext *ctx = net->ctx;
  const SwinArch *a = &net->arch;
  const SwinBlockSlices *w = &net->stages[s].blocks[j];
  const int C = SWIN_ARCH_DIM (a, s), hid = a->mlp_hidden[s], rows = p->B * H * W;
  SwinAttnGeom g;
  SwinBinding x = bind (p->x, (size_t) rows * C), y = bind (p->y, (size_t) rows * C);
  SwinBinding qkv = bind (p->big, (size_t) rows * 3 * C), hidden = bind (p->big, (size_t) rows * hid);
  SwinBinding n1w = swin_net_bind (net, w->norm1_w), n1b = swin_net_bind (net, w->norm1_b);
  SwinBinding qw = swin_net_bind (net, w->qkv_w), qb = swin_net_bind (net, w->qkv_b);
  SwinBinding qgb = swin_net_bind (net, w->qkv_gemm_b);
  SwinBinding pw = swin_net_bind (net, w->proj_w), pb = swin_net_bind (net, w->proj_b);
  SwinBinding tab = swin_net_bind (net, w->table);
  SwinBinding n2w = swin_net_bind (net, w->norm2_w), n2b = swin_net_bind (net, w->norm2_b);
  SwinBinding f1w = swin_net_bind (net, w->fc1_w), f1b = swin_net_bind (net, w->fc1_b);
  SwinBinding f2w = swin_net_bind (net, w->fc2_w), f2b = swin_net_bind (net, w->fc2_b);

  SwinGemmParams norm = SWIN_GEMM_PARAMS_DEFAULT, norm_gelu = SWIN_GEMM_PARAMS_DEFAULT;
  double gemm = 2.0 * rows * C, attn;  /* gemm: FLOPs per output column of a K = C GEMM */

  norm.norm_a = norm_gelu.norm_a = norm_gelu.gelu = TRUE;

  swin_attn_geometry (a, s, j, H, W, &g);
  attn = 4.0 * p->B * (g.Hp * g.Wp) * (g.ws * g.ws) * C;
  if (a->version == 2) {
    /* Residual post-norm, x = x + LN(proj(W-MSA(x))) and x = x + LN(MLP(x)):
     * the LayerNorm adds the residual in place. */
    SwinBinding t = bind (p->big, (size_t) rows * C);
    return (LABEL ("qkv", gemm * 3 * C), swin_op_gemm (p->cmd, ctx, &x, &qw, &qb, &qkv, rows, 3 * C, C, FALSE, FALSE, error)) &&
           (LABEL ("attention", attn), swin_op_attention (p->cmd, ctx, &qkv, &qb, &tab, &y, p->B, &g, a->heads[s], TRUE, error)) &&
           (LABEL ("proj", gemm * C), swin_op_gemm (p->cmd, ctx, &y, &pw, &pb, &t, rows, C, C, FALSE, FALSE, error)) &&
           (LABEL ("layernorm", 0), swin_op_layernorm (p->cmd, ctx, &t, &n1w, &n1b, &x, rows, C, 0, 0, &x, rows, error)) &&
           (LABEL ("fc1", gemm * hid), swin_op_gemm (p->cmd, ctx, &x, &f1w, &f1b, &hidden, rows, hid, C, TRUE, FALSE, error)) &&
           (LABEL ("fc2", gemm * hid), swin_op_gemm (p->cmd, ctx, &hidden, &f2w, &f2b, &y, rows, C, hid, FALSE, FALSE, error)) &&
           (LABEL ("layernorm", 0), swin_op_layernorm (p->cmd, ctx, &y, &n2w, &n2b, &x, rows, C, 0, 0, &x, rows, error));
  }
  if (!net->folded_norms)
    return (LABEL ("layernorm", 0), swin_op_layernorm (p->cmd, ctx, &x, &n1w, &n1b, &y, rows, C, 0, 0, NULL, 0, error)) &&
           (LABEL ("qkv", gemm * 3 * C), swin_op_gemm (p->cmd, ctx, &y, &qw, &qgb, &qkv, rows, 3 * C, C, FALSE, FALSE, error)) &&
           (LABEL ("attention", attn), swin_op_attention (p->cmd, ctx, &qkv, &qb, &tab, &y, p->B, &g, a->heads[s], FALSE, error)) &&
           (LABEL ("proj", gemm * C), swin_op_gemm (p->cmd, ctx, &y, &pw, &pb, &x, rows, C, C, FALSE, TRUE, error)) &&
           (LABEL ("layernorm", 0), swin_op_layernorm (p->cmd, ctx, &x, &n2w, &n2b, &y, rows, C, 0, 0, NULL, 0, error)) &&
           (LABEL ("fc1", gemm * hid), swin_op_gemm (p->cmd, ctx, &y, &f1w, &f1b, &hidden, rows, hid, C, TRUE, FALSE, error)) &&
           (LABEL ("fc2", gemm * hid), swin_op_gemm (p->cmd, ctx, &hidden, &f2w, &f2b, &x, rows, C, hid, FALSE, TRUE, error));
  /* the same with the LayerNorms inside qkv and fc1 (swin_net_private.h),
   * and on GPUs qkv inside the attention where the window's workgroup fits
   * (and the context does not ask for them apart) */
  if (!ctx->unfused_attention && swin_op_gemm_tiled (ctx) && swin_op_attention_qkv_fits (ctx, &g, a->heads[s])) {
    if (!(LABEL ("attention_qkv", gemm * 3 * C + attn),
          swin_op_attention_qkv (p->cmd, ctx, &x, &qw, &qgb, &qb, &tab, &y, p->B, &g, a->heads[s], FALSE, error)))
      return FALSE;
  } else if (!((LABEL ("qkv", gemm * 3 * C), swin_op_gemm_full (p->cmd, ctx, &x, &qw, &qgb, &qkv, rows, 3 * C, C, &norm, error)) &&
               (LABEL ("attention", attn), swin_op_attention (p->cmd, ctx, &qkv, &qb, &tab, &y, p->B, &g, a->heads[s], FALSE, error)))) {
    return FALSE;
  }
  return (LABEL ("proj", gemm * C), swin_op_gemm (p->cmd, ctx, &y, &pw, &pb, &x, rows, C, C, FALSE, TRUE, error)) &&
         (LABEL ("fc1", gemm * hid), swin_op_gemm_full (p->cmd, ctx, &x, &f1w, &f1b, &hidden, rows, hid, C, &norm_gelu, error)) &&
         (LABEL ("fc2", gemm * hid), swin_op_gemm (p->cmd, ctx, &hidden, &f2w, &f2b, &x, rows, C, hid, FALSE, TRUE, error));
}

/* Records stage @s's patch merging of the @H x @W map of @C channels on x. */
static gboolean
record_merge (SwinPlan *p, int s, int H, int W, int C, GError **error)
{
  SwinNet *net = p->net;
  SwinContext *ctx = net->ctx;
  const SwinStageSlices *ss = &net->stages[s];
  int rows = p->B * (H / 2) * (W / 2);
  double flops = 2.0 * rows * 4 * C * 2 * C;
  SwinBinding xin = bind (p->x, (size_t) p->B * H * W * C), x = bind (p->x, (size_t) rows * 2 * C);
  SwinBinding y = bind (p->y, (size_t) rows * 4 * C), t = bind (p->big, (size_t) rows * 2 * C);
  SwinBinding mw = swin_net_bind (net, ss->merge_norm_w), mb = swin_net_bind (net, ss->merge_norm_b);
  SwinBinding rw = swin_net_bind (net, ss->merge_w), rb = swin_net_bind (net, ss->merge_b);
  SwinGemmParams gather = SWIN_GEMM_PARAMS_DEFAULT;
  SwinBuffer *next;

  /* the reduction's GEMM reads the 2x2 gather where it lies */
  gather.gather_h = H;
  gather.gather_w = W;
  if (net->arch.version == 2)   /* gather, reduce, then normalise the 2C channels */
    return (LABEL ("merge", flops), swin_op_gemm_full (p->cmd, ctx, &xin, &rw, &rb, &t, rows, 2 * C, 4 * C, &gather, error)) &&
           (LABEL ("merge_norm", 0), swin_op_layernorm (p->cmd, ctx, &t, &mw, &mb, &x, rows, 2 * C, 0, 0, NULL, 0, error));
  if (!net->folded_norms)       /* the LayerNorm kernel's gather */
    return (LABEL ("merge_norm", 0), swin_op_layernorm (p->cmd, ctx, &xin, &mw, &mb, &y, rows, 4 * C, H, W, NULL, 0, error)) &&
           (LABEL ("merge", flops), swin_op_gemm (p->cmd, ctx, &y, &rw, &rb, &x, rows, 2 * C, 4 * C, FALSE, FALSE, error));
  /* gathered and normalised in the GEMM, which must not write the map it
   * reads: the next stage's stream goes to y, which becomes x */
  gather.norm_a = TRUE;
  y = bind (p->y, (size_t) rows * 2 * C);
  if (!(LABEL ("merge", flops), swin_op_gemm_full (p->cmd, ctx, &xin, &rw, &rb, &y, rows, 2 * C, 4 * C, &gather, error)))
    return FALSE;
  next = p->y;
  p->y = p->x;
  p->x = next;
  return TRUE;
}

static gboolean
record (SwinPlan *p, GError **error)
{
  SwinNet *net = p->net;
  SwinContext *ctx = net->ctx;
  const SwinArch *a = &net->arch;
  int H = p->H / a->patch_size, W = p->W / a->patch_size, C = a->embed_dim;
  SwinBinding in = bind (p->input, (size_t) p->B * a->in_chans * p->H * p->W);
  SwinBinding x = bind (p->x, (size_t) p->B * H * W * C), y = bind (p->y, (size_t) p->B * H * W * C);
  SwinBinding pw = swin_net_bind (net, net->patch_w), pb = swin_net_bind (net, net->patch_b);
  SwinBinding nw = swin_net_bind (net, net->patch_norm_w), nb = swin_net_bind (net, net->patch_norm_b);
  SwinBinding ape = swin_net_bind (net, net->abs_pos);
  const int kp = a->in_chans * a->patch_size * a->patch_size;
  SwinBinding cols = bind (p->big, (size_t) p->B * H * W * kp);

  /* The GEMM reads the patches where they lie when a patch row is whole
   * texels (Swin's 4 x 4); other sizes are copied out by im2col first. */
  SwinGemmParams patches = SWIN_GEMM_PARAMS_DEFAULT;

  if (a->patch_size % 4 == 0) {
    patches.patch = a->patch_size;
    patches.gather_h = p->H;
    patches.gather_w = p->W;
    cols = in;
  } else {
    LABEL ("im2col", 0);
    if (!swin_op_im2col (p->cmd, ctx, &in, &cols, p->B, a->in_chans, p->H, p->W, a->patch_size, error))
      return FALSE;
  }
  LABEL ("patch_embed", 2.0 * p->B * H * W * C * kp);
  if (!swin_op_gemm_full (p->cmd, ctx, &cols, &pw, &pb, &y, p->B * H * W, C, kp, &patches, error) ||
      !(LABEL ("layernorm", 0), swin_op_layernorm (p->cmd, ctx, &y, &nw, &nb, &x, p->B * H * W, C, 0, 0,
                         a->ape ? &ape : NULL, H * W, error)))
    return FALSE;

  for (int s = 0; s < a->num_stages; s++) {
    for (int j = 0; j < a->depths[s]; j++)
      if (!record_block (p, s, j, H, W, error))
        return FALSE;
    if (net->stages[s].merge_w.size) {
      if (!record_merge (p, s, H, W, C, error))
        return FALSE;
      H /= 2;
      W /= 2;
      C *= 2;
    }
  }

  {
    int rows = p->B * H * W;
    SwinBinding xf = bind (p->x, (size_t) rows * C);
    SwinBinding pooled = bind (p->pooled, (size_t) p->B * C), lo = bind (p->logits, (size_t) p->B * a->num_classes);
    SwinBinding fw = swin_net_bind (net, net->norm_w), fb = swin_net_bind (net, net->norm_b);
    SwinBinding hw = swin_net_bind (net, net->head_w), hb = swin_net_bind (net, net->head_b);
    /* the final LayerNorm inside the pooling */
    return (LABEL ("pool", 0), swin_op_avgpool_norm (p->cmd, ctx, &xf, &fw, &fb, &pooled, p->B, H * W, C, error)) &&
           (LABEL ("head", 2.0 * p->B * C * a->num_classes),
            swin_op_gemm (p->cmd, ctx, &pooled, &hw, &hb, &lo, p->B, a->num_classes, C, FALSE, FALSE, error)) &&
           swin_cmd_end (p->cmd, error);
  }
}

SwinPlan *
swin_plan_new (SwinNet *net, int batch, int height, int width, GError **error)
{
  return swin_plan_new_full (net, batch, height, width, FALSE, error);
}

SwinPlan *
swin_plan_new_full (SwinNet *net, int batch, int height, int width, gboolean profile, GError **error)
{
  const SwinArch *a = &net->arch;
  SwinPlan *p;
  size_t tokens, widest = 0, act;

  if (!swin_context_check_usable (net->ctx, error))
    return NULL;
  if (batch < 1) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_INVALID_ARG, "Batch must be at least 1 (got %d)", batch);
    return NULL;
  }
  if (!swin_arch_check_size (a, height, width, error))
    return NULL;
  if ((a->in_chans * a->patch_size * a->patch_size) % 4 != 0) {
    g_set_error (error, SWIN_ERROR, SWIN_ERROR_ARCH,
                 "The Vulkan forward needs in_chans * patch_size^2 to be a multiple of 4 (got %d)",
                 a->in_chans * a->patch_size * a->patch_size);
    return NULL;
  }

  p = g_new0 (SwinPlan, 1);
  p->net = net;
  p->B = batch;
  p->H = height;
  p->W = width;
  /* Stage 0 has the most activations: each merge quarters tokens and doubles channels. */
  tokens = (size_t) batch * (height / a->patch_size) * (width / a->patch_size);
  act = tokens * a->embed_dim;
  for (int s = 0; s < a->num_stages; s++)
    widest = MAX (widest, (tokens >> (2 * s)) * MAX (3 * SWIN_ARCH_DIM (a, s), a->mlp_hidden[s]));
  if (a->patch_size % 4 != 0)   /* im2col rows (record()) */
    widest = MAX (widest, tokens * a->in_chans * a->patch_size * a->patch_size);

  if (!(p->input = swin_buffer_new (net->ctx, (size_t) batch * a->in_chans * height * width * 4,
                                    SWIN_BUFFER_UPLOAD, "swin plan input", error)) ||
      !(p->x = swin_buffer_new (net->ctx, act * 4, SWIN_BUFFER_DEVICE, "swin plan residual", error)) ||
      !(p->y = swin_buffer_new (net->ctx, act * 4, SWIN_BUFFER_DEVICE, "swin plan activations", error)) ||
      !(p->big = swin_buffer_new (net->ctx, widest * 4, SWIN_BUFFER_DEVICE, "swin plan qkv/hidden",
                                  error)) ||
      /* Host-visible, as the logits, so that the features need no copy:
       * B * C floats, written by the pool and read once by the head. */
      !(p->pooled = swin_buffer_new (net->ctx, (size_t) batch * SWIN_ARCH_NUM_FEATURES (a) * 4,
                                     SWIN_BUFFER_READBACK, "swin plan features", error)) ||
      !(p->logits = swin_buffer_new (net->ctx, (size_t) batch * a->num_classes * 4,
                                     SWIN_BUFFER_READBACK, "swin plan logits", error)) ||
      !(p->cmd = swin_cmd_new_full (net->ctx, "swin forward", profile, error)) ||
      !record (p, error)) {
    swin_plan_free (p);
    return NULL;
  }
  swin_log (net->ctx, SWIN_LOG_INFO, "plan: batch %d at %dx%d, %.1f MiB of activations", batch, height, width,
            (p->input->size + p->x->size + p->y->size + p->big->size + p->pooled->size + p->logits->size) / 1048576.0);
  return p;
}

void
swin_plan_free (SwinPlan *p)
{
  SwinContext *ctx;

  if (!p)
    return;
  ctx = p->net->ctx;
  swin_cmd_free (p->cmd);
  swin_buffer_free (ctx, p->input);
  swin_buffer_free (ctx, p->x);
  swin_buffer_free (ctx, p->y);
  swin_buffer_free (ctx, p->big);
  swin_buffer_free (ctx, p->pooled);
  swin_buffer_free (ctx, p->logits);
  g_free (p);
}

float *
swin_plan_get_input (SwinPlan *p)
{
  return p->input->mapped;
}

SwinContext *
swin_plan_get_context (SwinPlan *p)
{
  return p->net->ctx;
}

void
swin_plan_get_shape (const SwinPlan *p, int *batch, int *height, int *width)
{
  *batch = p->B;
  *height = p->H;
  *width = p->W;
}

SwinBuffer *
swin_plan_get_input_buffer (SwinPlan *p)
{
  return p->input;
}

gboolean
swin_plan_run_after (SwinPlan *p, SwinCmd *pre, GError **error)
{
  SwinCmd *cmds[2] = { pre, p->cmd };
  int n = pre ? 2 : 1;

  return swin_cmd_submit_wait (p->net->ctx, pre ? cmds : &cmds[1], n, error) &&
         swin_buffer_invalidate (p->net->ctx, p->pooled, error) &&
         swin_buffer_invalidate (p->net->ctx, p->logits, error);
}

gboolean
swin_plan_run (SwinPlan *p, GError **error)
{
  return swin_plan_run_after (p, NULL, error);
}

const float *
swin_plan_get_logits (SwinPlan *p)
{
  return p->logits->mapped;
}

const float *
swin_plan_get_features (SwinPlan *p)
{
  return p->pooled->mapped;
}

gboolean
swin_plan_get_profile (SwinPlan *p, GArray *stats, GError **error)
{
  return swin_cmd_read_profile (p->cmd, stats, error);
}
