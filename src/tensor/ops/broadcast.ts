/**
 * NumPy broadcasting for binary ops: the output shape, per-input strides (0 on broadcast axes) and a row walker
 * that hands each innermost row (contiguous in the output) to a callback, so inner loops stay tight.
 */
import { SidrecError } from '../../core/errors.js';
import type { Shape } from '../tensor.js';

export interface Broadcast {
  readonly shape: number[];
  /** Element strides of each input, aligned to the output's axes (0 where the input broadcasts). */
  readonly strides: number[][];
}

export function broadcast(...shapes: Shape[]): Broadcast {
  const rank = Math.max(...shapes.map((s) => s.length));
  const shape = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const axis = rank - s.length + i;
      const d = s[i];
      if (shape[axis] === 1) shape[axis] = d;
      else if (d !== 1 && d !== shape[axis]) {
        throw new SidrecError('E_SHAPE', `cannot broadcast shapes ${shapes.map((x) => `[${x.join(', ')}]`).join(' and ')}`);
      }
    }
  }
  const strides = shapes.map((s) => {
    const st = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let i = s.length - 1; i >= 0; i--) {
      const axis = rank - s.length + i;
      st[axis] = s[i] === 1 ? 0 : acc;
      acc *= s[i];
    }
    return st;
  });
  return { shape, strides };
}

/**
 * Calls `row(outOffset, offA, offB, n, strideA, strideB)` for each innermost row of the output.
 * Rank-0 outputs are one row of length 1.
 */
export function forEachRow(bc: Broadcast, row: (o: number, ia: number, ib: number, n: number, da: number, db: number) => void): void {
  const { shape, strides } = bc;
  const rank = shape.length;
  if (rank === 0) {
    row(0, 0, 0, 1, 0, 0);
    return;
  }
  const sa = strides[0];
  const sb = strides[1] ?? new Array<number>(rank).fill(0);
  const n = shape[rank - 1];
  const da = sa[rank - 1];
  const db = sb[rank - 1];
  let rows = 1;
  for (let i = 0; i < rank - 1; i++) rows *= shape[i];
  if (n === 0 || rows === 0) return;
  const idx = new Array<number>(rank - 1).fill(0);
  let ia = 0;
  let ib = 0;
  for (let r = 0; r < rows; r++) {
    row(r * n, ia, ib, n, da, db);
    // Odometer increment over the outer axes.
    for (let ax = rank - 2; ax >= 0; ax--) {
      idx[ax]++;
      ia += sa[ax];
      ib += sb[ax];
      if (idx[ax] < shape[ax]) break;
      ia -= sa[ax] * shape[ax];
      ib -= sb[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
}
