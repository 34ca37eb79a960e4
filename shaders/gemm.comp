#version 450
// out[M,N] (=|+=) act(A[M,K] * W[N,K]^T + bias[N])
// A is read as vec4 texels along K (K % 4 == 0); W is pre-packed at load time
// as [K][N4] vec4 texels (N4 = ceil(N/4), zero-padded), so one fetch brings
// four output columns.  Uniform texel buffers are the fast read path on
// lavapipe; each invocation keeps a TM x 4 register tile.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const int TM = 8;
layout(local_size_x = 16, local_size_y = 4) in;

layout(binding = 0) uniform samplerBuffer A;
layout(binding = 1) uniform samplerBuffer W;
layout(binding = 2) readonly buffer Bias { float bias[]; };
layout(binding = 3) buffer Out { float outv[]; };

layout(push_constant) uniform P {
  int M, N, K;
  int act;        // 0: none, 1: exact GELU
  int accumulate; // 1: out += result (residual)
} p;

void main ()
{
  int n4 = int(gl_GlobalInvocationID.x);
  int m0 = int(gl_GlobalInvocationID.y) * TM;
  int N4 = (p.N + 3) / 4;
  int K4 = p.K / 4;
  if (n4 >= N4 || m0 >= p.M)
    return;

  vec4 acc[TM];
  int row[TM];
  for (int r = 0; r < TM; r++) {
    acc[r] = vec4(0.0);
    row[r] = min(m0 + r, p.M - 1) * K4;  // clamped: rows past M are computed, not stored
  }
  for (int k4 = 0; k4 < K4; k4++) {
    int wi = 4 * k4 * N4 + n4;
    vec4 w0 = texelFetch(W, wi);
    vec4 w1 = texelFetch(W, wi + N4);
    vec4 w2 = texelFetch(W, wi + 2 * N4);
    vec4 w3 = texelFetch(W, wi + 3 * N4);
    for (int r = 0; r < TM; r++) {
      vec4 a = texelFetch(A, row[r] + k4);
      acc[r] += a.x * w0 + a.y * w1 + a.z * w2 + a.w * w3;
    }
  }

  int n = n4 * 4;
  for (int r = 0; r < TM && m0 + r < p.M; r++) {
    for (int c = 0; c < 4 && n + c < p.N; c++) {
      float v = acc[r][c] + bias[n + c];
      if (p.act == 1)
        v = gelu(v);
      int o = (m0 + r) * p.N + n + c;
      outv[o] = p.accumulate == 1 ? outv[o] + v : v;
    }
  }
}
