// SPDX-License-Identifier: LGPL-2.1-or-later
// Grids wider than one dimension allows.  Vulkan guarantees only 65535
// workgroups per dimension (maxComputeWorkGroupCount), so swin_op_variants.c
// spreads a longer run of workgroups over two dimensions (spread()); these
// number them back in order.  Past the run's end, the last row holds spare
// workgroups that each shader skips by its own bound.  Include this after
// the local_size layout: gl_WorkGroupSize is read where it is declared.

// Workgroup index of a run spread over x (fastest) and y.
uint swin_group_xy ()
{
  return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
}

// Workgroup index of a run spread over y (fastest) and z.
uint swin_group_yz ()
{
  return gl_WorkGroupID.z * gl_NumWorkGroups.y + gl_WorkGroupID.y;
}

// Invocation index along x of a run spread over x and y.
uint swin_invocation_xy ()
{
  return swin_group_xy () * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
}
