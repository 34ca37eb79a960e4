#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A/B timing of two `swin bench ... --json` command lines on a shared machine.

The two commands run alternately for several rounds (A, B, B, A, A, B, ...:
each goes first half of the time), so that load from other processes hits
both alike; the result is the median of the per-round ratios B/A, with the
minimum of each side beside it.  Example:

  tools/bench_ab.py --rounds 6 \\
      'build/tools/swin bench --model M --iters 3 --json' \\
      'build/tools/swin bench --model M --iters 3 --json --precision fp16'
"""
import argparse
import json
import shlex
import statistics
import subprocess
import sys


def run(cmd, metric):
    out = subprocess.run(shlex.split(cmd), capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"failed ({out.returncode}): {cmd}\n{out.stderr.strip()}")
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)[metric]
    sys.exit(f"no JSON line from: {cmd}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--metric", default="median_ms",
                    help="median_ms (wall time) or cpu_ms (process CPU time per forward: steadier "
                         "than wall time under load, for lavapipe)")
    ap.add_argument("a")
    ap.add_argument("b")
    args = ap.parse_args()
    a_ms, b_ms, ratios = [], [], []
    for r in range(args.rounds):
        order = [("a", args.a), ("b", args.b)]
        if r % 4 in (1, 2):
            order.reverse()
        got = {k: run(cmd, args.metric) for k, cmd in order}
        a_ms.append(got["a"])
        b_ms.append(got["b"])
        ratios.append(got["b"] / got["a"])
        print(f"round {r + 1}: A {got['a']:.1f}, B {got['b']:.1f} ({args.metric}), B/A {ratios[-1]:.3f}", flush=True)
    print(f"B/A median of {args.rounds} rounds: {statistics.median(ratios):.3f} "
          f"(min A {min(a_ms):.1f}, min B {min(b_ms):.1f}, min ratio {min(b_ms) / min(a_ms):.3f})")


if __name__ == "__main__":
    main()
