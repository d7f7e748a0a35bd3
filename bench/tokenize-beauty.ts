/**
 * Amazon Beauty SIDs end to end: items.jsonl text (title, brand, categories) -> TF-IDF/LSA features ->
 * RQ-KMeans 3x256 (+ collision digit) and OPQ 32x256 -> SemanticIdTables -> reports, plus a semantic sanity
 * check: items sharing a first-level RQ code share a leaf category far more often than random pairs.
 * Usage: node dist/bench/tokenize-beauty.js [path/to/items.jsonl] [--json out.json]
 */
import { firstCodeAgreement } from './code-agreement.js';
import { readFileSync } from 'node:fs';
import { peakRssMiB } from '../src/core/memory.js';
import { writeJsonAtomic } from '../src/core/atomic.js';
import { describeKernels } from '../src/tensor/kernels/registry.js';
import { TextFeaturizer, type ItemText } from '../src/features/text.js';
import { fitTokenizer } from '../src/tokenize/fit.js';
import { SemanticIdTable } from '../src/tokenize/sid-table.js';
import { formatTokenizeReport, tokenizeReport, type TokenizeReport } from '../src/tokenize/report.js';

interface RawItem extends ItemText {
  readonly id: number;
  readonly categories: readonly (readonly string[])[] | null;
}

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const jsonOut = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
const path = args.find((a, i) => !a.startsWith('--') && (jsonAt < 0 || i !== jsonAt + 1)) ?? '/work/shared/data/amazon-beauty/items.jsonl';

const raw = readFileSync(path, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as RawItem);
const items: RawItem[] = [];
for (const it of raw) items[it.id - 1] = it; // dense index = id - 1
const n = items.length;
const leaves = items.map((it) => new Set((it?.categories ?? []).map((p) => p[p.length - 1]).filter((x) => x !== undefined)));

console.log(`kernels: ${JSON.stringify(describeKernels().chosen)}`);
let t = performance.now();
const { features } = TextFeaturizer.fit(
  items.map((it) => it ?? {}),
  { dim: 256, seed: 0 },
);
const featureSeconds = (performance.now() - t) / 1000;
console.log(`text features: ${n} items x ${features.dim} dims in ${featureSeconds.toFixed(1)} s`);

function shareLeaf(i: number, j: number): boolean {
  for (const c of leaves[i]) if (leaves[j].has(c)) return true;
  return false;
}

/** P(share a leaf category) for pairs with the same first-digit code vs uniformly random pairs. */
function leafAgreement(codes: Int32Array, digits: number): { sameCode: number; random: number } {
  return firstCodeAgreement(codes, digits, n, shareLeaf);
}

const reports: Record<string, TokenizeReport & { leafAgreement?: { sameCode: number; random: number } }> = {};
for (const config of [
  { kind: 'rqkmeans', levels: 3, codebookSize: 256 },
  { kind: 'opq', subspaces: 32, codebookSize: 256 },
] as const) {
  t = performance.now();
  const fitted = fitTokenizer(config, features);
  const table = SemanticIdTable.forTokenizer(fitted.tokenizer, fitted.codes, n);
  const report = tokenizeReport({ tokenizer: fitted.tokenizer, table, features, fitSeconds: fitted.fitSeconds, encodeSeconds: fitted.encodeSeconds });
  console.log(formatTokenizeReport(report));
  const agreement = config.kind === 'rqkmeans' ? leafAgreement(fitted.codes, fitted.tokenizer.digits) : undefined;
  if (agreement) {
    console.log(
      `  leaf-category agreement: same first-level code ${(100 * agreement.sameCode).toFixed(1)}% vs random pairs ${(100 * agreement.random).toFixed(1)}%`,
    );
  }
  if (table.shape.collisionDigit) {
    const unique = table.collisionStats();
    console.log(
      `  after collision digit: ${table.digits} digits, ${new Set(Array.from({ length: n }, (_, i) => table.codesOf(i).join(','))).size} distinct SIDs for ${n} items (largest group ${unique.largestGroup} -> digit max ${unique.largestGroup - 1})`,
    );
  }
  reports[config.kind] = { ...report, ...(agreement ? { leafAgreement: agreement } : {}) };
}
console.log(`peak RSS ${peakRssMiB().toFixed(0)} MiB`);
if (jsonOut) writeJsonAtomic(jsonOut, { featureSeconds, reports, peakRssMiB: peakRssMiB() });
