#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs a command with Mesa 25's lavapipe (bookworm-backports) instead of the
# system's Mesa 22, without installing it: the packages are unpacked into
# .bench/mesa25 and the ICD is selected through VK_DRIVER_FILES.
#
# Usage: tools/with_mesa25.sh COMMAND [ARGS...]
#   e.g. tools/with_mesa25.sh build/tools/swin bench --model m.safetensors
#        meson setup build-m25 -Dtest_device=system && tools/with_mesa25.sh meson test -C build-m25
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
dest=$root/.bench/mesa25
icd=$dest/lvp_icd.json

if [ ! -f "$icd" ]; then
    mkdir -p "$dest/debs" "$dest/lists/partial"
    printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main\n' \
        > "$dest/sources.list"
    o="-oDir::Etc::SourceList=$dest/sources.list -oDir::Etc::SourceParts=/dev/null -oDir::State::Lists=$dest/lists"
    # shellcheck disable=SC2086
    apt-get $o update -q >/dev/null
    # lavapipe 25 needs a newer libdrm than bookworm's; LLVM 15 is the system's
    # shellcheck disable=SC2086
    (cd "$dest/debs" && chmod 777 . && apt-get $o download mesa-vulkan-drivers/bookworm-backports \
        libdrm2/bookworm-backports libdrm-amdgpu1/bookworm-backports >/dev/null)
    for f in "$dest"/debs/*.deb; do dpkg -x "$f" "$dest/root"; done
    lib=$dest/root/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so
    [ -f "$lib" ] || { echo "with_mesa25.sh: $lib missing after unpacking" >&2; exit 1; }
    sed "s|\"library_path\": *\"[^\"]*\"|\"library_path\": \"$lib\"|" \
        "$dest/root/usr/share/vulkan/icd.d/lvp_icd.json" > "$icd"
fi

export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
export LD_LIBRARY_PATH=$dest/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
exec "$@"
