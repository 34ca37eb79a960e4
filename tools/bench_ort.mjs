#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
// Times an ONNX model with ONNX Runtime's CPU execution provider (npm
// onnxruntime-node), for tools/bench_side_by_side.py. Benchmark tooling only:
// nothing in the product depends on it.
//
// Usage: node tools/bench_ort.mjs --model M.onnx --input X.f32 --shape B,C,H,W
//          [--threads N] [--iters K] [--warmup K] [--spin 0|1] [--dump OUT.f32]
//          [--modules DIR]
//
// Prints one JSON line {ort_version, threads, median_ms, min_ms, max_ms,
// samples}. --dump also writes the first output (the logits) as raw float32
// little-endian. --spin 0 makes idle intra-op threads sleep instead of
// spinning (ONNX Runtime's session.intra_op.allow_spinning; default 1, its
// own default). --modules is the node_modules folder that holds
// onnxruntime-node (default: .bench/node_modules at the repository root, where
// tools/bench_setup.sh installs it).

import { createRequire } from 'node:module';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { endianness } from 'node:os';

function fail(message) {
  process.stderr.write(`bench_ort.mjs: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = {
    model: null, input: null, shape: null, threads: 2, iters: 10, warmup: 3, spin: 1, dump: null,
    modules: join(dirname(fileURLToPath(import.meta.url)), '..', '.bench', 'node_modules'),
  };
  const integers = new Set(['threads', 'iters', 'warmup', 'spin']);
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!argv[i].startsWith('--') || !(key in opts)) fail(`unknown option ${argv[i]}`);
    if (i + 1 >= argv.length) fail(`${argv[i]} needs a value`);
    opts[key] = argv[i + 1];
    if (integers.has(key)) {
      opts[key] = Number(argv[i + 1]);
      const least = key === 'warmup' || key === 'spin' ? 0 : 1;
      if (!Number.isInteger(opts[key]) || opts[key] < least) fail(`${argv[i]} must be an integer >= ${least}`);
    }
  }
  if (opts.spin !== 0 && opts.spin !== 1) fail('--spin must be 0 or 1');
  if (!opts.model || !opts.input || !opts.shape) fail('--model, --input and --shape are required');
  opts.shape = opts.shape.split(',').map(Number);
  if (opts.shape.length !== 4 || !opts.shape.every((d) => Number.isInteger(d) && d > 0)) {
    fail('--shape must be four positive integers B,C,H,W');
  }
  return opts;
}

function loadOrt(modules) {
  const dir = resolve(modules);
  if (!existsSync(join(dir, 'onnxruntime-node'))) {
    fail(`onnxruntime-node is not installed in ${dir}; run tools/bench_setup.sh`);
  }
  // createRequire resolves the package from that folder rather than from
  // this script's, so the install can live in a git-ignored folder.
  const require = createRequire(join(dir, 'bench_ort_resolver.cjs'));
  const ort = require('onnxruntime-node');
  const version = require('onnxruntime-node/package.json').version;
  return { ort, version };
}

function median(sorted) {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  // The .f32 files are little-endian and typed arrays use the host's order.
  if (endianness() !== 'LE') fail('this script assumes a little-endian host');
  const { ort, version } = loadOrt(opts.modules);

  const count = opts.shape.reduce((a, b) => a * b, 1);
  const bytes = readFileSync(opts.input);
  if (bytes.length !== count * 4) {
    fail(`${opts.input} has ${bytes.length} bytes; expected ${count * 4} (float32 [${opts.shape}])`);
  }
  // Copy into a fresh, aligned buffer: readFileSync's may be a pooled slice.
  const data = new Float32Array(count);
  new Uint8Array(data.buffer).set(bytes);

  const session = await ort.InferenceSession.create(opts.model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: String(opts.spin) } } },
  });
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, opts.shape) };
  const outName = session.outputNames[0];

  let out;
  for (let i = 0; i < opts.warmup; i++) out = await session.run(feeds);
  const samples = [];
  for (let i = 0; i < opts.iters; i++) {
    const t0 = performance.now();
    out = await session.run(feeds);
    samples.push(performance.now() - t0);
  }
  if (opts.dump) {
    const logits = out[outName].data;
    writeFileSync(opts.dump, Buffer.from(logits.buffer, logits.byteOffset, logits.byteLength));
  }
  const sorted = [...samples].sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({
    ort_version: version,
    threads: opts.threads,
    spin: opts.spin,
    median_ms: median(sorted),
    min_ms: sorted[0],
    max_ms: sorted[sorted.length - 1],
    samples,
  }) + '\n');
  await session.release();
}

main().catch((e) => fail(e && e.message ? e.message : String(e)));
