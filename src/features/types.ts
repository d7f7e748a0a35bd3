/**
 * The artifact the features stage hands to tokenizers: one dense float32 vector per item, row-major.
 * Row i belongs to item index i (the caller's order, e.g. the catalog's dense item index).
 */

export interface ItemFeatures {
  /** Number of items (rows). */
  readonly count: number;
  /** Vector length (columns). */
  readonly dim: number;
  /** (count, dim) row-major. */
  readonly data: Float32Array;
}

export function makeFeatures(count: number, dim: number, data: Float32Array): ItemFeatures {
  if (data.length !== count * dim) throw new RangeError(`features: data length ${data.length} != ${count} x ${dim}`);
  return { count, dim, data };
}

/** In-place L2 normalisation of every row; all-zero rows stay zero. */
export function l2NormalizeRows(data: Float32Array, rows: number, dim: number): void {
  for (let i = 0; i < rows; i++) {
    const off = i * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += data[off + j] * data[off + j];
    if (s === 0) continue;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < dim; j++) data[off + j] *= inv;
  }
}
