/**
 * Engine benchmark (`npm run bench:engine -- [--batch 256] [--steps 5] [--json] [--no-torch]`): sgemm GFLOP/s on
 * the three reference shapes through the default kernel table, then the reference model (reference-model.ts)
 * trained for `steps` timed steps after one warm-up step: median ms per step (forward + backward + Adam),
 * positions/s, peak RSS and the loss trajectory. When Debian's PyTorch is importable, runs
 * ../shared/bench/torch_reference.py (relative to the repository root) with the same flags and reports
 * ours / PyTorch ratios. With --json prints exactly one JSON line on stdout.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/rng.js';
import { describeKernels, kernels } from '../src/tensor/kernels/registry.js';
import { loadedBlasAddon } from '../src/tensor/kernels/load.js';
import { buildReferenceModel, randomCodes, T } from './reference-model.js';
import { median, peakRssMib, timeIt } from './timing.js';

interface Flags {
  readonly batch: number;
  readonly steps: number;
  readonly json: boolean;
  readonly torch: boolean;
}

function parseFlags(argv: readonly string[]): Flags {
  const flags = { batch: 256, steps: 5, json: false, torch: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') flags.json = true;
    else if (a === '--no-torch') flags.torch = false;
    else if (a === '--batch' || a === '--steps') {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} needs a positive integer, got "${argv[i]}"`);
      flags[a === '--batch' ? 'batch' : 'steps'] = v;
    } else throw new Error(`unknown flag "${a}" (expected --batch N, --steps N, --json, --no-torch)`);
  }
  return flags;
}

function sgemm(m: number, k: number, n: number): { shape: string; ms: number; gflops: number } {
  const a = new Float32Array(m * k).map((_, i) => ((i * 7) % 13) / 13 - 0.5);
  const b = new Float32Array(k * n).map((_, i) => ((i * 5) % 11) / 11 - 0.5);
  const c = new Float32Array(m * n);
  const K = kernels();
  const t = timeIt(() => K.gemm({ transA: false, transB: false, m, n, k, a, b, c }), 600, 3);
  return { shape: `${m}x${k}x${n}`, ms: t.ms, gflops: (2 * m * k * n) / t.ms / 1e6 };
}

function trainSteps(batch: number, steps: number) {
  const rng = new Rng(0);
  const model = buildReferenceModel(0);
  const codes = randomCodes(batch, rng);
  const targets = randomCodes(batch, rng);
  const times: number[] = [];
  const losses: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const t0 = performance.now();
    losses.push(model.step(codes, targets));
    if (i > 0) times.push(performance.now() - t0); // the first step is warm-up, as in the PyTorch reference
  }
  const params = model.params.reduce((s, p) => s + p.tensor.size, 0);
  const ms = median(times);
  return { params, step_ms_median: ms, step_ms: times, positions_per_s: (batch * T) / (ms / 1e3), losses };
}

/** Runs the PyTorch reference if python3-torch is importable; undefined (with the reason) otherwise. */
function runTorch(flags: Flags): { result?: Record<string, unknown>; skipped?: string } {
  const script = fileURLToPath(new URL('../../../shared/bench/torch_reference.py', import.meta.url));
  if (!existsSync(script)) return { skipped: `${script} not found` };
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skipped: 'python3 cannot import torch' };
  const r = spawnSync('/usr/bin/python3', [script, '--json', '--batch', String(flags.batch), '--steps', String(flags.steps)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const line = r.stdout?.trim().split('\n').pop();
  if (r.status !== 0 || !line) return { skipped: `torch_reference.py failed (${r.status}): ${r.stderr?.slice(-300)}` };
  return { result: JSON.parse(line) as Record<string, unknown> };
}

function main(): void {
  const flags = parseFlags(process.argv.slice(2));
  const kernelTable = describeKernels();
  const sgemms = [sgemm(12800, 448, 1024), sgemm(1, 448, 8192), sgemm(1024, 1024, 1024)];
  const train = trainSteps(flags.batch, flags.steps);
  const ours = {
    runtime: `sidrec node ${process.version}`,
    batch: flags.batch,
    kernels: kernelTable.chosen,
    kernel_failures: kernelTable.failures,
    openblas: loadedBlasAddon()?.info() ?? null,
    openblas_coretype: process.env.OPENBLAS_CORETYPE ?? null,
    sgemm: sgemms,
    ...train,
    peak_rss_mib: peakRssMib(),
  };
  const torch = flags.torch ? runTorch(flags) : { skipped: '--no-torch' };
  const t = torch.result as { step_ms_median?: number; peak_rss_mib?: number } | undefined;
  const ratios = t?.step_ms_median && t.peak_rss_mib ? { step_ms: ours.step_ms_median / t.step_ms_median, peak_rss: ours.peak_rss_mib / t.peak_rss_mib } : null;
  if (flags.json) {
    console.log(JSON.stringify({ ...ours, torch: torch.result ?? null, torch_skipped: torch.skipped ?? null, ratio_vs_torch: ratios }));
    return;
  }
  console.log(`kernels: ${JSON.stringify(kernelTable.chosen)}`);
  if (Object.keys(kernelTable.failures).length) console.log(`unavailable: ${JSON.stringify(kernelTable.failures)}`);
  if (ours.openblas) console.log(`openblas: ${JSON.stringify(ours.openblas)}`);
  for (const s of sgemms) console.log(`sgemm ${s.shape}: ${s.ms.toFixed(3)} ms  ${s.gflops.toFixed(1)} GFLOP/s`);
  console.log(
    `train step B=${flags.batch}: median ${ours.step_ms_median.toFixed(0)} ms  ${ours.positions_per_s.toFixed(0)} positions/s  ` +
      `peak RSS ${ours.peak_rss_mib.toFixed(0)} MiB  loss ${ours.losses.map((l) => l.toFixed(3)).join(' -> ')}`,
  );
  if (torch.skipped) console.log(`pytorch: skipped (${torch.skipped})`);
  else if (t) {
    console.log(`pytorch (${String(torch.result?.runtime)}): median ${t.step_ms_median?.toFixed(0)} ms  peak RSS ${t.peak_rss_mib?.toFixed(0)} MiB`);
    for (const s of (torch.result?.sgemm ?? []) as { shape: string; gflops: number }[]) console.log(`  torch sgemm ${s.shape}: ${s.gflops.toFixed(1)} GFLOP/s`);
    if (ratios) console.log(`ours / pytorch: step time ${ratios.step_ms.toFixed(2)}x  peak RSS ${ratios.peak_rss.toFixed(2)}x`);
  }
}

main();
