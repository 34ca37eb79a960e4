#version 450
// Window attention for one query token per invocation; the workgroup grid is
// (query blocks, window, batch * heads).  The cyclic shift, the zero padding
// of the map to whole windows and the window partition are folded into the
// loads from qkv, and their reverse into the store: no copy passes.
//   qkv: [B, H*W, 3C] (q | k | v, each [heads, HD]); a padded token has
//        qkv = qkv_bias, since LayerNorm output is zero-padded before the Linear.
//   out: [B, H*W, C]; padded tokens are not stored.
layout(constant_id = 0) const int WN = 49;  // tokens per window (array bound)
layout(constant_id = 1) const int HD4 = 8;  // head dim / 4
layout(local_size_x = 16) in;

// Texel reads (vec4 along the head dim): the fast read path on lavapipe.
layout(binding = 0) uniform samplerBuffer qkv;
layout(binding = 1) uniform samplerBuffer qkv_bias;
layout(binding = 2) uniform samplerBuffer table;   // [(2M-1)^2, heads]
layout(binding = 3) writeonly buffer Out { float outv[]; };

layout(push_constant) uniform P {
  int H, W;          // map
  int Hp, Wp;        // padded map (multiples of ws)
  int ws;            // window actually used
  int shift_h, shift_w;
  int heads, C;
  int M;             // window of the bias table
  float scale;
} p;

// Map position (y, x) of token i of window win in the rolled, padded map;
// returns the source token index, or -1 for a padding token.
int source (int win, int i, out int sy, out int sx)
{
  int nww = p.Wp / p.ws;
  sy = (win / nww) * p.ws + i / p.ws;
  sx = (win % nww) * p.ws + i % p.ws;
  int y = (sy + p.shift_h) % p.Hp;
  int x = (sx + p.shift_w) % p.Wp;
  return (y < p.H && x < p.W) ? y * p.W + x : -1;
}

// Region of a rolled coordinate for the shift mask (as the reference's slices).
int region (int s, int size, int shift)
{
  if (shift == 0)
    return 0;
  return s < size - p.ws ? 0 : (s < size - shift ? 1 : 2);
}

vec4 load (int b, int tok, int part, int h, int d4)
{
  int o = (part * p.C) / 4 + h * HD4 + d4;
  return tok < 0 ? texelFetch(qkv_bias, o) : texelFetch(qkv, (b * p.H * p.W + tok) * (3 * p.C / 4) + o);
}

void main ()
{
  int n = p.ws * p.ws;
  int qi = int(gl_GlobalInvocationID.x);
  int win = int(gl_WorkGroupID.y);
  int b = int(gl_WorkGroupID.z) / p.heads, h = int(gl_WorkGroupID.z) % p.heads;
  if (qi >= n)
    return;

  int qy, qx;
  int qtok = source(win, qi, qy, qx);
  int qreg = region(qy, p.Hp, p.shift_h) * 3 + region(qx, p.Wp, p.shift_w);
  bool masked = p.shift_h > 0 || p.shift_w > 0;
  vec4 q[HD4];
  for (int d = 0; d < HD4; d++)
    q[d] = load(b, qtok, 0, h, d) * p.scale;

  float s[WN];
  float mx = -3.0e38;
  int tw = 2 * p.M - 1;
  for (int j = 0; j < n; j++) {
    int ky, kx;
    int ktok = source(win, j, ky, kx);
    float acc = 0.0;
    for (int d = 0; d < HD4; d++)
      acc += dot(q[d], load(b, ktok, 1, h, d));
    int dy = qi / p.ws - j / p.ws + p.M - 1;
    int dx = qi % p.ws - j % p.ws + p.M - 1;
    acc += texelFetch(table, (dy * tw + dx) * p.heads + h).r;
    if (masked && region(ky, p.Hp, p.shift_h) * 3 + region(kx, p.Wp, p.shift_w) != qreg)
      acc -= 100.0;
    s[j] = acc;
    mx = max(mx, acc);
  }
  float sum = 0.0;
  for (int j = 0; j < n; j++) {
    s[j] = exp(s[j] - mx);
    sum += s[j];
  }
  float inv = 1.0 / sum;

  if (qtok < 0)
    return;
  vec4 o[HD4];
  for (int d = 0; d < HD4; d++)
    o[d] = vec4(0.0);
  for (int j = 0; j < n; j++) {
    int ky, kx;
    int vtok = source(win, j, ky, kx);
    float pj = s[j] * inv;
    for (int d = 0; d < HD4; d++)
      o[d] += pj * load(b, vtok, 2, h, d);
  }
  int base = (b * p.H * p.W + qtok) * p.C + h * HD4 * 4;
  for (int d = 0; d < HD4; d++)
    for (int e = 0; e < 4; e++)
      outv[base + 4 * d + e] = o[d][e];
}
