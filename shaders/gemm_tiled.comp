#version 450
// The GEMM of gemm.comp for GPUs: T x T invocations (T = 16: 256) compute a
// 4T x 4T output tile staged through shared memory T values of K at a time;
// each invocation computes a 4 x 4 block from vec4 shared loads.  Same
// bindings, packing and epilogue as gemm.comp (gemm_common.glsl); on lavapipe
// shared memory buys nothing, so it uses gemm.comp.
// With SWIN_F16 (fp16 weights on a device with shaderFloat16) the tiles are
// held in fp16 and every CHUNK products are summed in fp16 (packed f16vec4
// FMAs), then added to the fp32 accumulators.
#extension GL_GOOGLE_include_directive : require
#ifdef SWIN_F16
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define VAL f16vec4
#else
#define VAL vec4
#endif
#include "common.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;  // swin_kernels.c
#include "gemm_common.glsl"

// The loader roles below need T * T == 4 * BM and BN4 == BK == T.
const int T = int(gl_WorkGroupSize.x);
const int BM = 4 * T, BN4 = T, BK = T;
// Products summed in the working precision before each add to the fp32
// accumulators: with fp16, 8 is the measured balance between accuracy (16:
// twice the error of 4 against fp32, docs/lavapipe-gemm.md) and the
// conversions each add costs.
const int CHUNK = 8;
shared VAL As[BK][BM / 4];   // As[k][m4]: A transposed, 4 rows per vec4
shared VAL Ws[BK][BN4];      // Ws[k][n4]: 4 columns per vec4

void main ()
{
  int tx = int(gl_LocalInvocationID.x), ty = int(gl_LocalInvocationID.y);
  int tid = ty * T + tx;
  int m0 = int(gl_WorkGroupID.y) * BM, n40 = int(gl_WorkGroupID.x) * BN4;
  int N4 = (p.N + 3) / 4, K4 = p.K / 4;
  int kend = k_end(), k4_end = kend / 4;

  // Loader roles: A tile BM rows x 4 vec4 along K; W tile BK k x BN4 vec4.
  int a_row = tid / 4, a_k4 = tid % 4;
  int a_src = min(m0 + a_row, p.M - 1) * K4;
  vec2 a_norm = row_norm(min(m0 + a_row, p.M - 1));
  int w_k = tid / BN4, w_n4 = min(n40 + tid % BN4, N4 - 1);

  vec4 acc[4];
  for (int i = 0; i < 4; i++)
    acc[i] = vec4(0.0);

  for (int k0 = k_begin(); k0 < kend; k0 += BK) {
    int ka = k0 / 4 + a_k4;
    VAL a = VAL(ka < k4_end ? norm_a(texelFetch(A, a_src + ka), a_norm) : vec4(0.0));
    // scatter the 4 K values of this row into the transposed tile
    As[4 * a_k4 + 0][a_row / 4][a_row % 4] = a.x;
    As[4 * a_k4 + 1][a_row / 4][a_row % 4] = a.y;
    As[4 * a_k4 + 2][a_row / 4][a_row % 4] = a.z;
    As[4 * a_k4 + 3][a_row / 4][a_row % 4] = a.w;
    int kw = k0 + w_k;
    Ws[w_k][tid % BN4] = VAL(kw < kend ? texelFetch(W, kw * N4 + w_n4) : vec4(0.0));
    barrier();
    for (int k1 = 0; k1 < BK; k1 += CHUNK) {
      VAL part[4] = { VAL(0.0), VAL(0.0), VAL(0.0), VAL(0.0) };
      for (int kk = k1; kk < k1 + CHUNK; kk++) {
        VAL av = As[kk][ty];
        VAL wv = Ws[kk][tx];
        part[0] += av.x * wv;
        part[1] += av.y * wv;
        part[2] += av.z * wv;
        part[3] += av.w * wv;
      }
      for (int i = 0; i < 4; i++)
        acc[i] += vec4(part[i]);
    }
    barrier();
  }

  int n4 = n40 + tx;
  if (n4 >= N4)
    return;
  vec4 b = bias[n4];
  for (int i = 0; i < 4 && m0 + 4 * ty + i < p.M; i++)
    store_out(m0 + 4 * ty + i, n4, acc[i], b);
}
