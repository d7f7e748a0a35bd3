/**
 * What the length-sorted parts of uniformly drawn SID batches cost (TIGER / Gryphon / DIGER with --batching uniform):
 * times whole training steps (every part's forward and backward, gradients summed with the parts' weights, as the
 * trainer does) of the same uniform batches under two part settings (slack, minimum rows), interleaved batch by
 * batch so that a shared machine's load falls on both alike; prints the padded encoder tokens and the attention
 * cost of an epoch's parts against length-bucketed batches, and seconds per step for each setting.
 * Usage: node dist/bench/sid-parts.js DATA_DIR SIDS_DIR [--history 50] [--layers 6] [--heads 4] [--head-dim 32] [--ffn 512]
 *        [--steps 6] [--slack-a 1.5 --rows-a 16] [--slack-b 1.25 --rows-b 8]
 * (the defaults: DIGER's recommender at the authors' size, and sidParts' setting before session 25, 1.5 and 16 rows,
 * against its current one, 1.25 and 8; TIGER's reference: --history 20 --layers 4 --heads 6 --head-dim 64 --ffn 1024)
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Rng } from '../src/core/rng.js';
import { loadDataset, split } from '../src/data/index.js';
import { AdamW, mulScalar, tidy } from '../src/tensor/index.js';
import { loadSidTable, TABLE_FILE } from '../src/tokenize/index.js';
import { lengthGroups } from '../src/train/batches.js';
import { bucketedExampleRows, sidExamples, sidParts, sidUniformBatches } from '../src/train/tiger-batches.js';
import { createSidModel } from '../src/families/tiger/train.js';
import type { Tiger } from '../src/model/tiger.js';
import { median, peakRssMib } from './timing.js';

const USAGE =
  'usage: sid-parts.js DATA_DIR SIDS_DIR [--history N] [--layers N] [--heads N] [--head-dim N] [--ffn N] [--steps N] [--slack-a X --rows-a N] [--slack-b X --rows-b N]';

const { values: o, positionals } = parseArgs({
  allowPositionals: true,
  options: Object.fromEntries(
    ['history', 'layers', 'heads', 'head-dim', 'ffn', 'steps', 'slack-a', 'rows-a', 'slack-b', 'rows-b'].map((k) => [k, { type: 'string' as const }]),
  ),
});
const [dir, sidsDir] = positionals;
if (!dir || !sidsDir) throw new Error(USAGE);
const num = (key: string, fallback: number): number => (o[key] === undefined ? fallback : Number(o[key]));
const history = num('history', 50);
const layers = num('layers', 6);
const steps = num('steps', 6);
const settings = [
  { slack: num('slack-a', 1.5), minRows: num('rows-a', 16) },
  { slack: num('slack-b', 1.25), minRows: num('rows-b', 8) },
];
const heads = num('heads', 4);
const modelConfig = { encoderLayers: layers, decoderLayers: layers, maxItems: history, ffn: num('ffn', 512), heads, headDim: num('head-dim', 128 / heads) };

const sp = split(loadDataset(dir), { historyCap: 50 });
const table = loadSidTable(join(sidsDir, TABLE_FILE));
const tiger = createSidModel('tiger', sp.numItems, table, modelConfig, 0) as Tiger;
const ex = sidExamples(sp.train);
const ctx = { vocab: tiger.vocab, table, itemTokens: tiger.vocab.itemTokens(table), maxItems: history };
const uniform = sidUniformBatches(ex, 256, new Rng(1));

/** An example's history length as the encoder reads it. */
const len = (i: number): number => Math.max(1, Math.min(ex.pos[i], history));

/** Padded encoder tokens and the sum of rows x T^2 over an epoch's groups. */
function epochCost(groups: readonly (readonly number[])[]): { tokens: number; attention: number; groups: number } {
  let tokens = 0;
  let attention = 0;
  for (const g of groups) {
    const t = Math.max(...g.map(len)) * table.digits + 1;
    tokens += g.length * t;
    attention += g.length * t * t;
  }
  return { tokens, attention, groups: groups.length };
}
function partsCost(slack: number, minRows: number): ReturnType<typeof epochCost> {
  return epochCost(uniform.flatMap((b) => lengthGroups(Array.from(b), len, slack, minRows)));
}
const bucketed = epochCost(bucketedExampleRows(ex, history, 256, new Rng(1)));
console.log(`history ${history}, ${layers}+${layers} layers, ${(tiger.parameterCount() / 1e6).toFixed(2)}M parameters, ${uniform.length} batches an epoch`);
console.log(`length-bucketed: ${bucketed.groups} batches, encoder tokens 1.00, attention 1.00`);
for (const s of settings) {
  const c = partsCost(s.slack, s.minRows);
  console.log(
    `uniform, slack ${s.slack}, at least ${s.minRows} rows: ${(c.groups / uniform.length).toFixed(1)} parts a batch, encoder tokens ${(c.tokens / bucketed.tokens).toFixed(2)}, attention ${(c.attention / bucketed.attention).toFixed(2)}`,
  );
}

const opt = new AdamW(tiger.namedParameters(), { lr: 1e-3 });
const rng = new Rng(2);
const seconds: number[][] = settings.map(() => []);
for (let i = 0; i < steps; i++) {
  settings.forEach((s, k) => {
    const t0 = performance.now();
    opt.zeroGrad();
    for (const [part, weight] of sidParts(ex, ctx, uniform[i], s.slack, s.minRows))
      tidy(() => mulScalar(tiger.loss(part, { training: true, rng }), weight).backward());
    opt.step();
    seconds[k].push((performance.now() - t0) / 1000);
  });
  console.log(`step ${i}: ${settings.map((s, k) => `slack ${s.slack}/${s.minRows} ${seconds[k][i].toFixed(2)} s`).join(', ')}`);
}
const [a, b] = seconds.map((xs) => median(xs.slice(1)));
console.log(`median s/step (first step left out): ${a.toFixed(2)} vs ${b.toFixed(2)}: ratio ${(b / a).toFixed(3)}; peak RSS ${peakRssMib().toFixed(0)} MiB`);
