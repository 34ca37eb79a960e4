// SPDX-License-Identifier: LGPL-2.1-or-later
// Helpers shared by the compute shaders.

// erf(x) by Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7): GLSL has no erf,
// and GELU must be the exact erf form, not the tanh approximation.
float swin_erf (float x)
{
  float s = sign(x);
  float a = abs(x);
  float t = 1.0 / (1.0 + 0.3275911 * a);
  float y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
                   + 0.254829592) * t * exp(-a * a);
  return s * y;
}

float gelu (float x)
{
  return 0.5 * x * (1.0 + swin_erf(x * 0.70710678118654752));
}

vec4 gelu4 (vec4 x)
{
  return vec4(gelu(x.x), gelu(x.y), gelu(x.z), gelu(x.w));
}
