#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what tools/bench_side_by_side.py needs; safe to run again.
# Benchmark tooling only: CI and the product need none of this.
#   Debian: python3-torch, python3-torchvision (PyTorch), libopenblas0-openmp
#     (without an optimised BLAS Debian's torch uses the reference BLAS, ~30x
#     slower), python3-onnx (torch.onnx.export).
#   npm: onnxruntime-node into .bench/node_modules (git-ignored).
# Run as root (apt-get). Needs node and npm.
set -eu

ORT_VERSION=1.30.0
repo=$(cd "$(dirname "$0")/.." && pwd)
bench="$repo/.bench"

missing=
for pkg in python3-torch python3-torchvision libopenblas0-openmp python3-onnx; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$' ||
    missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  echo "bench_setup.sh: installing$missing"
  # A fresh machine may have no package lists yet.
  apt-get install -y $missing || { apt-get update && apt-get install -y $missing; }
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "bench_setup.sh: npm is not installed" >&2
  exit 1
fi
installed=$(node -p "require('$bench/node_modules/onnxruntime-node/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$ORT_VERSION" ]; then
  mkdir -p "$bench"
  [ -f "$bench/package.json" ] || echo '{ "private": true }' > "$bench/package.json"
  # The package's install script would download GPU extras, which fails
  # offline; the CPU binary ships inside the package itself.
  (cd "$bench" && npm install --no-audit --no-fund "onnxruntime-node@$ORT_VERSION" \
    --onnxruntime-node-install=skip)
fi
echo "bench_setup.sh: ready (onnxruntime-node $ORT_VERSION in $bench/node_modules)"
