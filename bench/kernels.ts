/**
 * Kernel benchmark (`npm run bench:kernels [-- --json] [-- --quick]`): every provider on the reference model's
 * shapes, to choose the default provider per kernel (registry.ts KERNEL_DEFAULTS). GEMMs report GFLOP/s; row and
 * elementwise kernels report ms. Plain TypeScript is skipped where one call would take many seconds.
 */
import { describeKernels, kernels, setKernelPreference } from '../src/tensor/kernels/registry.js';
import type { KernelName, Kernels, ProviderName } from '../src/tensor/kernels/types.js';
import { loadedBlasAddon } from '../src/tensor/kernels/load.js';
import { timeIt } from './timing.js';

interface Case {
  readonly kernel: KernelName;
  readonly label: string;
  readonly flops?: number;
  /** Estimated plain-TS cost in ms; cases above PLAIN_LIMIT_MS are not run on plain. */
  readonly plainMs: number;
  readonly setup: () => (k: Kernels) => void;
}

const PLAIN_LIMIT_MS = 4000;

function random(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

function gemmCase(m: number, k: number, n: number, transB = false): Case {
  const flops = 2 * m * n * k;
  return {
    kernel: 'gemm',
    label: `sgemm ${m}x${k}x${n}${transB ? ' (B^T)' : ''}`,
    flops,
    plainMs: flops / 3.4e6,
    setup: () => {
      const a = random(m * k),
        b = random(k * n, 2),
        c = new Float32Array(m * n);
      return (kr) => kr.gemm({ transA: false, transB, m, n, k, a, b, c });
    },
  };
}

function attentionCase(transA: boolean, transB: boolean, m: number, k: number, n: number, what: string): Case {
  const batch = 1024;
  const flops = 2 * batch * m * n * k;
  return {
    kernel: 'gemmBatched',
    label: `attention ${what} ${batch}x(${m}x${k}x${n})`,
    flops,
    plainMs: flops / 2e6,
    setup: () => {
      const a = random(batch * m * k),
        b = random(batch * k * n, 2),
        c = new Float32Array(batch * m * n);
      return (kr) => kr.gemmBatched({ transA, transB, m, n, k, a, b, c, batch, strideA: m * k, strideB: k * n, strideC: m * n });
    },
  };
}

const CASES: readonly Case[] = [
  gemmCase(12800, 448, 1024),
  gemmCase(1, 448, 8192),
  gemmCase(1024, 1024, 1024),
  gemmCase(12800, 448, 8192, true),
  attentionCase(false, true, 50, 112, 50, 'Q K^T'),
  attentionCase(false, false, 50, 50, 112, 'P V'),
  attentionCase(true, false, 50, 50, 112, 'P^T dY'),
  {
    kernel: 'softmaxCrossEntropy',
    label: 'softmax-CE 409600x256 (105M logits), grad in place',
    plainMs: 3000,
    setup: () => {
      const rows = 12800 * 32,
        cols = 256;
      const logits = random(rows * cols),
        targets = new Int32Array(rows).map((_, i) => (i * 37) % cols);
      const work = new Float32Array(rows * cols);
      return (kr) => {
        work.set(logits);
        kr.softmaxCrossEntropy({ logits: work, rows, cols, targets, grad: work, scale: 1 / 12800 });
      };
    },
  },
  {
    kernel: 'gelu',
    label: 'gelu 12800x1024',
    plainMs: 400,
    setup: () => {
      const x = random(12800 * 1024),
        y = new Float32Array(x.length);
      return (kr) => kr.gelu(x, y, x.length);
    },
  },
  {
    kernel: 'geluBackward',
    label: 'geluBackward 12800x1024 (accumulate)',
    plainMs: 500,
    setup: () => {
      const x = random(12800 * 1024),
        dy = random(x.length, 3),
        dx = new Float32Array(x.length);
      return (kr) => kr.geluBackward(x, dy, dx, x.length, true);
    },
  },
  {
    kernel: 'softmaxRows',
    label: 'softmaxRows 204800x50 (attention)',
    plainMs: 200,
    setup: () => {
      const x = random(204800 * 50);
      return (kr) => kr.softmaxRows(x, 204800, 50);
    },
  },
  {
    kernel: 'layerNormForward',
    label: 'layerNormForward 12800x448',
    plainMs: 60,
    setup: () => {
      const rows = 12800,
        cols = 448;
      const x = random(rows * cols),
        gamma = random(cols, 2),
        beta = random(cols, 3),
        out = new Float32Array(rows * cols);
      const mean = new Float32Array(rows),
        rstd = new Float32Array(rows);
      return (kr) => kr.layerNormForward({ x, gamma, beta, out, mean, rstd, rows, cols, eps: 1e-5 });
    },
  },
  {
    kernel: 'layerNormBackward',
    label: 'layerNormBackward 12800x448 (dx, dgamma, dbeta)',
    plainMs: 80,
    setup: () => {
      const rows = 12800,
        cols = 448;
      const x = random(rows * cols),
        gamma = random(cols, 2),
        dy = random(rows * cols, 3),
        dx = new Float32Array(rows * cols);
      const mean = new Float32Array(rows),
        rstd = new Float32Array(rows).fill(1);
      const dgamma = new Float32Array(cols),
        dbeta = new Float32Array(cols);
      return (kr) => kr.layerNormBackward({ x, gamma, mean, rstd, dy, dx, dgamma, dbeta, rows, cols });
    },
  },
  {
    kernel: 'adamStep',
    label: 'adamStep 10.8M params (the reference model)',
    plainMs: 80,
    setup: () => {
      const n = 10_822_272;
      const param = random(n),
        grad = random(n, 2),
        m = new Float32Array(n),
        v = new Float32Array(n);
      return (kr) =>
        kr.adamStep({ param, grad, m, v, n, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, biasCorrection1: 0.1, biasCorrection2: 0.001 });
    },
  },
  {
    kernel: 'embeddingBagForward',
    label: 'embeddingBagForward 12800 positions x 32 codes x 448',
    plainMs: 200,
    setup: () => {
      const rows = 8192,
        dim = 448,
        bag = 32,
        positions = 12800;
      const table = random(rows * dim),
        ids = Int32Array.from(random(positions * bag, 5), (v) => Math.floor((v + 0.5) * rows));
      const out = new Float32Array(positions * dim);
      return (kr) => kr.embeddingBagForward({ table, dim, ids, bag, positions, out });
    },
  },
  {
    kernel: 'embeddingBagBackward',
    label: 'embeddingBagBackward 12800 positions x 32 codes x 448',
    plainMs: 200,
    setup: () => {
      const rows = 8192,
        dim = 448,
        bag = 32,
        positions = 12800;
      const table = new Float32Array(rows * dim),
        ids = Int32Array.from(random(positions * bag, 5), (v) => Math.floor((v + 0.5) * rows));
      const dOut = random(positions * dim, 6);
      return (kr) => kr.embeddingBagBackward({ table, dim, ids, bag, positions, dOut });
    },
  },
];

export interface KernelResult {
  readonly kernel: KernelName;
  readonly case: string;
  readonly provider: ProviderName;
  readonly ms: number;
  readonly gflops?: number;
}

/** Runs `cases` on every loaded provider; `only` restricts the providers. */
export function benchKernels(cases: readonly Case[] = CASES, quick = false): KernelResult[] {
  const available = (['openblas', 'onnxruntime', 'plain'] as const).filter((p) => !(p in describeKernels().failures));
  const results: KernelResult[] = [];
  for (const c of cases) {
    const run = c.setup();
    for (const provider of available) {
      if (provider === 'plain' && c.plainMs > (quick ? 500 : PLAIN_LIMIT_MS)) continue;
      setKernelPreference({ [c.kernel]: provider });
      let k: Kernels;
      try {
        k = kernels();
      } catch {
        continue; // this provider does not implement the kernel
      }
      const t = timeIt(() => run(k), quick ? 300 : 1500, quick ? 1 : 3);
      results.push({ kernel: c.kernel, case: c.label, provider, ms: t.ms, ...(c.flops ? { gflops: c.flops / t.ms / 1e6 } : {}) });
    }
  }
  setKernelPreference({});
  return results;
}

export { CASES as KERNEL_CASES };

function main(): void {
  const json = process.argv.includes('--json');
  const quick = process.argv.includes('--quick');
  kernels();
  const info = loadedBlasAddon()?.info();
  if (!json) console.log('providers:', JSON.stringify(describeKernels().failures), 'openblas:', JSON.stringify(info ?? null));
  const results = benchKernels(CASES, quick);
  if (json) {
    console.log(JSON.stringify({ openblas: info ?? null, results }));
    return;
  }
  for (const r of results) {
    const rate = r.gflops !== undefined ? `${r.gflops.toFixed(1).padStart(7)} GFLOP/s` : '';
    console.log(`${r.case.padEnd(52)} ${r.provider.padEnd(12)} ${r.ms.toFixed(3).padStart(10)} ms ${rate}`);
  }
  console.log('defaults:', JSON.stringify(describeKernels().chosen));
}

if (import.meta.url === `file://${process.argv[1]}`) main();
