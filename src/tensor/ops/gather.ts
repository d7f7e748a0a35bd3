/**
 * Embedding look-ups with scatter-add backward, through the embeddingBag kernels: `embedding` (one row per id, a
 * bag of one) and `embeddingBag` (sum or mean of several rows per position: RPG's item input is the mean of its m
 * code embeddings; the reference benchmark sums 32). Negative ids are padding: they contribute nothing (and are
 * left out of a bag's mean).
 */
import { SidrecError } from '../../core/errors.js';
import { kernels } from '../kernels/registry.js';
import { allocF32 } from '../pool.js';
import { makeResult, gradOf, type Tensor } from '../tensor.js';

export type BagMode = 'sum' | 'mean';

/** table (V, D), ids int32 (...) -> (..., D). */
export function embedding(table: Tensor, ids: Tensor): Tensor {
  return bagOp(table, ids, 1, [...ids.shape], 'sum');
}

/** table (V, D), ids int32 (..., m) -> (..., D): per position, the sum or mean of m rows. */
export function embeddingBag(table: Tensor, ids: Tensor, mode: BagMode = 'mean'): Tensor {
  if (ids.rank < 1) throw new SidrecError('E_SHAPE', 'embeddingBag ids need a bag axis (..., m)');
  return bagOp(table, ids, ids.shape[ids.rank - 1], ids.shape.slice(0, -1), mode);
}

function bagOp(table: Tensor, ids: Tensor, bag: number, lead: number[], mode: BagMode): Tensor {
  if (table.rank !== 2) throw new SidrecError('E_SHAPE', `embedding table must be (V, D), got [${table.shape}]`);
  const [V, D] = table.shape;
  const I = ids.i32;
  const positions = bag === 0 ? 0 : I.length / bag;
  let weights: Float32Array | undefined;
  for (let i = 0; i < I.length; i++) {
    if (I[i] >= V) throw new SidrecError('E_SHAPE', `embedding id ${I[i]} out of range [0, ${V})`);
  }
  if (mode === 'mean' && bag > 1) {
    weights = new Float32Array(positions);
    for (let p = 0; p < positions; p++) {
      let count = 0;
      for (let b = 0; b < bag; b++) if (I[p * bag + b] >= 0) count++;
      weights[p] = count > 0 ? 1 / count : 0;
    }
  }
  const out = allocF32(positions * D, false);
  kernels().embeddingBagForward({ table: table.f32, dim: D, ids: I, bag, positions, weights, out });
  return makeResult(out, [...lead, D], [table], (g) => {
    kernels().embeddingBagBackward({ table: gradOf(table), dim: D, ids: I, bag, positions, weights, dOut: g });
  });
}
