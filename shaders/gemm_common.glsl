// Bindings, push constants, A-row normalisation and epilogue shared by the
// GEMM kernels (gemm.comp, gemm_tiled.comp, gemm_coopmat.comp):
//   out[M, N] (=|+=) act(norm(A)[M, K] * W[N, K]^T + bias[N])
// where norm(A) is A itself, or, with NORM_A, each row scaled and shifted by
// its LayerNorm statistics (the LayerNorm's gamma and beta are folded into W
// and bias when the weights are packed).  With SPLIT, workgroup z sums only
// K values [z * k_slice, (z + 1) * k_slice) and stores the raw partial sum
// into slice z of a scratch buffer of [slices][M][N4] vec4, which
// gemm_reduce.comp adds up with the bias, activation and residual.
layout(constant_id = 5) const bool VEC_OUT = true;   // N % 4 == 0: vec4 stores
layout(constant_id = 6) const bool NORM_A = false;   // normalise A rows by Stats
layout(constant_id = 7) const bool SPLIT = false;    // split-K partial sums

layout(binding = 0) uniform textureBuffer A;       // rgba32f texels along K: [M][K / 4]
layout(binding = 1) uniform textureBuffer W;       // rgba32f or rgba16f, packed [K][N4]
layout(binding = 2) readonly buffer Bias { vec4 bias[]; };   // padded to N4
layout(binding = 3) buffer Out { float outv[]; };
layout(binding = 4) buffer Out4 { vec4 outv4[]; };          // the same range, as vec4
layout(binding = 5) uniform textureBuffer Stats;   // rgba32f per row: (rstd, -mean * rstd, -, -)

layout(push_constant) uniform P {
  int M, N, K;
  int act;        // 0: none, 1: exact GELU
  int accumulate; // 1: out += result (residual)
  int k_slice;    // K values per workgroup z (SPLIT); K otherwise
} p;

// The K range of this workgroup.
int k_begin () { return SPLIT ? int(gl_WorkGroupID.z) * p.k_slice : 0; }
int k_end () { return SPLIT ? min(p.K, (int(gl_WorkGroupID.z) + 1) * p.k_slice) : p.K; }

// (scale, shift) that normalise row m, (1, 0) without NORM_A.
vec2 row_norm (int m)
{
  return NORM_A ? texelFetch(Stats, m).xy : vec2(1.0, 0.0);
}

vec4 norm_a (vec4 a, vec2 n)
{
  return NORM_A ? a * n.x + n.y : a;
}

// Columns 4 * n4 .. 4 * n4 + 3 of row m, given the sum over K (@acc) and
// the bias texel @b: activation and residual, or the raw partial sum.
void store_out (int m, int n4, vec4 acc, vec4 b)
{
  int N4 = (p.N + 3) / 4;
  if (SPLIT) {
    outv4[(int(gl_WorkGroupID.z) * p.M + m) * N4 + n4] = acc;
    return;
  }
  vec4 v = acc + b;
  if (p.act == 1)
    v = gelu4(v);
  if (VEC_OUT) {
    int o = m * N4 + n4;
    outv4[o] = p.accumulate == 1 ? outv4[o] + v : v;
  } else {
    for (int e = 0; e < 4 && 4 * n4 + e < p.N; e++) {
      int o = m * p.N + 4 * n4 + e;
      outv[o] = p.accumulate == 1 ? outv[o] + v[e] : v[e];
    }
  }
}
