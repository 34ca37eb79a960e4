# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by tests/soak.sh and tests/ci-stress.sh: the environment of the
# meson stress tests (tests/meson.build), for running their programs by hand.
# stress_env BUILDDIR
stress_env () {
  local arch
  arch=$(uname -m)
  export GST_PLUGIN_PATH_1_0="$1/plugin"
  export GST_REGISTRY_1_0="$1/tests/stress-registry.bin"
  export VK_DRIVER_FILES="/usr/share/vulkan/icd.d/lvp_icd.$arch.json"
  # Debian 13's Mesa drops the CPU from the name
  [ -f "$VK_DRIVER_FILES" ] || VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.json
  export VK_ICD_FILENAMES="$VK_DRIVER_FILES"
  export SWIN_TEST_DEVICE=llvmpipe
  export LP_NUM_THREADS=2
  export G_DEBUG=fatal-criticals
  export SWIN_VK_VALIDATION=1
}
