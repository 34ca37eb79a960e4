#version 450
// Patch embedding: a PxP stride-P convolution of the NCHW image into tokens
// out[b, t, c] (t = ty * Wt + tx), one output per invocation.
layout(local_size_x = 64) in;

layout(binding = 0) uniform samplerBuffer img;
layout(binding = 1) uniform samplerBuffer w;     // [C, Cin, P, P]
layout(binding = 2) readonly buffer Bias { float bias[]; };
layout(binding = 3) writeonly buffer Out { float outv[]; };

layout(push_constant) uniform P {
  int batch, Cin, H, W, P, C;
} p;

void main ()
{
  int Ht = p.H / p.P, Wt = p.W / p.P;
  int total = p.batch * Ht * Wt * p.C;
  int i = int(gl_GlobalInvocationID.x);
  if (i >= total)
    return;
  int c = i % p.C, t = i / p.C;
  int b = t / (Ht * Wt), tt = t % (Ht * Wt);
  int ty = tt / Wt, tx = tt % Wt;
  float acc = bias[c];
  for (int ci = 0; ci < p.Cin; ci++)
    for (int ky = 0; ky < p.P; ky++)
      for (int kx = 0; kx < p.P; kx++)
        acc += texelFetch(w, ((c * p.Cin + ci) * p.P + ky) * p.P + kx).r *
               texelFetch(img, ((b * p.Cin + ci) * p.H + ty * p.P + ky) * p.W + tx * p.P + kx).r;
  outv[i] = acc;
}
