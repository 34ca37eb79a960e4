#version 450
// The GEMM of gemm.comp on tensor cores (GL_NV_cooperative_matrix): fp16 A and
// W, fp32 accumulation.  A workgroup of 2 x 2 subgroups computes a 64 x 64
// output tile; each subgroup a 32 x 32 block of LM x LN cooperative matrices.
// K advances 32 at a time: the workgroup converts the A tile (fp32 texels,
// normalised rows with NORM_A) and the W tile (fp16 texels) to fp16 in shared
// memory, row-major with padded rows, and each subgroup loads its matrices
// from there.  The results go through shared memory once more so that the
// epilogue (bias, GELU, residual, ragged edges; gemm_common.glsl) is
// ordinary per-invocation code.  Same bindings and packing as gemm.comp.
#extension GL_GOOGLE_include_directive : require
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#include "common.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;  // 4 subgroups
// The device's cooperative matrix shape (vk_features.c: M and N divide 32,
// K divides 32).
layout(constant_id = 3) const int LM = 16;
layout(constant_id = 4) const int LN = 16;
#include "gemm_common.glsl"
layout(constant_id = 8) const int LK = 16;

const int BM = 64, BN = 64, BK = 32, SUB = 32;
// Row strides in elements: padded against bank conflicts, and multiples of
// 16 bytes as cooperative matrix loads and stores require.
const int SA = BK + 8, SB = BN + 8, SC = BN + 4;
const int TILES_M = SUB / LM, TILES_N = SUB / LN;

shared float16_t As[BM * SA];   // [m][k]
shared float16_t Bs[BK * SB];   // [k][n]: W^T
shared float Cs[BM * SC];       // [m][n]: the sums, for the epilogue

void main ()
{
  const int NT = int(gl_WorkGroupSize.x);
  int tid = int(gl_LocalInvocationID.x);
  int m0 = int(gl_WorkGroupID.y) * BM, n40 = int(gl_WorkGroupID.x) * (BN / 4);
  int N4 = (p.N + 3) / 4, K4 = p.K / 4;
  int kend = k_end();
  // this subgroup's 32 x 32 block of the tile
  int sm = SUB * int(gl_SubgroupID / 2), sn = SUB * int(gl_SubgroupID % 2);

  fcoopmatNV<32, gl_ScopeSubgroup, LM, LN> acc[TILES_M][TILES_N];
  for (int i = 0; i < TILES_M; i++)
    for (int j = 0; j < TILES_N; j++)
      acc[i][j] = fcoopmatNV<32, gl_ScopeSubgroup, LM, LN>(0.0);

  for (int k0 = k_begin(); k0 < kend; k0 += BK) {
    // A: BM rows x BK / 4 texels; rows past M are computed, not stored
    for (int t = tid; t < BM * (BK / 4); t += NT) {
      int r = t / (BK / 4), c4 = t % (BK / 4), m = min(m0 + r, p.M - 1);
      vec4 a = k0 + 4 * c4 < kend ? norm_a(texelFetch(A, m * K4 + k0 / 4 + c4), row_norm(m)) : vec4(0.0);
      f16vec4 h = f16vec4(a);
      for (int e = 0; e < 4; e++)
        As[r * SA + 4 * c4 + e] = h[e];
    }
    // W^T: BK rows of K x BN / 4 texels; columns past N4 likewise
    for (int t = tid; t < BK * (BN / 4); t += NT) {
      int k = t / (BN / 4), c4 = t % (BN / 4);
      vec4 w = k0 + k < kend ? texelFetch(W, (k0 + k) * N4 + min(n40 + c4, N4 - 1)) : vec4(0.0);
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
  barrier();
  for (int t = tid; t < BM * (BN / 4); t += NT) {
    int r = t / (BN / 4), c4 = t % (BN / 4), m = m0 + r, n4 = n40 + c4;
    if (m < p.M && n4 < N4) {
      int o = r * SC + 4 * c4;
      store_out(m, n4, vec4(Cs[o], Cs[o + 1], Cs[o + 2], Cs[o + 3]), bias[n4]);
    }
  }
}
