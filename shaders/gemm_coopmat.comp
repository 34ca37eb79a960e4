#version 450
// SPDX-License-Identifier: LGPL-2.1-or-later
// The GEMM of gemm.comp on tensor cores (GL_NV_cooperative_matrix): fp16 A
// and W, fp32 sums.  A workgroup of 2 x 2 subgroups computes a 64 x 64 output
// tile, each subgroup a 32 x 32 block of LM x LN cooperative matrices.  K
// advances 32 at a time: the workgroup converts the A tile (fp32 texels; the
// GATHER rows read in place) and the W tile (fp32 or fp16 texels) to fp16 in
// shared memory, row-major with padded rows, and each subgroup loads its
// matrices from there.  The sums go through shared memory once more so that
// the epilogue (gemm_common.glsl's store_out) is ordinary per-invocation
// code.  With NORM_A each loader sums the moments of the texels it fetches,
// always the same slots of the tile, which the epilogue adds up per row.
// Same bindings, packing and push constants as gemm.comp.
#extension GL_GOOGLE_include_directive : require
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#include "common.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;  // 4 subgroups (swin_op_variants.c)
#include "grid.glsl"   // after the workgroup size it reads
// The device's cooperative matrix shape (swin_features.c: M and N divide 32,
// K divides 32).
layout(constant_id = 3) const int LM = 16;
layout(constant_id = 4) const int LN = 16;
layout(constant_id = 5) const bool VEC_OUT = true;  // N % 4 == 0: vec4 stores
layout(constant_id = 6) const bool NORM_A = false;  // A's rows LayerNorm-normalised
layout(constant_id = 7) const bool GATHER = false;  // A's rows the patch-merging gather
layout(constant_id = 8) const bool PATCHES = false;  // A's rows the patch embedding's patches
layout(constant_id = 9) const int LK = 16;

layout(binding = 0) uniform textureBuffer A;
layout(binding = 1) uniform textureBuffer W;
layout(binding = 2) readonly buffer Bias { vec4 bias[]; };
layout(binding = 3) buffer Out { float outv[]; };
layout(binding = 4) buffer Out4 { vec4 outv4[]; };

#include "gemm_push.h"
#include "gemm_common.glsl"

const int BM = 64, BN = 64, BK = 32, SUB = 32;
const int BK4 = BK / 4, BN4 = BN / 4;
// Row strides in elements: padded against bank conflicts, and multiples of
// 16 bytes as cooperative matrix loads and stores require.
const int SA = BK + 8, SB = BN + 8, SC = BN + 4;
const int TILES_M = SUB / LM, TILES_N = SUB / LN;
// A tile texels per loader: 4 with 32-wide subgroups (128 invocations),
// which swin_op_variants.c requires at least.
const int A_SLOTS = BM * BK4 / int(gl_WorkGroupSize.x);
const int MAX_SLOTS = 4;

shared float16_t As[BM * SA];   // [m][k]
shared float16_t Bs[BK * SB];   // [k][n]: W^T
shared float Cs[BM * SC];       // [m][n]: the sums, for the epilogue
shared vec2 Moments[BM * BK4];  // NORM_A: [m][texel slot of the row]

void main ()
{
  const int NT = int(gl_WorkGroupSize.x);
  int tid = int(gl_LocalInvocationID.x);
  int m0 = int(swin_group_yz ()) * BM, n40 = int(gl_WorkGroupID.x) * BN4;
  int N4 = (p.N + 3) / 4, K4 = p.K / 4, K4P = K4 / a_parts();
  // this subgroup's 32 x 32 block of the tile
  int sm = SUB * int(gl_SubgroupID / 2), sn = SUB * int(gl_SubgroupID % 2);
  vec2 moments[MAX_SLOTS];

  fcoopmatNV<32, gl_ScopeSubgroup, LM, LN> acc[TILES_M][TILES_N];
  for (int i = 0; i < TILES_M; i++)
    for (int j = 0; j < TILES_N; j++)
      acc[i][j] = fcoopmatNV<32, gl_ScopeSubgroup, LM, LN>(0.0);
  for (int s = 0; s < MAX_SLOTS; s++)
    moments[s] = vec2(0.0);

  for (int k0 = 0; k0 < p.K; k0 += BK) {
    // A: BM rows x BK4 texels; rows past M are computed, not stored
    for (int s = 0; s < A_SLOTS; s++) {
      int t = tid + s * NT, r = t / BK4, c4 = t % BK4, ka = k0 / 4 + c4;
      int m = min(m0 + r, p.M - 1);
      vec4 a = ka < K4 ? texelFetch(A, a_part_base(m, ka / K4P, K4P) + ka % K4P) : vec4(0.0);
      if (NORM_A)
        moments[s] += row_moments(a);
      f16vec4 h = f16vec4(a);
      for (int e = 0; e < 4; e++)
        As[r * SA + 4 * c4 + e] = h[e];
    }
    // W^T: BK rows of K x BN4 texels; columns past N4 likewise
    for (int t = tid; t < BK * BN4; t += NT) {
      int k = t / BN4, c4 = t % BN4;
      vec4 w = k0 + k < p.K ? texelFetch(W, (k0 + k) * N4 + min(n40 + c4, N4 - 1)) : vec4(0.0);
      f16vec4 h = f16vec4(w);
      for (int e = 0; e < 4; e++)
        Bs[k * SB + 4 * c4 + e] = h[e];
    }
    barrier();
    for (int kk = 0; kk < BK; kk += LK) {
      fcoopmatNV<16, gl_ScopeSubgroup, LM, LK> a[TILES_M];
      for (int i = 0; i < TILES_M; i++)
        coopMatLoadNV(a[i], As, uint((sm + i * LM) * SA + kk), uint(SA), false);
      for (int j = 0; j < TILES_N; j++) {
        fcoopmatNV<16, gl_ScopeSubgroup, LK, LN> b;
        coopMatLoadNV(b, Bs, uint(kk * SB + sn + j * LN), uint(SB), false);
        for (int i = 0; i < TILES_M; i++)
          acc[i][j] = coopMatMulAddNV(a[i], b, acc[i][j]);
      }
    }
    barrier();
  }

  for (int i = 0; i < TILES_M; i++)
    for (int j = 0; j < TILES_N; j++)
      coopMatStoreNV(acc[i][j], Cs, uint((sm + i * LM) * SC + sn + j * LN), uint(SC), false);
  if (NORM_A)
    for (int s = 0; s < A_SLOTS; s++)
      Moments[tid + s * NT] = moments[s];
  barrier();
  for (int t = tid; t < BM * BN4; t += NT) {
    int r = t / BN4, c4 = t % BN4, m = m0 + r, n4 = n40 + c4;
    if (m >= p.M || n4 >= N4)
      continue;
    vec2 norm = vec2(0.0, 1.0);
    if (NORM_A) {
      vec2 sum = vec2(0.0);
      for (int q = 0; q < BK4; q++)
        sum += Moments[r * BK4 + q];
      norm = row_norm(sum);
    }
    int o = r * SC + 4 * c4;
    store_out(m, n4, vec4(Cs[o], Cs[o + 1], Cs[o + 2], Cs[o + 3]), bias[n4],
              NORM_A ? bias[N4 + n4] : vec4(0.0), norm);
  }
}
