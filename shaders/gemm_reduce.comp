#version 450
// Split-K, second pass: out[M, N] (=|+=) act(sum over the slices of the
// partial sums + bias), one vec4 of output per invocation.  The partial sums
// ([slices][M][N4] vec4, written by a GEMM kernel with SPLIT) are read
// through binding 0, A; the other bindings, the push constants and the
// epilogue are the GEMM's (gemm_common.glsl), so that the result is stored
// exactly as an unsplit GEMM stores it.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;  // swin_kernels.c
#include "gemm_common.glsl"

void main ()
{
  int N4 = (p.N + 3) / 4;
  int t = int(gl_GlobalInvocationID.x);
  if (t >= p.M * N4)
    return;
  int slices = (p.K + p.k_slice - 1) / p.k_slice;
  vec4 s = vec4(0.0);
  for (int z = 0; z < slices; z++)
    s += texelFetch(A, z * p.M * N4 + t);
  store_out(t / N4, t % N4, s, bias[t % N4]);
}
