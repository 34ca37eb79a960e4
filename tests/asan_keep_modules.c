/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* For the AddressSanitizer build of the core tests only
 * (tests/ci-sanitizers.sh): no shared library is unloaded.
 *
 * LeakSanitizer checks at exit, and memory that a library reached only
 * from its own globals becomes a leak it cannot name once the library is
 * gone: swin_shutdown() destroys the VkInstance, the Vulkan loader then
 * unloads lavapipe, and Mesa 22.3.6-1+deb12u2's lavapipe leaves a buffer of
 * its own behind (128 bytes per load, "<unknown module>").  With every
 * module kept, such globals stay reachable, and a real leak, ours or a
 * library's, is still reported, with its frames named.  Exported from the
 * test program, this takes the place of libc's dlclose() for every
 * caller. */
#include <stddef.h>

int dlclose (void *handle);

int
dlclose (void *handle)
{
  return handle == NULL;
}
