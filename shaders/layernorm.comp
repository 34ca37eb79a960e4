#version 450
// out[r, :] = LayerNorm(x_r) * gamma + beta (+ addend[r % L, :]), one row per
// invocation, two-pass mean/variance (eps 1e-5, biased variance, as PyTorch).
// With merge = 1, row r of the output is the 2x2 patch-merging gather of an
// H x W map of Cin = C/4 channels, in the order x00, x10, x01, x11.
layout(local_size_x = 64) in;

layout(binding = 0) uniform samplerBuffer x;  // texel reads: the fast path on lavapipe
layout(binding = 1) readonly buffer Gamma { float gamma[]; };
layout(binding = 2) readonly buffer Beta { float beta[]; };
layout(binding = 3) writeonly buffer Out { float outv[]; };
layout(binding = 4) readonly buffer Add { float addend[]; };

layout(push_constant) uniform P {
  int rows, C;
  int merge;     // 1: 2x2 gather
  int H, W;      // input map (merge)
  int has_add;   // 1: + addend[(r % L) * C + c]
  int L;
} p;

int src_index (int r, int c)
{
  if (p.merge == 0)
    return r * p.C + c;
  int cin = p.C / 4;
  int w2 = p.W / 2, hw2 = (p.H / 2) * w2;
  int b = r / hw2, i = (r % hw2) / w2, j = r % w2;
  int part = c / cin;
  int y = 2 * i + (part & 1), xx = 2 * j + (part >> 1);
  return ((b * p.H + y) * p.W + xx) * cin + c % cin;
}

void main ()
{
  int r = int(gl_GlobalInvocationID.x);
  if (r >= p.rows)
    return;
  float mean = 0.0;
  for (int c = 0; c < p.C; c++)
    mean += texelFetch(x, src_index(r, c)).r;
  mean /= float(p.C);
  float var = 0.0;
  for (int c = 0; c < p.C; c++) {
    float d = texelFetch(x, src_index(r, c)).r - mean;
    var += d * d;
  }
  float rstd = inversesqrt(var / float(p.C) + 1e-5);
  for (int c = 0; c < p.C; c++) {
    float v = (texelFetch(x, src_index(r, c)).r - mean) * rstd * gamma[c] + beta[c];
    if (p.has_add == 1)
      v += addend[(r % p.L) * p.C + c];
    outv[r * p.C + c] = v;
  }
}
