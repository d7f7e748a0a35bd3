/**
 * Amazon Sports has no item text: item features from S3-Rec's opaque attribute ids (brand/category) and from
 * co-occurrence in TRAINING sequences (leave-one-out: each user's last two items are held out), combined with
 * equal weight; then RQ-KMeans 3x256 and OPQ 16x256 (RPG's m for Sports) with reports.
 * Usage: node dist/bench/tokenize-sports.js [data-dir] [--json out.json]
 */
import { firstCodeAgreement } from './code-agreement.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { peakRssMiB } from '../src/core/memory.js';
import { writeJsonAtomic } from '../src/core/atomic.js';
import { attributeFeatures } from '../src/features/attributes.js';
import { cooccurrenceFeatures } from '../src/features/cooccurrence.js';
import { combineFeatures } from '../src/features/combine.js';
import { fitTokenizer } from '../src/tokenize/fit.js';
import { SemanticIdTable } from '../src/tokenize/sid-table.js';
import { formatTokenizeReport, tokenizeReport } from '../src/tokenize/report.js';

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const dir = args.find((a, i) => !a.startsWith('--') && (jsonAt < 0 || i !== jsonAt + 1)) ?? '/work/shared/data/amazon-sports';

const attrJson = JSON.parse(readFileSync(join(dir, 'item_attributes.json'), 'utf8')) as Record<string, number[]>;
const train: Int32Array[] = [];
let maxItem = 0;
for (const line of readFileSync(join(dir, 'sequences.txt'), 'utf8').split('\n')) {
  const ids = line.trim().split(/\s+/).slice(1).map(Number);
  if (ids.length === 0) continue;
  for (const id of ids) maxItem = Math.max(maxItem, id);
  if (ids.length > 2) train.push(Int32Array.from(ids.slice(0, -2), (id) => id - 1));
}
const n = maxItem;
const attributes: number[][] = Array.from({ length: n }, (_, i) => attrJson[String(i + 1)] ?? []);

let t = performance.now();
const attr = attributeFeatures(attributes, { dim: 64 });
const attrSeconds = (performance.now() - t) / 1000;
t = performance.now();
const cooc = cooccurrenceFeatures(train, n, { dim: 64, window: 5 });
const coocSeconds = (performance.now() - t) / 1000;
const features = combineFeatures([
  { features: attr, weight: 1 },
  { features: cooc, weight: 1 },
]);
console.log(
  `${n} items, ${train.length} training sequences; attribute features ${attrSeconds.toFixed(1)} s, co-occurrence ${coocSeconds.toFixed(1)} s -> ${features.dim} dims`,
);

/**
 * P(two items share a specific attribute) for same-first-code pairs vs random pairs; attributes on more than 5% of
 * items (the root category every item has) are ignored, or every pair would agree.
 */
function attributeAgreement(codes: Int32Array, digits: number, pairs = 100_000): { sameCode: number; random: number } {
  const df = new Map<number, number>();
  for (const a of attributes) for (const x of new Set(a)) df.set(x, (df.get(x) ?? 0) + 1);
  const specific = attributes.map((a) => a.filter((x) => (df.get(x) ?? 0) <= 0.05 * n));
  const sets = specific.map((a) => new Set(a));
  const share = (i: number, j: number): boolean => specific[i].some((a) => sets[j].has(a));
  return firstCodeAgreement(codes, digits, n, share, pairs);
}

const reports: Record<string, unknown> = {};
for (const config of [
  { kind: 'rqkmeans', levels: 3, codebookSize: 256 },
  { kind: 'opq', subspaces: 16, codebookSize: 256 },
] as const) {
  const fitted = fitTokenizer(config, features);
  const table = SemanticIdTable.forTokenizer(fitted.tokenizer, fitted.codes, n);
  const report = tokenizeReport({ tokenizer: fitted.tokenizer, table, features, fitSeconds: fitted.fitSeconds, encodeSeconds: fitted.encodeSeconds });
  console.log(formatTokenizeReport(report));
  const agreement = attributeAgreement(fitted.codes, fitted.tokenizer.digits);
  console.log(`  share-an-attribute: same first code ${(100 * agreement.sameCode).toFixed(1)}% vs random pairs ${(100 * agreement.random).toFixed(1)}%`);
  reports[config.kind] = { ...report, attributeAgreement: agreement };
}
console.log(`peak RSS ${peakRssMiB().toFixed(0)} MiB`);
if (jsonAt >= 0) writeJsonAtomic(args[jsonAt + 1], { attrSeconds, coocSeconds, reports, peakRssMiB: peakRssMiB() });
