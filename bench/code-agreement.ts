/**
 * Do items that share a first-digit Semantic ID code share a property (a leaf category, a specific attribute)
 * more often than random pairs? Samples `pairs` items; for each, one partner from its first-code group and one
 * uniformly random partner (seeded), and returns both agreement rates.
 */
import { Rng } from '../src/core/rng.js';

export function firstCodeAgreement(
  codes: Int32Array,
  digits: number,
  count: number,
  share: (i: number, j: number) => boolean,
  pairs = 100_000,
): { sameCode: number; random: number } {
  const rng = new Rng(7);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const g = groups.get(codes[i * digits]);
    if (g) g.push(i);
    else groups.set(codes[i * digits], [i]);
  }
  let same = 0;
  let sameTotal = 0;
  let rand = 0;
  for (let p = 0; p < pairs; p++) {
    const i = rng.int(count);
    const g = groups.get(codes[i * digits]) ?? [];
    if (g.length > 1) {
      let j = g[rng.int(g.length)];
      while (j === i) j = g[rng.int(g.length)];
      sameTotal++;
      if (share(i, j)) same++;
    }
    let k = rng.int(count);
    while (k === i) k = rng.int(count);
    if (share(i, k)) rand++;
  }
  return { sameCode: same / Math.max(sameTotal, 1), random: rand / pairs };
}
