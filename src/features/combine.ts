/**
 * Weighted concatenation of feature blocks (text, attributes, collaborative, user vectors): each block's rows are
 * L2-normalised, then scaled by sqrt(weight), so a block's share of a squared distance is its weight.
 */
import { SidrecError } from '../core/errors.js';
import { l2NormalizeRows, type ItemFeatures } from './types.js';

export interface FeatureBlock {
  readonly features: ItemFeatures;
  /** @default 1 */
  readonly weight?: number;
}

export function combineFeatures(blocks: readonly FeatureBlock[]): ItemFeatures {
  if (blocks.length === 0) throw new SidrecError('E_CONFIG', 'combineFeatures: no blocks');
  const count = blocks[0].features.count;
  let dim = 0;
  for (const [i, b] of blocks.entries()) {
    if (b.features.count !== count) {
      throw new SidrecError('E_SHAPE', `combineFeatures: block ${i} has ${b.features.count} items, block 0 has ${count}`);
    }
    if (!((b.weight ?? 1) >= 0)) throw new SidrecError('E_CONFIG', `combineFeatures: block ${i} weight ${b.weight} is negative`);
    dim += b.features.dim;
  }
  const data = new Float32Array(count * dim);
  let offset = 0;
  for (const b of blocks) {
    const d = b.features.dim;
    const block = b.features.data.slice();
    l2NormalizeRows(block, count, d);
    const s = Math.sqrt(b.weight ?? 1);
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < d; j++) data[i * dim + offset + j] = block[i * d + j] * s;
    }
    offset += d;
  }
  return { count, dim, data };
}
