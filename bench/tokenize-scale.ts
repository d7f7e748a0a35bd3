/**
 * Scale run: RQ-KMeans 3x256 on N synthetic items x D dims (default 1,000,000 x 128): fit on a subsample
 * (k-means++ on a smaller one), encode ALL items with the frozen model, build the SemanticIdTable (collision
 * digit + trie), report times and peak RSS.
 * Usage: node dist/bench/tokenize-scale.js [--n 1000000] [--dim 128] [--fit-sample 131072] [--json out.json]
 */
import { Rng } from '../src/core/rng.js';
import { peakRssMiB } from '../src/core/memory.js';
import { writeJsonAtomic } from '../src/core/atomic.js';
import { describeKernels } from '../src/tensor/kernels/registry.js';
import { fitTokenizer } from '../src/tokenize/fit.js';
import { SemanticIdTable } from '../src/tokenize/sid-table.js';
import { formatTokenizeReport, tokenizeReport } from '../src/tokenize/report.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const n = flag('n', 1_000_000);
const dim = flag('dim', 128);
const fitSample = flag('fit-sample', 131_072);
const jsonAt = process.argv.indexOf('--json');

console.log(`kernels: ${JSON.stringify(describeKernels().chosen)}`);
// Hierarchical topics like a real catalogue: 256 departments x 16 categories x 16 sub-categories, each level a
// smaller offset, plus item-specific noise.
let t = performance.now();
const rng = new Rng(1);
const level = (count: number, scale: number): Float32Array => new Float32Array(count * dim).map(() => scale * rng.normal());
const a = level(256, 1);
const b = level(256 * 16, 0.5);
const c = level(256 * 16 * 16, 0.25);
const data = new Float32Array(n * dim);
for (let i = 0; i < n; i++) {
  const g = rng.int(256);
  const s = g * 16 + rng.int(16);
  const u = s * 16 + rng.int(16);
  for (let j = 0; j < dim; j++) data[i * dim + j] = a[g * dim + j] + b[s * dim + j] + c[u * dim + j] + 0.1 * rng.normal();
}
const genSeconds = (performance.now() - t) / 1000;
console.log(`generated ${n} x ${dim} in ${genSeconds.toFixed(1)} s`);

t = performance.now();
const features = { count: n, dim, data };
const fitted = fitTokenizer({ kind: 'rqkmeans', levels: 3, codebookSize: 256, fitSample, initSample: 8192 }, features);
t = performance.now();
const table = SemanticIdTable.forTokenizer(fitted.tokenizer, fitted.codes, n);
const tableSeconds = (performance.now() - t) / 1000;
const report = tokenizeReport({ tokenizer: fitted.tokenizer, table, features, fitSeconds: fitted.fitSeconds, encodeSeconds: fitted.encodeSeconds });
console.log(formatTokenizeReport(report));
const total = fitted.fitSeconds + fitted.encodeSeconds + tableSeconds;
console.log(
  `fit ${fitted.fitSeconds.toFixed(1)} s (on ${Math.min(n, fitSample)} sampled items), encode all ${n} ${fitted.encodeSeconds.toFixed(1)} s, SID table ${tableSeconds.toFixed(1)} s (${table.nodeCount} trie nodes); total ${total.toFixed(1)} s`,
);
console.log(`peak RSS ${peakRssMiB().toFixed(0)} MiB`);
if (jsonAt >= 0) writeJsonAtomic(process.argv[jsonAt + 1], { n, dim, fitSample, genSeconds, tableSeconds, total, report, peakRssMiB: peakRssMiB() });
