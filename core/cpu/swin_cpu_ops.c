/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CPU reference kernels: plain loops, fp32 data, double where it costs nothing. */
#include "swin_cpu_ops.h"
#include "swin_layernorm_eps.h"

#include <math.h>
#include <string.h>

void
swin_cpu_linear (const float *x, int M, int K, const float *w, const float *b, int N, float *out)
{
  /* Row by row with W transposed, so the inner loop runs over contiguous outputs. */
  float *wt = g_new (float, (size_t) K * N);

  for (int n = 0; n < N; n++)
    for (int k = 0; k < K; k++)
      wt[(size_t) k * N + n] = w[(size_t) n * K + k];
  for (int m = 0; m < M; m++) {
    float *o = out + (size_t) m * N;
    const float *xr = x + (size_t) m * K;
    for (int n = 0; n < N; n++)
      o[n] = b ? b[n] : 0.0f;
    for (int k = 0; k < K; k++) {
      const float a = xr[k], *wr = wt + (size_t) k * N;
      for (int n = 0; n < N; n++)
        o[n] += a * wr[n];
    }
  }
  g_free (wt);
}

void
swin_cpu_gelu (float *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    x[i] = 0.5f * x[i] * (1.0f + erff (x[i] * (float) M_SQRT1_2));
}

void
swin_cpu_layernorm (const float *x, int rows, int C, const float *gamma, const float *beta, float *out)
{
  for (int r = 0; r < rows; r++) {
    const float *xr = x + (size_t) r * C;
    double mean = 0, var = 0;
    for (int c = 0; c < C; c++)
      mean += xr[c];
    mean /= C;
    for (int c = 0; c < C; c++)
      var += (xr[c] - mean) * (xr[c] - mean);
    var /= C;
    for (int c = 0; c < C; c++)
      out[(size_t) r * C + c] = (float) ((xr[c] - mean) / sqrt (var + SWIN_LAYERNORM_EPS)) * gamma[c] + beta[c];
  }
}

void
swin_cpu_merge_gather (const float *x, int B, int H, int W, int C, float *out)
{
  static const int dy[4] = { 0, 1, 0, 1 }, dx[4] = { 0, 0, 1, 1 };

  for (int b = 0; b < B; b++)
    for (int i = 0; i < H / 2; i++)
      for (int j = 0; j < W / 2; j++)
        for (int part = 0; part < 4; part++) {
          const float *src = x + (((size_t) b * H + 2 * i + dy[part]) * W + 2 * j + dx[part]) * C;
          float *dst = out + (((size_t) b * (H / 2) + i) * (W / 2) + j) * 4 * C + part * C;
          memcpy (dst, src, C * sizeof (float));
        }
}

void
swin_cpu_patch_embed (const float *img, int B, int Cin, int H, int W, int P,
                      const float *w, const float *b, int C, float *out)
{
  int Ht = H / P, Wt = W / P;

  for (int n = 0; n < B; n++)
    for (int ty = 0; ty < Ht; ty++)
      for (int tx = 0; tx < Wt; tx++)
        for (int c = 0; c < C; c++) {
          double acc = b[c];
          for (int ci = 0; ci < Cin; ci++)
            for (int ky = 0; ky < P; ky++)
              for (int kx = 0; kx < P; kx++)
                acc += (double) w[((c * Cin + ci) * P + ky) * P + kx] *
                       img[(((size_t) n * Cin + ci) * H + ty * P + ky) * W + tx * P + kx];
          out[(((size_t) n * Ht + ty) * Wt + tx) * C + c] = (float) acc;
        }
}

/* Region label of a rolled coordinate, as the reference builds its mask from slices. */
static int
mask_region (int s, int size, int ws, int shift)
{
  if (shift == 0)
    return 0;
  return s < size - ws ? 0 : (s < size - shift ? 1 : 2);
}

/* PyTorch's F.normalize: x / max(|x|, 1e-12), in place over @n values. */
static void
l2_normalize (float *x, int n)
{
  double ss = 0;

  for (int d = 0; d < n; d++)
    ss += (double) x[d] * x[d];
  ss = MAX (sqrt (ss), 1e-12);
  for (int d = 0; d < n; d++)
    x[d] = (float) (x[d] / ss);
}

void
swin_cpu_window_msa (const float *y, int B, const SwinAttnGeom *g, int heads,
                     const float *qkv_w, const float *qkv_b, const float *table,
                     const float *cosine_scale, float *out)
{
  const int C = g->C, ws = g->ws, n = ws * ws, hd = C / heads, tw = 2 * g->M - 1;
  const int nwh = g->Hp / ws, nww = g->Wp / ws;
  const float scale = 1.0f / sqrtf ((float) hd);
  float *rolled = g_new0 (float, (size_t) g->Hp * g->Wp * C);
  float *win = g_new (float, (size_t) n * C);
  float *qkv = g_new (float, (size_t) n * 3 * C);
  float *attn = g_new (float, (size_t) n * n);
  float *res = g_new (float, (size_t) n * C);
  float *merged = g_new (float, (size_t) g->Hp * g->Wp * C);

  for (int b = 0; b < B; b++) {
    const float *yb = y + (size_t) b * g->H * g->W * C;

    /* pad with zeros, then roll by -shift: rolled[s] = padded[(s + shift) % size] */
    for (int sy = 0; sy < g->Hp; sy++)
      for (int sx = 0; sx < g->Wp; sx++) {
        int py = (sy + g->shift_h) % g->Hp, px = (sx + g->shift_w) % g->Wp;
        float *dst = rolled + ((size_t) sy * g->Wp + sx) * C;
        if (py < g->H && px < g->W)
          memcpy (dst, yb + ((size_t) py * g->W + px) * C, C * sizeof (float));
        else
          memset (dst, 0, C * sizeof (float));
      }

    for (int wy = 0; wy < nwh; wy++)
      for (int wx = 0; wx < nww; wx++) {
        for (int i = 0; i < n; i++)
          memcpy (win + (size_t) i * C,
                  rolled + ((size_t) (wy * ws + i / ws) * g->Wp + wx * ws + i % ws) * C, C * sizeof (float));
        swin_cpu_linear (win, n, C, qkv_w, qkv_b, 3 * C, qkv);
        if (cosine_scale != NULL)
          for (int i = 0; i < n; i++)
            for (int h = 0; h < heads; h++) {
              l2_normalize (qkv + (size_t) i * 3 * C + h * hd, hd);
              l2_normalize (qkv + (size_t) i * 3 * C + C + h * hd, hd);
            }

        for (int h = 0; h < heads; h++) {
          const float qscale = cosine_scale != NULL ? cosine_scale[h] : scale;
          for (int i = 0; i < n; i++) {
            double mx = -INFINITY, sum = 0;
            int ri = mask_region (wy * ws + i / ws, g->Hp, ws, g->shift_h) * 3 +
                     mask_region (wx * ws + i % ws, g->Wp, ws, g->shift_w);
            for (int j = 0; j < n; j++) {
              const float *q = qkv + (size_t) i * 3 * C + h * hd;
              const float *k = qkv + (size_t) j * 3 * C + C + h * hd;
              int rj = mask_region (wy * ws + j / ws, g->Hp, ws, g->shift_h) * 3 +
                       mask_region (wx * ws + j % ws, g->Wp, ws, g->shift_w);
              int dy = i / ws - j / ws + g->M - 1, dx = i % ws - j % ws + g->M - 1;
              double s = 0;
              for (int d = 0; d < hd; d++)
                s += (double) (q[d] * qscale) * k[d];
              s += table[(dy * tw + dx) * heads + h];
              if (ri != rj)
                s -= 100.0;
              attn[i * n + j] = (float) s;
              mx = MAX (mx, s);
            }
            for (int j = 0; j < n; j++) {
              attn[i * n + j] = (float) exp (attn[i * n + j] - mx);
              sum += attn[i * n + j];
            }
            for (int j = 0; j < n; j++)
              attn[i * n + j] = (float) (attn[i * n + j] / sum);
          }
          for (int i = 0; i < n; i++)
            for (int d = 0; d < hd; d++) {
              double acc = 0;
              for (int j = 0; j < n; j++)
                acc += (double) attn[i * n + j] * qkv[(size_t) j * 3 * C + 2 * C + h * hd + d];
              res[(size_t) i * C + h * hd + d] = (float) acc;
            }
        }
        for (int i = 0; i < n; i++)
          memcpy (merged + ((size_t) (wy * ws + i / ws) * g->Wp + wx * ws + i % ws) * C,
                  res + (size_t) i * C, C * sizeof (float));
      }

    /* roll back by +shift and crop the padding */
    for (int py = 0; py < g->H; py++)
      for (int px = 0; px < g->W; px++) {
        int sy = (py - g->shift_h + g->Hp) % g->Hp, sx = (px - g->shift_w + g->Wp) % g->Wp;
        memcpy (out + ((size_t) b * g->H * g->W + (size_t) py * g->W + px) * C,
                merged + ((size_t) sy * g->Wp + sx) * C, C * sizeof (float));
      }
  }
  g_free (rolled);
  g_free (win);
  g_free (qkv);
  g_free (attn);
  g_free (res);
  g_free (merged);
}

void
swin_cpu_avgpool (const float *x, int B, int L, int C, float *out)
{
  for (int b = 0; b < B; b++)
    for (int c = 0; c < C; c++) {
      double s = 0;
      for (int t = 0; t < L; t++)
        s += x[((size_t) b * L + t) * C + c];
      out[b * C + c] = (float) (s / L);
    }
}
