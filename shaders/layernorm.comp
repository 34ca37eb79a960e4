#version 450
// out[r, :] = LayerNorm(x_r) * gamma + beta (+ addend[r % L, :]), one row per
// invocation, two-pass mean/variance (eps 1e-5, biased variance, as PyTorch).
// With merge = 1, row r of the output is the 2x2 patch-merging gather of an
// H x W map of Cin = C/4 channels, in the order x00, x10, x01, x11.
// Everything moves as vec4 (C % 4 == 0): on lavapipe the cost is per fetch.
layout(local_size_x = 64) in;

layout(binding = 0) uniform samplerBuffer x;       // rgba32f texels
layout(binding = 1) readonly buffer Gamma { vec4 gamma[]; };
layout(binding = 2) readonly buffer Beta { vec4 beta[]; };
layout(binding = 3) writeonly buffer Out { vec4 outv[]; };
layout(binding = 4) readonly buffer Add { vec4 addend[]; };

layout(push_constant) uniform P {
  int rows, C;
  int merge;     // 1: 2x2 gather
  int H, W;      // input map (merge)
  int has_add;   // 1: + addend[(r % L) * C + c]
  int L;
} p;

// Texel index of channels 4*c4 .. 4*c4+3 of output row r.
int src_index (int r, int c4)
{
  if (p.merge == 0)
    return r * (p.C / 4) + c4;
  int cin4 = p.C / 16;
  int w2 = p.W / 2, hw2 = (p.H / 2) * w2;
  int b = r / hw2, i = (r % hw2) / w2, j = r % w2;
  int part = c4 / cin4;
  int y = 2 * i + (part & 1), xx = 2 * j + (part >> 1);
  return ((b * p.H + y) * p.W + xx) * cin4 + c4 % cin4;
}

void main ()
{
  int r = int(gl_GlobalInvocationID.x);
  int C4 = p.C / 4;
  if (r >= p.rows)
    return;
  vec4 s = vec4(0.0);
  for (int c = 0; c < C4; c++)
    s += texelFetch(x, src_index(r, c));
  float mean = (s.x + s.y + s.z + s.w) / float(p.C);
  vec4 v = vec4(0.0);
  for (int c = 0; c < C4; c++) {
    vec4 d = texelFetch(x, src_index(r, c)) - mean;
    v += d * d;
  }
  float rstd = inversesqrt((v.x + v.y + v.z + v.w) / float(p.C) + 1e-5);
  for (int c = 0; c < C4; c++) {
    vec4 o = (texelFetch(x, src_index(r, c)) - mean) * rstd * gamma[c] + beta[c];
    if (p.has_add == 1)
      o += addend[(r % p.L) * C4 + c];
    outv[r * C4 + c] = o;
  }
}
