/**
 * DIGER's recommendation loss into the Semantic IDs (`--sid-gradient recommendation`; the authors' later "true
 * end-to-end" training modes, junchen-fu/DIGER): the recommender reads and predicts the epoch's cached SIDs exactly
 * as TIGER does, while its gradient reaches each item's current soft code assignment through a straight-through
 * one-hot ST = onehot(cached code) + soft - sg(soft) (value: the cached one-hot; gradient: into `soft`, and through
 * it into the codebooks). Three paths, as there: every base digit of a history item enters the encoder as ST @ E_l
 * (E_l: digit l's rows of the token table; the value is the cached code's token embedding), the decoder's
 * teacher-forced digits likewise, and each target digit's cross-entropy takes ST as its label, which adds
 * (ST - sg(ST)) . (-log p) (value 0; gradient -log p into the assignment). The collision digit stays a hard token.
 * Unlike the first DIGER here (BENCHMARKS.md, session 11), the forward pass never reads the moving codes: they
 * change only when the table is refreshed at the next epoch's start.
 */
import { SidrecError } from '../../core/errors.js';
import type { SidBatch } from '../../model/sid-batch.js';
import type { Tiger } from '../../model/tiger.js';
import { packEncoderRows } from '../../model/tiger-vocab.js';
import {
  add,
  concat,
  embedding,
  intTensor,
  linear,
  logSoftmax,
  matmul,
  meanAll,
  mul,
  mulScalar,
  noGrad,
  slice,
  sub,
  tensor,
  type Tensor,
} from '../../tensor/index.js';
import type { ForwardContext } from '../../tensor/layers/index.js';
import type { SemanticIdTable } from '../../tokenize/sid-table.js';

/** The batch's distinct items (history and targets), in first-seen order. */
export function batchItems(batch: SidBatch): Int32Array {
  if (!batch.histories || !batch.users) throw new SidrecError('E_STATE', 'a DIGER batch needs its histories and users (packSidBatch gives them)');
  const seen = new Set<number>();
  for (const h of batch.histories) for (const item of h) seen.add(item);
  for (const item of batch.targetItems) seen.add(item);
  return Int32Array.from(seen);
}

/** onehot(codes) in value, `soft` in gradient: (U, K). */
export function cachedStraightThrough(soft: Tensor, codes: Int32Array): Tensor {
  const [U, K] = soft.shape;
  const onehot = new Float32Array(U * K);
  for (let u = 0; u < U; u++) onehot[u * K + codes[u]] = 1;
  return add(tensor(onehot, [U, K]), sub(soft, tensor(soft.f32.slice(), [U, K])));
}

/**
 * TIGER's loss on `batch` (the value TIGER's own `loss` gives on the cached `table`) with the gradient paths into
 * `soft` (per base level, (U, K) for the U = `items` of the batch, as `batchItems` lists them).
 */
export function recommendationLossIntoCodes(
  tiger: Tiger,
  table: SemanticIdTable,
  batch: SidBatch,
  items: Int32Array,
  soft: readonly Tensor[],
  ctx: ForwardContext,
): Tensor {
  const { vocab } = tiger;
  const levels = soft.length;
  const m = vocab.digits;
  if (m !== levels + 1) throw new SidrecError('E_SHAPE', `${m} SID digits for ${levels} tokenizer levels (one collision digit expected)`);
  const U = items.length;
  const where = new Map<number, number>();
  items.forEach((item, u) => where.set(item, u));
  const E = tiger.tokens.table; // (V, D)
  const V = E.shape[0];
  const st = soft.map((s, l) => {
    const cached = new Int32Array(U);
    for (let u = 0; u < U; u++) cached[u] = table.codesOf(items[u])[l];
    return cachedStraightThrough(s, cached);
  });
  // The batch's table: the token table, then each level's U rows ST_l @ E_l (an item's digit-l embedding).
  const rows = st.map((x, l) => matmul(x, slice(E, 0, vocab.offsets[l], vocab.offsets[l] + x.shape[1])));
  const batchTable = concat([E, ...rows], 0);
  const row = (item: number, d: number): number => {
    if (d < levels) return V + d * U + (where.get(item) as number);
    return vocab.token(d, table.codesOf(item)[d]);
  };
  const users = batch.users as Int32Array;
  const input = packEncoderRows(batch.histories as Int32Array[], m, tiger.config.maxItems, (r) => vocab.userToken(users[r]), row);
  const { memory, padding } = tiger.encodeEmbedded(embedding(batchTable, intTensor(input.ids, [input.size, input.length])), input, ctx);
  const B = batch.size;
  const decoderIds = new Int32Array(B * m);
  const targetRows = new Int32Array(B);
  for (let r = 0; r < B; r++) {
    const target = batch.targetItems[r];
    targetRows[r] = where.get(target) as number;
    decoderIds[r * m] = vocab.bos;
    for (let d = 0; d + 1 < m; d++) decoderIds[r * m + 1 + d] = row(target, d);
  }
  const h = tiger.decodeEmbedded(memory, padding, embedding(batchTable, intTensor(decoderIds, [B, m])), 1, ctx); // (B, m, D)
  // The label path: (ST - sg(ST)) . (-log p), value 0, gradient -log p / B into the targets' assignments.
  return tiger.digitLoss(h, batch, (d, hd) => {
    if (d >= levels) return null;
    const head = tiger.head(d);
    const negLogP = noGrad(() => logSoftmax(linear(hd, head.weight, head.bias)).f32.map((v) => -v));
    const labels = embedding(st[d], intTensor(targetRows, [B])); // (B, K)
    const K = labels.shape[1];
    const moved = sub(labels, tensor(labels.f32.slice(), [B, K]));
    return mulScalar(meanAll(mul(moved, tensor(negLogP, [B, K]))), K);
  });
}
