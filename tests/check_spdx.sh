#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every source file of the repository names its licence (an SPDX line near
# its top); prints the ones that do not and fails.
set -eu
cd "$(dirname "$0")/.."
missing=$(git ls-files '*.c' '*.h' '*.comp' '*.glsl' '*.py' '*.sh' '*.mjs' 'meson.build' '*/meson.build' \
              'meson_options.txt' '.ci/run' |
          while read -r f; do head -n 3 "$f" | grep -q 'SPDX-License-Identifier: LGPL-2.1-or-later' || echo "$f"; done)
if [ -n "$missing" ]; then
    echo "no SPDX licence line in:" >&2
    echo "$missing" >&2
    exit 1
fi
echo "every source file has its SPDX line"
