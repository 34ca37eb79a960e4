#version 450
// SPDX-License-Identifier: LGPL-2.1-or-later
// Frame preprocessing (see core/include/swin/swin_preprocess.h): for each
// output pixel of each image of the batch (gl_GlobalInvocationID.z), colour-
// convert the source pixels under the (antialiased) triangle filter,
// resample, normalise, and write float32 NCHW [3, H, W] at the image's slot.
// The frame is a byte buffer read as uints, so any format and stride works
// without texel-format support.

#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;  // swin_op_variants.c
#include "preprocess_push.h"   // the push constants and SwinPreprocessSlot

layout(std430, binding = 0) readonly buffer Src { uint src[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };

layout(std430, binding = 2) readonly buffer Slots { SwinPreprocessSlot slots[]; };

float byte_at(uint a)
{
  return float((src[a >> 2] >> ((a & 3u) * 8u)) & 0xffu);
}

// Pixel (x, y) of the region, at frame pixel (x0 + x, y0 + y): chroma is
// sited by frame coordinates.
vec3 fetch(SwinPreprocessSlot s, int x, int y)
{
  uint ux = uint(s.x0 + x), uy = uint(s.y0 + y);
  uint row = s.offset[0] + uy * s.stride[0];
  float Y, U, V;

  if (s.format == SWIN_SLOT_RGB || s.format == SWIN_SLOT_BGR) {
    uint a = row + ux * 3u;
    vec3 v = vec3(byte_at(a), byte_at(a + 1u), byte_at(a + 2u)) / 255.0;
    return s.format == SWIN_SLOT_RGB ? v : v.bgr;
  }
  if (s.format <= SWIN_SLOT_BGRX) {
    uint a = row + ux * 4u;
    vec3 v = vec3(byte_at(a), byte_at(a + 1u), byte_at(a + 2u)) / 255.0;
    return s.format <= SWIN_SLOT_RGBX ? v : v.bgr;
  }
  Y = byte_at(row + ux);
  if (s.format == SWIN_SLOT_I420) {
    U = byte_at(s.offset[1] + (uy / 2u) * s.stride[1] + ux / 2u);
    V = byte_at(s.offset[2] + (uy / 2u) * s.stride[2] + ux / 2u);
  } else {
    uint a = s.offset[1] + (uy / 2u) * s.stride[1] + (ux / 2u) * 2u;
    U = byte_at(a);
    V = byte_at(a + 1u);
  }
  float yy = (Y - s.y_offset) * s.y_scale;
  float cb = (U - 128.0) * s.c_scale;
  float cr = (V - 128.0) * s.c_scale;
  return clamp(vec3(yy + s.r_cr * cr, yy + s.g_cb * cb + s.g_cr * cr, yy + s.b_cb * cb), 0.0, 1.0);
}

// Taps [lo, hi) of the filter centred at resized coordinate r along an axis
// of `size` source pixels resized to `resized`.
void axis(int r, int size, int resized, out float center, out float inv, out int lo, out int hi)
{
  float scale = float(size) / float(resized);
  float support = max(scale, 1.0);
  center = (float(r) + 0.5) * scale;
  inv = 1.0 / support;
  lo = max(int(floor(center - support + 0.5)), 0);
  hi = min(int(floor(center + support + 0.5)), size);
  hi = min(hi, lo + int(ceil(support)) * 2 + 1);
}

float tri(int i, float center, float inv)
{
  return max(1.0 - abs((float(i) + 0.5 - center) * inv), 0.0);
}

void main()
{
  int ox = int(gl_GlobalInvocationID.x), oy = int(gl_GlobalInvocationID.y);
  if (ox >= p.out_w || oy >= p.out_h)
    return;
  SwinPreprocessSlot s = slots[gl_GlobalInvocationID.z];
  if (s.format == SWIN_SLOT_HOST)
    return;
  uint plane = uint(p.out_w) * uint(p.out_h);
  uint idx = gl_GlobalInvocationID.z * 3u * plane + uint(oy) * uint(p.out_w) + uint(ox);
  int rx = ox + s.shift_x, ry = oy + s.shift_y;

  if (s.format < 0 || rx < 0 || rx >= s.resized_w || ry < 0 || ry >= s.resized_h) {
    dst[idx] = 0.0;
    dst[idx + plane] = 0.0;
    dst[idx + 2u * plane] = 0.0;
    return;
  }

  float cx, ix, cy, iy;
  int x0, x1, y0, y1;
  axis(rx, s.in_w, s.resized_w, cx, ix, x0, x1);
  axis(ry, s.in_h, s.resized_h, cy, iy, y0, y1);

  float sum_x = 0.0, sum_y = 0.0;
  for (int x = x0; x < x1; x++)
    sum_x += tri(x, cx, ix);

  vec3 acc = vec3(0.0);
  for (int y = y0; y < y1; y++) {
    float wy = tri(y, cy, iy);
    sum_y += wy;
    if (wy == 0.0)
      continue;
    vec3 row = vec3(0.0);
    for (int x = x0; x < x1; x++)
      row += tri(x, cx, ix) * fetch(s, x, y);
    acc += wy * row;
  }
  acc /= sum_x * sum_y;

  dst[idx] = (acc.r - s.mean[0]) * s.inv_std[0];
  dst[idx + plane] = (acc.g - s.mean[1]) * s.inv_std[1];
  dst[idx + 2u * plane] = (acc.b - s.mean[2]) * s.inv_std[2];
}
