#version 450
// Window attention for one query token per invocation; the workgroup grid is
// (query blocks, window, batch * heads).  The cyclic shift, the zero padding
// of the map to whole windows and the window partition are folded into the
// loads from qkv, and their reverse into the store: no copy passes.
//   qkv: [B, H*W, 3C] (q | k | v, each [heads, HD]); a padded token has
//        qkv = qkv_bias, since LayerNorm output is zero-padded before the Linear.
//   out: [B, H*W, C]; padded tokens are not stored.
// The key loops walk the window row by row with no integer division: llvmpipe
// has no vector divide, and per-key divisions used to dominate this kernel.
layout(constant_id = 0) const int WN = 49;  // tokens per window (array bound)
layout(constant_id = 1) const int HD4 = 8;  // head dim / 4
layout(local_size_x = 16) in;

// Texel reads (vec4 along the head dim): the fast read path on lavapipe.
layout(binding = 0) uniform samplerBuffer qkv;
layout(binding = 1) uniform samplerBuffer qkv_bias;
layout(binding = 2) uniform samplerBuffer table;   // [(2M-1)^2, heads]
layout(binding = 3) writeonly buffer Out { vec4 outv[]; };

layout(push_constant) uniform P {
  int H, W;          // map
  int Hp, Wp;        // padded map (multiples of ws)
  int ws;            // window actually used
  int shift_h, shift_w;
  int heads, C;
  int M;             // window of the bias table
  float scale;
} p;

// Region of a rolled coordinate for the shift mask (as the reference's slices).
int region (int s, int size, int shift)
{
  if (shift == 0)
    return 0;
  return s < size - p.ws ? 0 : (s < size - shift ? 1 : 2);
}

// Source coordinate of rolled coordinate s (s + shift < 2 * size).
int unroll (int s, int shift, int size)
{
  int v = s + shift;
  return v >= size ? v - size : v;
}

void main ()
{
  int n = p.ws * p.ws;
  int qi = int(gl_GlobalInvocationID.x);
  int win = int(gl_WorkGroupID.y);
  int b = int(gl_WorkGroupID.z) / p.heads, h = int(gl_WorkGroupID.z) % p.heads;
  if (qi >= n)
    return;

  int nww = p.Wp / p.ws;
  int wy0 = (win / nww) * p.ws, wx0 = (win % nww) * p.ws;
  int qy = qi / p.ws, qx = qi % p.ws;
  int C4 = p.C / 4, row4 = 3 * C4, tw = 2 * p.M - 1;
  int base = b * p.H * p.W;
  int qreg = region(wy0 + qy, p.Hp, p.shift_h) * 3 + region(wx0 + qx, p.Wp, p.shift_w);
  bool masked = p.shift_h > 0 || p.shift_w > 0;

  int sy = unroll(wy0 + qy, p.shift_h, p.Hp), sx = unroll(wx0 + qx, p.shift_w, p.Wp);
  int qtok = (sy < p.H && sx < p.W) ? sy * p.W + sx : -1;
  vec4 q[HD4];
  for (int d = 0; d < HD4; d++) {
    int o = h * HD4 + d;
    q[d] = (qtok < 0 ? texelFetch(qkv_bias, o) : texelFetch(qkv, (base + qtok) * row4 + o)) * p.scale;
  }

  float s[WN];
  float mx = -3.0e38;
  int j = 0;
  for (int ky = 0; ky < p.ws; ky++) {
    int y = unroll(wy0 + ky, p.shift_h, p.Hp);
    int kreg_y = region(wy0 + ky, p.Hp, p.shift_h) * 3;
    int trow = (qy - ky + p.M - 1) * tw + p.M - 1 + qx;
    for (int kx = 0; kx < p.ws; kx++, j++) {
      int x = unroll(wx0 + kx, p.shift_w, p.Wp);
      int kbase = (y < p.H && x < p.W) ? (base + y * p.W + x) * row4 : -1;
      float acc = 0.0;
      for (int d = 0; d < HD4; d++) {
        int o = C4 + h * HD4 + d;
        acc += dot(q[d], kbase < 0 ? texelFetch(qkv_bias, o) : texelFetch(qkv, kbase + o));
      }
      acc += texelFetch(table, (trow - kx) * p.heads + h).r;
      if (masked && kreg_y + region(wx0 + kx, p.Wp, p.shift_w) != qreg)
        acc -= 100.0;
      s[j] = acc;
      mx = max(mx, acc);
    }
  }
  float sum = 0.0;
  for (int i = 0; i < n; i++) {
    s[i] = exp(s[i] - mx);
    sum += s[i];
  }
  if (qtok < 0)
    return;

  float inv = 1.0 / sum;
  vec4 o4[HD4];
  for (int d = 0; d < HD4; d++)
    o4[d] = vec4(0.0);
  // Values two keys at a time: o4 spills on lavapipe, so each update of it
  // is a load and a store (the GEMM's lesson, docs/lavapipe-gemm.md).
  int vb[WN];
  j = 0;
  for (int ky = 0; ky < p.ws; ky++) {
    int y = unroll(wy0 + ky, p.shift_h, p.Hp);
    for (int kx = 0; kx < p.ws; kx++, j++) {
      int x = unroll(wx0 + kx, p.shift_w, p.Wp);
      vb[j] = (y < p.H && x < p.W) ? (base + y * p.W + x) * row4 : -1;
    }
  }
  int vo = 2 * C4 + h * HD4;
  for (j = 0; j + 1 < n; j += 2) {
    float p0 = s[j] * inv, p1 = s[j + 1] * inv;
    for (int d = 0; d < HD4; d++) {
      vec4 v0 = vb[j] < 0 ? texelFetch(qkv_bias, vo + d) : texelFetch(qkv, vb[j] + vo + d);
      vec4 v1 = vb[j + 1] < 0 ? texelFetch(qkv_bias, vo + d) : texelFetch(qkv, vb[j + 1] + vo + d);
      o4[d] += p0 * v0 + p1 * v1;
    }
  }
  if (j < n) {
    float p0 = s[j] * inv;
    for (int d = 0; d < HD4; d++)
      o4[d] += p0 * (vb[j] < 0 ? texelFetch(qkv_bias, vo + d) : texelFetch(qkv, vb[j] + vo + d));
  }
  int dst = (base + qtok) * C4 + h * HD4;
  for (int d = 0; d < HD4; d++)
    outv[dst + d] = o4[d];
}
