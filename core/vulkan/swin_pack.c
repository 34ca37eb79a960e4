/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The GEMM's weight operand layout: Linear weights packed as vec4 texels along
 * the output columns, in fp32 or fp16. */
#include "swin_pack.h"

#include <math.h>
#include <string.h>

size_t
swin_packed_bias_size (int N)
{
  return (size_t) (N + 3) / 4 * 4;
}

size_t
swin_packed_linear_size (int N, int K)
{
  return (size_t) K * swin_packed_bias_size (N);
}

void
swin_pack_linear (const float *w, int N, int K, float *dst)
{
  size_t N4 = swin_packed_bias_size (N);

  memset (dst, 0, swin_packed_linear_size (N, K) * sizeof (float));
  for (int n = 0; n < N; n++)
    for (int k = 0; k < K; k++)
      dst[(size_t) k * N4 + n] = w[(size_t) n * K + k];
}

/* float32 -> float16, round to nearest even; overflow to infinity. */
static guint16
f32_to_f16 (float f)
{
  guint32 x;
  guint32 sign, mant;
  int exp;

  memcpy (&x, &f, 4);
  sign = (x >> 16) & 0x8000;
  exp = (int) ((x >> 23) & 0xff) - 127 + 15;
  mant = x & 0x7fffff;
  if (((x >> 23) & 0xff) == 0xff)                   /* inf, nan */
    return sign | 0x7c00 | (mant ? 0x200 : 0);
  if (exp >= 31)
    return sign | 0x7c00;
  if (exp <= 0) {                                   /* subnormal or zero */
    guint32 shift;
    if (exp < -10)
      return sign;
    mant |= 0x800000;
    shift = 14 - exp;
    {
      guint32 h = mant >> shift, rest = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
      if (rest > half || (rest == half && (h & 1)))
        h++;
      return sign | h;
    }
  }
  {
    guint32 h = sign | (exp << 10) | (mant >> 13), rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
      h++;                                            /* may carry into the exponent: correct */
    return h;
  }
}

void
swin_pack_linear_f16 (const float *w, int N, int K, guint16 *dst)
{
  size_t n = swin_packed_linear_size (N, K);
  float *tmp = g_new (float, n);

  swin_pack_linear (w, N, K, tmp);
  for (size_t i = 0; i < n; i++)
    dst[i] = f32_to_f16 (tmp[i]);
  g_free (tmp);
}


/* float16 -> float32, exact. */
static float
f16_to_f32 (guint16 h)
{
  int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v = exp == 0 ? ldexpf ((float) mant, -24)                      /* subnormal, zero */
          : exp == 31 ? (mant ? NAN : INFINITY)
          : ldexpf ((float) (mant | 0x400), exp - 25);
  return h & 0x8000 ? -v : v;
}

void
swin_pack_fold_layernorm (const float *w, const float *b, int N, int K, const float *gamma,
                          const float *beta, gboolean half, float *w_out, float *bias_out)
{
  size_t N4 = swin_packed_bias_size (N);

  memset (bias_out, 0, 2 * N4 * sizeof (float));
  for (int n = 0; n < N; n++) {
    const float *wn = w + (size_t) n * K;
    float *on = w_out + (size_t) n * K;
    double shift = b ? b[n] : 0.0, sum = 0.0;

    for (int k = 0; k < K; k++) {
      on[k] = wn[k] * gamma[k];
      shift += (double) wn[k] * beta[k];
      sum += half ? f16_to_f32 (f32_to_f16 (on[k])) : on[k];
    }
    bias_out[n] = (float) shift;
    bias_out[N4 + n] = (float) sum;
  }
}
