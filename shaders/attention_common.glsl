// SPDX-License-Identifier: LGPL-2.1-or-later
// Bindings 1-3, push constants and coordinate helpers of the window
// attention kernels (attention.comp: queries per invocation;
// attention_wg.comp: a window per workgroup; attention_qkv.comp: that with
// qkv computed in it).  Each declares its input, binding 0, before including
// this.  They share the folding of the cyclic shift, the zero padding and
// the window partition into their loads and stores.
#include "grid.glsl"

// Texel reads (vec4 along the head dim): the fast read path on lavapipe.
layout(binding = 1) uniform textureBuffer qkv_bias;
layout(binding = 2) uniform textureBuffer table;   // [(2M-1)^2, heads] (cosine: then [heads] scales)
layout(binding = 3) writeonly buffer Out { vec4 outv[]; };

#include "attention_push.h"

// The window and the (image, head) of this workgroup: windows, then images
// and heads, numbered across y and z (grid.glsl).  FALSE for a spare one.
bool window_of_group (out int win, out int b, out int h)
{
  int windows = (p.Hp / p.ws) * (p.Wp / p.ws);
  uint g = swin_group_yz ();
  if (g >= uint(windows * p.batch * p.heads))
    return false;
  win = int(g) % windows;
  b = int(g) / windows / p.heads;
  h = int(g) / windows % p.heads;
  return true;
}

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

// The first (rolled) map coordinates of window @win.
void window_origin (int win, out int wy0, out int wx0)
{
  int nww = p.Wp / p.ws;
  wy0 = (win / nww) * p.ws;
  wx0 = (win % nww) * p.ws;
}

// The image's token at rolled map coordinates (wy, wx), or -1 for padding.
int window_token (int wy, int wx)
{
  int sy = unroll(wy, p.shift_h, p.Hp), sx = unroll(wx, p.shift_w, p.Wp);
  return (sy < p.H && sx < p.W) ? sy * p.W + sx : -1;
}

// The shift-mask region of rolled map coordinates (wy, wx).
int window_region (int wy, int wx)
{
  return region(wy, p.Hp, p.shift_h) * 3 + region(wx, p.Wp, p.shift_w);
}

// The factor of head h's queries: 1/sqrt(d), or for the cosine attention
// the head's scale over |q| (PyTorch's F.normalize: at most 1/1e-12).
float query_factor (int h, float qq)
{
  if (p.cosine == 0)
    return p.scale;
  int tw = 2 * p.M - 1;
  return texelFetch(table, tw * tw * p.heads + h).r / max(sqrt(qq), 1e-12);
}

// The factor of a key of squared norm kk: 1, or 1/|k| for the cosine attention.
float key_factor (float kk)
{
  return p.cosine == 0 ? 1.0 : 1.0 / max(sqrt(kk), 1e-12);
}
