/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Lets one header declare a push-constant block or a buffer struct for both
 * the shader (GLSL, included through GL_GOOGLE_include_directive) and the C
 * that fills it (core/vulkan), so that its layout is written once.  Members
 * are int32_t, uint32_t and float, alone or in arrays: their std430 layout
 * is C's (shaders/reflect_interface.py checks the push blocks' size). */
#ifndef SWIN_GLSL_C_H
#define SWIN_GLSL_C_H

#ifdef VULKAN   /* defined by glslang for Vulkan targets, by no C compiler */
#define int32_t int
#define uint32_t uint
/* the shader's one push-constant block, named p */
#define SWIN_PUSH_BLOCK(type) layout(push_constant) uniform type
#define SWIN_PUSH_END(type) p
#define SWIN_STRUCT(type) struct type
#define SWIN_STRUCT_END(type)
#else
#include <stdint.h>
#define SWIN_PUSH_BLOCK(type) typedef struct type
#define SWIN_PUSH_END(type) type
#define SWIN_STRUCT(type) typedef struct type
#define SWIN_STRUCT_END(type) type
#endif

#endif
