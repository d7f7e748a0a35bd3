/**
 * Resolve-and-rescore (Gryphon): map generated SIDs back to concrete items (one item per full SID with a collision
 * digit; every item of the collision group for a flat SID; every item under the prefix when generation stopped
 * early), keep each item's beam log-likelihood, then rank the same candidates either by that likelihood or by an
 * item-level score.
 */
import type { SemanticIdTable } from '../tokenize/sid-table.js';
import type { Beams } from './beam.js';
import { TopK } from './topk.js';

/** Distinct items in beam order, with the log-likelihood of the beam that produced them. */
export interface Candidates {
  readonly items: Int32Array;
  readonly beamScores: Float64Array;
}

export class Resolver {
  private readonly stamp: Int32Array;
  private generation = 0;

  constructor(readonly table: SemanticIdTable) {
    this.stamp = new Int32Array(table.count);
  }

  /** Items of every beam (best beam first); an item reached by two beams keeps the better one. */
  resolve(beams: Beams): Candidates {
    const gen = ++this.generation;
    let total = 0;
    for (let i = 0; i < beams.count; i++) total += this.table.itemsUnder(beams.codes.subarray(i * beams.steps, (i + 1) * beams.steps)).length;
    const items = new Int32Array(total);
    const beamScores = new Float64Array(total);
    let n = 0;
    for (let i = 0; i < beams.count; i++) {
      const under = this.table.itemsUnder(beams.codes.subarray(i * beams.steps, (i + 1) * beams.steps));
      for (let j = 0; j < under.length; j++) {
        const item = under[j];
        if (this.stamp[item] === gen) continue;
        this.stamp[item] = gen;
        items[n] = item;
        beamScores[n++] = beams.scores[i];
      }
    }
    return { items: items.subarray(0, n), beamScores: beamScores.subarray(0, n) };
  }
}

/**
 * Positions (into `items`) of the `k` best candidates by `scores` (parallel to `items`), descending, skipping
 * items in `exclude`; ties keep candidate order.
 */
export function rankPositions(items: Int32Array, scores: ArrayLike<number>, k: number, exclude?: ReadonlySet<number>): Int32Array {
  const top = new TopK(Math.min(k, items.length), 'f64'); // beam log-likelihoods: ranked exactly, as before
  for (let p = 0; p < items.length; p++) if (!exclude?.has(items[p])) top.push(p, scores[p]);
  const out = new Int32Array(top.size);
  top.sortedInto(out);
  return out;
}

/** The `k` best items by `scores` (parallel to `items`), descending; ties keep candidate order. */
export function rankBy(items: Int32Array, scores: ArrayLike<number>, k: number): Int32Array {
  return Int32Array.from(rankPositions(items, scores, k), (p) => items[p]);
}
