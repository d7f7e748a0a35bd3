/**
 * The GRank ranker's count features (an addition to the paper, `--rank-counts W`): for a candidate c and a history,
 * log(1 + count(h[-1-k] -> c)) for k < W, h[-1] the newest item, the counts being how often c directly followed that
 * item in the training sequences (the item bigram's table, model/baselines.ts). The paper's ranker reads the
 * history only through item vectors; on Beauty those never learned the item-to-item memory that the same counts add
 * to the generator as a serving-time prior (20-46%, BENCHMARKS.md), so the ranker is given the counts as inputs and
 * learns how much to trust them per candidate.
 * Leak-free training: a training example (history cut before its target) must see the counts as an evaluation query
 * would, where the target's own transition and everything after it are not in the counts. So each example's own
 * sequence's transitions from its target on (in its window and after it) are subtracted from the counts it reads.
 * Kept with the model as OUT/ranker-counts.safetensors (the counts and the items they cover; W is in the model's
 * config), checked on load.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SidrecError } from '../../core/errors.js';
import type { NextItemBatch } from '../../model/next-item-batch.js';
import type { LeftOut, RankCounts } from '../../model/count-features.js';
import { bigramTableOf, bigramTensors } from '../../model/transitions.js';
import { loadSafetensors, saveSafetensors } from '../../tensor/io/safetensors.js';

export const RANK_COUNTS_FILE = 'ranker-counts.safetensors';

/**
 * Per window, the transitions a leak-free count feature must not see (see the header): from the ranked target's
 * (the history's newest item -> the target) to the sequence's end, as (from, to) item indices: those the window
 * holds, then, for a window that is not its sequence's last (sequences longer than maxLen + 1; 2.6% of Beauty's
 * targets lie past the 51st item), those after it (`batch.after`; a batch without it leaves them counted).
 */
export function windowTransitions(batch: NextItemBatch, cut: Int32Array): LeftOut[] {
  const L = batch.length;
  return Array.from(cut, (n, r) => {
    const from: number[] = [];
    const to: number[] = [];
    for (let t = n - 1; t < batch.lengths[r]; t++) {
      const target = batch.targets[r * L + t];
      if (target < 0) continue;
      from.push(batch.inputs[r * L + t] - 1);
      to.push(target);
    }
    const after = batch.after?.[r];
    if (after && after.length > 0) {
      let previous = batch.targets[r * L + batch.lengths[r] - 1]; // the window's last item
      for (const item of after) {
        from.push(previous);
        to.push(item);
        previous = item;
      }
    }
    return { from: Int32Array.from(from), to: Int32Array.from(to) };
  });
}

export function saveRankCounts(dir: string, counts: RankCounts): void {
  saveSafetensors(join(dir, RANK_COUNTS_FILE), bigramTensors(counts.table), { numItems: String(counts.numItems) });
}

/** A model directory's counts, checked: present, well-formed, covering at most the model's items. */
export function loadRankCounts(dir: string, modelItems: number): RankCounts {
  const path = join(dir, RANK_COUNTS_FILE);
  if (!existsSync(path))
    throw new SidrecError('E_STATE', `this GRank model's ranker reads transition counts (--rank-counts) but ${RANK_COUNTS_FILE} is missing`, { file: path });
  const file = loadSafetensors(path);
  const table = bigramTableOf(file, path);
  const { start, next, count } = table;
  const numItems = Number(file.metadata.numItems);
  if (!Number.isInteger(numItems) || numItems > modelItems || start.length !== numItems + 1)
    throw new SidrecError('E_STATE', `the counts cover ${file.metadata.numItems} items (${start.length - 1} rows), the model ${modelItems}`, {
      file: path,
      field: 'numItems',
    });
  if (start[numItems] !== next.length || next.length !== count.length)
    throw new SidrecError('E_STATE', `the table holds ${start[numItems]} pairs by its row starts, ${next.length} next items, ${count.length} counts`, {
      file: path,
    });
  return { numItems, table };
}
