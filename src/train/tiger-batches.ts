/**
 * Training examples for the SID generators (TIGER, Gryphon): every prefix of every training sequence predicts
 * its next item (TIGER's sliding-window augmentation), the history cut to the most recent `maxItems` items.
 * Batches are bucketed by history length (as the SASRec batches are), so the encoder input is only as long as
 * the batch's longest history. `examplesPerUser` optionally keeps only the most recent prefixes of each user
 * (the last one always), a compute budget knob.
 */
import type { Rng } from '../core/rng.js';
import { lengthGroups } from './batches.js';
import type { TrainSequence } from '../data/index.js';
import type { SidBatch } from '../model/sid-batch.js';
import { packEncoder, type SidVocabulary } from '../model/tiger-vocab.js';
import type { SemanticIdTable } from '../tokenize/sid-table.js';
import type { TrainHooks } from './trainer.js';

export type { SidBatch } from '../model/sid-batch.js';

/** (sequence index, target position) pairs. */
export interface SidExamples {
  readonly sequences: readonly TrainSequence[];
  readonly seq: Int32Array;
  readonly pos: Int32Array;
}

/** Every (sequence, position >= 1) example; with `examplesPerUser`, only each user's last that many. */
export function sidExamples(train: readonly TrainSequence[], examplesPerUser = Infinity): SidExamples {
  const seq: number[] = [];
  const pos: number[] = [];
  train.forEach((s, i) => {
    const first = Math.max(1, s.items.length - examplesPerUser);
    for (let t = first; t < s.items.length; t++) {
      seq.push(i);
      pos.push(t);
    }
  });
  return { sequences: train, seq: Int32Array.from(seq), pos: Int32Array.from(pos) };
}

export interface SidBatchContext {
  readonly vocab: SidVocabulary;
  readonly table: SemanticIdTable;
  /** vocab.itemTokens(table) */
  readonly itemTokens: Int32Array;
  readonly maxItems: number;
}

/** One epoch's batches in a seeded order, bucketed by history length. */
export function sidBatches(ex: SidExamples, ctx: SidBatchContext, batchSize: number, rng: Rng): SidBatch[] {
  return bucketedExampleRows(ex, ctx.maxItems, batchSize, rng).map((rows) => packSidBatch(ex, ctx, rows));
}

/** One epoch's example indices in batches of similar history length (cut at `maxItems`), in a seeded order. */
export function bucketedExampleRows(ex: SidExamples, maxItems: number, batchSize: number, rng: Rng): number[][] {
  const n = ex.seq.length;
  const order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const len = (i: number): number => Math.min(ex.pos[i], maxItems);
  const span = batchSize * 64;
  const batches: number[][] = [];
  for (let start = 0; start < n; start += span) {
    const window = Array.from(order.subarray(start, Math.min(n, start + span))).sort((a, b) => len(a) - len(b) || a - b);
    for (let b = 0; b < window.length; b += batchSize) batches.push(window.slice(b, b + batchSize));
  }
  return rng.shuffle(batches);
}

export function packSidBatch(ex: SidExamples, ctx: SidBatchContext, rows: readonly number[]): SidBatch {
  const m = ctx.table.digits;
  const B = rows.length;
  const histories: Int32Array[] = [];
  const users = new Int32Array(B);
  const decoderInput = new Int32Array(B * m);
  const targetCodes = new Int32Array(B * m);
  const targetItems = new Int32Array(B);
  rows.forEach((e, r) => {
    const s = ex.sequences[ex.seq[e]];
    const t = ex.pos[e];
    histories.push(s.items.subarray(Math.max(0, t - ctx.maxItems), t));
    users[r] = s.user;
    const target = s.items[t];
    targetItems[r] = target;
    const codes = ctx.table.codesOf(target);
    decoderInput[r * m] = ctx.vocab.bos;
    for (let d = 0; d < m; d++) {
      targetCodes[r * m + d] = codes[d];
      if (d + 1 < m) decoderInput[r * m + d + 1] = ctx.vocab.token(d, codes[d]);
    }
  });
  return { size: B, encoder: packEncoder(ctx.vocab, ctx.itemTokens, histories, users, ctx.maxItems), decoderInput, targetCodes, targetItems, histories, users };
}

/**
 * One epoch of uniformly drawn batches of example indices (TIGER / Gryphon with `--batching uniform`): every
 * batch mixes short and long histories as the data does; `sidParts` computes each in length-sorted parts.
 */
export function sidUniformBatches(ex: SidExamples, batchSize: number, rng: Rng): Int32Array[] {
  const n = ex.seq.length;
  const order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const batches: Int32Array[] = [];
  for (let start = 0; start < n; start += batchSize) batches.push(order.slice(start, Math.min(n, start + batchSize)));
  return batches;
}

/**
 * A uniformly drawn batch as length-sorted parts, each packed on its own and weighted by its share of the examples
 * (each example weighs the same in the losses, so the weighted parts give the whole batch's gradient). A part closes
 * when its padded history positions would exceed `slack` x its real ones (at least `minRows` rows per part), as
 * batches.ts's lengthSortedParts does for next-item windows. Tighter than there (1.25 and 8 rows, not 1.5 and 16): an
 * encoder row holds 4-5 tokens an item, so a part of 8 long histories is still a sizeable product, while the looser
 * setting padded Beauty's uniform epochs to 1.37x the encoder tokens of length-bucketed ones (attention 1.81x) at a
 * history of 50, 1.19x (1.31x) at 20; these: 1.10x (1.18x) and 1.07x (1.13x). A step of DIGER's authors' size took
 * 0.74x the time so (bench/sid-parts.ts; BENCHMARKS.md, session 25).
 */
export function sidParts(ex: SidExamples, ctx: SidBatchContext, rows: Int32Array, slack = 1.25, minRows = 8): (readonly [SidBatch, number])[] {
  const len = (i: number): number => Math.max(1, Math.min(ex.pos[i], ctx.maxItems));
  return lengthGroups(Array.from(rows), len, slack, minRows).map((g) => [packSidBatch(ex, ctx, g), g.length / rows.length] as const);
}

/**
 * The training loop's batch hooks for the SID generators: 'uniform' draws example indices and computes each batch in
 * length-sorted parts (sidParts); 'length-bucketed' packs batches of similar-length histories (sidBatches).
 * `contextOf(epoch)` gives the SIDs an epoch trains on (fixed for TIGER and Gryphon; DIGER's move between epochs),
 * read once when that epoch's batches are drawn.
 */
export function sidBatchHooks(
  ex: SidExamples,
  batching: 'uniform' | 'length-bucketed',
  batchSize: number,
  contextOf: (epoch: number) => SidBatchContext,
): Pick<TrainHooks<SidBatch | Int32Array, SidBatch>, 'batches' | 'parts'> {
  if (batching === 'length-bucketed') return { batches: (epoch, rng) => sidBatches(ex, contextOf(epoch), batchSize, rng) };
  let epochContext: SidBatchContext | undefined;
  return {
    batches: (epoch, rng) => {
      epochContext = contextOf(epoch);
      return sidUniformBatches(ex, batchSize, rng);
    },
    parts: (rows) => sidParts(ex, epochContext as SidBatchContext, rows as Int32Array),
  };
}
