#version 450
// SPDX-License-Identifier: LGPL-2.1-or-later
// out[M,N] (=|+=) act(A[M,K] * W[N,K]^T + bias[N])
// A is read as vec4 texels along K (K % 4 == 0); W is pre-packed at load time
// as [K][N4] vec4 texels (N4 = ceil(N/4), zero-padded), so one fetch brings
// four output columns.  Uniform texel buffers are the fast read path on
// lavapipe, and every fetch there costs far more than an FMA: each invocation
// keeps a TM x (4 * TC) register tile so that one k step does TM + 4 * TC
// fetches for 16 * TM * TC FMAs (measurements in docs/lavapipe-gemm.md).
// GATHER, PATCHES and NORM_A: gemm_common.glsl.
//
// Built twice (shaders/meson.build).  All invocations of a workgroup row
// (same y, 8 columns) read the same TM rows of A.  Plain, each fetches them
// all.  With SWIN_SHARE_A (gemm_shuffle) the row is one subgroup, and
// lavapipe's subgroup is one SIMD vector of 8 lanes: lane l fetches rows l,
// 8 + l, ... and each row's texel reaches every lane by subgroupShuffle(),
// which llvmpipe compiles to one vector permute per component where a fetch
// is a call to a fetch function (docs/lavapipe-gemm.md).
#extension GL_GOOGLE_include_directive : require
#ifdef SWIN_SHARE_A
#extension GL_KHR_shader_subgroup_shuffle : require
#endif
#include "common.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;  // swin_op_variants.c
#include "grid.glsl"   // after the workgroup size it reads
layout(constant_id = 3) const int TM = 16;      // rows per invocation
layout(constant_id = 4) const int TC = 2;       // vec4 columns per invocation
layout(constant_id = 5) const bool VEC_OUT = true;  // N % 4 == 0: vec4 stores
layout(constant_id = 6) const bool NORM_A = false;  // A's rows LayerNorm-normalised
layout(constant_id = 7) const bool GATHER = false;  // A's rows the patch-merging gather
layout(constant_id = 8) const bool PATCHES = false;  // A's rows the patch embedding's patches

layout(binding = 0) uniform textureBuffer A;
layout(binding = 1) uniform textureBuffer W;
layout(binding = 2) readonly buffer Bias { vec4 bias[]; };   // padded to N4 (NORM_A: then the column sums)
layout(binding = 3) buffer Out { float outv[]; };
layout(binding = 4) buffer Out4 { vec4 outv4[]; };          // the same range, as vec4

#include "gemm_push.h"
#include "gemm_common.glsl"

#ifdef SWIN_SHARE_A
const int LANES = int(gl_WorkGroupSize.x);    // the subgroup (swin_op_variants.c)
const int AF = (TM + LANES - 1) / LANES;      // A fetches per k step
#else
const int AF = TM;
#endif

// Row r's texel, of the AF fetched at one k step; likewise its moments, of
// those summed per fetched row.  With SWIN_SHARE_A each lane sums the moments
// of its own rows only: the LayerNorm fold costs no more than a pass.
vec4 a_texel (vec4 fetched[AF], int r)
{
#ifdef SWIN_SHARE_A
  return subgroupShuffle(fetched[r / LANES], r % LANES);
#else
  return fetched[r];
#endif
}

vec2 a_moments (vec2 fetched[AF], int r)
{
#ifdef SWIN_SHARE_A
  return subgroupShuffle(fetched[r / LANES], r % LANES);
#else
  return fetched[r];
#endif
}

void main ()
{
  int n0 = int(gl_GlobalInvocationID.x) * TC;
  // rows of workgroups spread over y and z (grid.glsl)
  int m0 = int(swin_group_yz () * gl_WorkGroupSize.y + gl_LocalInvocationID.y) * TM;
  int N4 = (p.N + 3) / 4;
  int K4 = p.K / 4;
  // The whole workgroup row stays: with SWIN_SHARE_A its spare columns fetch
  // A rows for the others.
  if (m0 >= p.M)
    return;

  vec4 acc[TM][TC];
  vec2 moments[AF];   // (sum, sum of squares) of each A fetch's row, with NORM_A
  int arow[AF];   // the texel index of each A fetch's row
  int col[TC];
  int K4P = K4 / a_parts();
  for (int c = 0; c < TC; c++)
    col[c] = min(n0 + c, N4 - 1);       // clamped: columns past N4 are computed, not stored
  for (int f = 0; f < AF; f++) {
#ifdef SWIN_SHARE_A
    int r = f * LANES + int(gl_SubgroupInvocationID);
#else
    int r = f;
#endif
    arow[f] = a_row_base(min(m0 + r, p.M - 1), K4P);  // likewise rows past M
    moments[f] = vec2(0.0);
  }
  for (int r = 0; r < TM; r++)
    for (int c = 0; c < TC; c++)
      acc[r][c] = vec4(0.0);
  // Four (then two) k steps per iteration, summed into each accumulator in
  // one expression: the accumulators spill on lavapipe, so every update is
  // a load and a store (docs/lavapipe-gemm.md).  The k steps walk A's row
  // part by part (AWalk), the same texel offsets for every row.
  AWalk walk = a_walk_start();
  int k4 = 0;
  for (; k4 + 3 < K4; k4 += 4) {
    int wi = 4 * k4 * N4;
    int o0 = a_walk_next(walk, K4P), o1 = a_walk_next(walk, K4P);
    int o2 = a_walk_next(walk, K4P), o3 = a_walk_next(walk, K4P);
    vec4 w[TC][16];
    for (int c = 0; c < TC; c++)
      for (int j = 0; j < 16; j++)
        w[c][j] = texelFetch(W, wi + j * N4 + col[c]);
    vec4 fa[AF], fb[AF], fe[AF], ff[AF];
    for (int i = 0; i < AF; i++) {
      fa[i] = texelFetch(A, arow[i] + o0);
      fb[i] = texelFetch(A, arow[i] + o1);
      fe[i] = texelFetch(A, arow[i] + o2);
      ff[i] = texelFetch(A, arow[i] + o3);
      if (NORM_A)
        moments[i] += row_moments(fa[i]) + row_moments(fb[i]) + row_moments(fe[i]) + row_moments(ff[i]);
    }
    for (int r = 0; r < TM; r++) {
      vec4 a = a_texel(fa, r), b = a_texel(fb, r), e = a_texel(fe, r), f = a_texel(ff, r);
      for (int c = 0; c < TC; c++)
        acc[r][c] += a.x * w[c][0] + a.y * w[c][1] + a.z * w[c][2] + a.w * w[c][3]
                   + b.x * w[c][4] + b.y * w[c][5] + b.z * w[c][6] + b.w * w[c][7]
                   + e.x * w[c][8] + e.y * w[c][9] + e.z * w[c][10] + e.w * w[c][11]
                   + f.x * w[c][12] + f.y * w[c][13] + f.z * w[c][14] + f.w * w[c][15];
    }
  }
  for (; k4 + 1 < K4; k4 += 2) {
    int wi = 4 * k4 * N4;
    int o0 = a_walk_next(walk, K4P), o1 = a_walk_next(walk, K4P);
    vec4 w[TC][8];
    for (int c = 0; c < TC; c++)
      for (int j = 0; j < 8; j++)
        w[c][j] = texelFetch(W, wi + j * N4 + col[c]);
    vec4 fa[AF], fb[AF];
    for (int i = 0; i < AF; i++) {
      fa[i] = texelFetch(A, arow[i] + o0);
      fb[i] = texelFetch(A, arow[i] + o1);
      if (NORM_A)
        moments[i] += row_moments(fa[i]) + row_moments(fb[i]);
    }
    for (int r = 0; r < TM; r++) {
      vec4 a = a_texel(fa, r), b = a_texel(fb, r);
      for (int c = 0; c < TC; c++)
        acc[r][c] += a.x * w[c][0] + a.y * w[c][1] + a.z * w[c][2] + a.w * w[c][3]
                   + b.x * w[c][4] + b.y * w[c][5] + b.z * w[c][6] + b.w * w[c][7];
    }
  }
  if (k4 < K4) {
    int wi = 4 * k4 * N4;
    int o0 = a_walk_next(walk, K4P);
    vec4 w[TC][4];
    for (int c = 0; c < TC; c++)
      for (int j = 0; j < 4; j++)
        w[c][j] = texelFetch(W, wi + j * N4 + col[c]);
    vec4 fa[AF];
    for (int i = 0; i < AF; i++) {
      fa[i] = texelFetch(A, arow[i] + o0);
      if (NORM_A)
        moments[i] += row_moments(fa[i]);
    }
    for (int r = 0; r < TM; r++) {
      vec4 a = a_texel(fa, r);
      for (int c = 0; c < TC; c++)
        acc[r][c] += a.x * w[c][0] + a.y * w[c][1] + a.z * w[c][2] + a.w * w[c][3];
    }
  }

  vec4 bv[TC], sums[TC];   // storage reads are costly on lavapipe: once per column, not per row
  for (int c = 0; c < TC; c++) {
    bv[c] = bias[col[c]];
    sums[c] = NORM_A ? bias[N4 + col[c]] : vec4(0.0);
  }
  for (int r = 0; r < TM && m0 + r < p.M; r++) {
    vec2 norm = NORM_A ? row_norm(a_moments(moments, r)) : vec2(0.0, 1.0);
    for (int c = 0; c < TC && n0 + c < N4; c++)
      store_out(m0 + r, n0 + c, acc[r][c], bv[c], sums[c], norm);
  }
}
