/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The GEMM's weight operand layout: Linear weights packed as vec4 texels along
 * the output columns, in fp32 or fp16. */
#include "swin_pack.h"

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

