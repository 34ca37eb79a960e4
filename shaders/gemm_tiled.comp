#version 450
// SPDX-License-Identifier: LGPL-2.1-or-later
// The GEMM of gemm.comp for GPUs: T x T invocations (T = 16: 256) compute a
// 4T x 4T output tile staged through shared memory T values of K at a time;
// each invocation computes a 4 x 4 block from vec4 shared loads.  Same bindings, packing and epilogue
// as gemm.comp; on lavapipe shared memory buys nothing, so it uses gemm.comp.
// GATHER, PATCHES and NORM_A: gemm_common.glsl; the row moments are summed by the
// loaders, which fetch every texel of A once.
// Built twice (shaders/meson.build): with SWIN_F16 (gemm_tiled_f16, for fp16
// weights on a device with shaderFloat16) the tiles are held in fp16 and
// every CHUNK products are summed in fp16 before each add to the fp32
// accumulators; the moments and the epilogue stay fp32.
#extension GL_GOOGLE_include_directive : require
#ifdef SWIN_F16
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define VAL f16vec4
#else
#define VAL vec4
#endif
#include "common.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;  // swin_op_variants.c
#include "grid.glsl"   // after the workgroup size it reads
layout(constant_id = 5) const bool VEC_OUT = true;  // N % 4 == 0: vec4 stores
layout(constant_id = 6) const bool NORM_A = false;  // A's rows LayerNorm-normalised
layout(constant_id = 7) const bool GATHER = false;  // A's rows the patch-merging gather
layout(constant_id = 8) const bool PATCHES = false;  // A's rows the patch embedding's patches

layout(binding = 0) uniform textureBuffer A;
layout(binding = 1) uniform textureBuffer W;
layout(binding = 2) readonly buffer Bias { vec4 bias[]; };
layout(binding = 3) buffer Out { float outv[]; };
layout(binding = 4) buffer Out4 { vec4 outv4[]; };

#include "gemm_push.h"
#include "gemm_common.glsl"

// The loader roles below need T * T == 4 * BM and BN4 == BK == T.
const int T = int(gl_WorkGroupSize.x);
const int BM = 4 * T, BN4 = T, BK = T;
// fp16: products summed in fp16 this many at a time before each add to the
// fp32 accumulators, which balances the rounding of the partial sums
// against the conversions each add costs.
const int CHUNK = 8;
shared VAL As[BK][BM / 4];    // As[k][m4]: A transposed, 4 rows per vec4
shared VAL Ws[BK][BN4];       // Ws[k][n4]: 4 columns per vec4
shared vec2 Moments[4 * BM];  // NORM_A: each loader's share of its row's moments

// The 4 x 4 block's products of one k: rows av, columns wv.
void tile_fma (inout VAL acc[4], VAL av, VAL wv)
{
  acc[0] += av.x * wv;
  acc[1] += av.y * wv;
  acc[2] += av.z * wv;
  acc[3] += av.w * wv;
}

void main ()
{
  int tx = int(gl_LocalInvocationID.x), ty = int(gl_LocalInvocationID.y);
  int tid = ty * T + tx;
  int m0 = int(swin_group_yz ()) * BM, n40 = int(gl_WorkGroupID.x) * BN4;
  int N4 = (p.N + 3) / 4, K4 = p.K / 4;

  // Loader roles: A tile BM rows x 4 vec4 along K; W tile BK k x BN4 vec4.
  int a_row = tid / 4, a_k4 = tid % 4;
  int a_m = min(m0 + a_row, p.M - 1), K4P = K4 / a_parts();
  int w_k = tid / BN4, w_n4 = min(n40 + tid % BN4, N4 - 1);

  vec4 acc[4];
  vec2 moments = vec2(0.0);
  for (int i = 0; i < 4; i++)
    acc[i] = vec4(0.0);

  for (int k0 = 0; k0 < p.K; k0 += BK) {
    int ka = k0 / 4 + a_k4;
    vec4 a32 = ka < K4 ? texelFetch(A, a_part_base(a_m, ka / K4P, K4P) + ka % K4P) : vec4(0.0);
    if (NORM_A)
      moments += row_moments(a32);
    VAL a = VAL(a32);
    // scatter the 4 K values of this row into the transposed tile
    As[4 * a_k4 + 0][a_row / 4][a_row % 4] = a.x;
    As[4 * a_k4 + 1][a_row / 4][a_row % 4] = a.y;
    As[4 * a_k4 + 2][a_row / 4][a_row % 4] = a.z;
    As[4 * a_k4 + 3][a_row / 4][a_row % 4] = a.w;
    int kw = k0 + w_k;
    Ws[w_k][tid % BN4] = VAL(kw < p.K ? texelFetch(W, kw * N4 + w_n4) : vec4(0.0));
    barrier();
#ifdef SWIN_F16
    for (int k1 = 0; k1 < BK; k1 += CHUNK) {
      VAL part[4] = { VAL(0.0), VAL(0.0), VAL(0.0), VAL(0.0) };
      for (int kk = k1; kk < k1 + CHUNK; kk++)
        tile_fma(part, As[kk][ty], Ws[kk][tx]);
      for (int i = 0; i < 4; i++)
        acc[i] += vec4(part[i]);
    }
#else
    for (int kk = 0; kk < BK; kk++)
      tile_fma(acc, As[kk][ty], Ws[kk][tx]);
#endif
    barrier();
  }

  if (NORM_A) {
    Moments[tid] = moments;
    barrier();
  }
  int n4 = n40 + tx;
  if (n4 >= N4)
    return;
  for (int i = 0; i < 4; i++) {
    int m = m0 + 4 * ty + i;
    if (m >= p.M)
      break;
    vec2 norm = vec2(0.0, 1.0);
    if (NORM_A) {
      int l = 4 * (4 * ty + i);   // the row's four loaders (a_row = tid / 4)
      norm = row_norm(Moments[l] + Moments[l + 1] + Moments[l + 2] + Moments[l + 3]);
    }
    store_out(m, n4, acc[i], bias[n4], NORM_A ? bias[N4 + n4] : vec4(0.0), norm);
  }
}
