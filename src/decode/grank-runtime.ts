/**
 * GRank outside the engine: the exported graph (families/grank/onnx.ts) run twice per batch in onnxruntime (web in
 * the page, node for the export's self-check), first for the generator's `scores`, then for the ranker's `head` of
 * the candidates chosen in between, the server's two stages in TypeScript as
 * families/grank/rank.ts ranks: the generator's top `candidates` items by inner product (the history and any other
 * excluded items skipped), rows cut to the narrowest, then the generator's score plus `rankerWeight` x the ranker's
 * term, best first. The ranker's count features come from the exported training transitions
 * (model/count-features.ts, as the server computes them). No Node APIs: the browser bundle includes it.
 */
import { countFeatures, type RankCounts } from '../model/count-features.js';
import { historyInputs, HISTORY_MASKED } from '../model/history-inputs.js';
import type { ExportedTransitions } from '../model/transition-counts.js';
import type { OrtModule, OrtSession, SidRanked } from './sid-runtime.js';
import { TopK, topKRows } from './topk.js';

/** The file a GRank export adds beside model.onnx: the training transitions its count features read. */
export const GRANK_COUNTS_FILE = 'ranker-counts.bin';

/** export.json's `grank` section (families/grank/export.ts writes it). */
export interface GRankExportLayout {
  /** Generator candidates the ranker re-scores (the server's recorded figure); a request for more items widens it. */
  readonly candidates: number;
  /** The ranker's term's weight beside the generator's score (the one chosen on validation). */
  readonly rankerWeight: number;
  /** Newest history items whose transition counts the ranker reads (0: none, no counts file). */
  readonly rankCounts: number;
  /** The training transitions' file (ranker-counts.bin, transition-counts.ts's layout) when rankCounts > 0. */
  readonly counts?: Pick<ExportedTransitions, 'file' | 'numItems' | 'pairs' | 'layout'>;
}

export class GRankRuntime {
  constructor(
    private readonly ort: OrtModule,
    private readonly session: OrtSession,
    readonly layout: GRankExportLayout,
    readonly numItems: number,
    readonly maxLen: number,
    /** The training transitions the ranker's count features read (required when layout.rankCounts > 0). */
    private readonly counts?: RankCounts,
  ) {
    if (layout.rankCounts > 0 && !counts) throw new Error(`sidrec export: the ranker reads ${layout.rankCounts} count features and no counts were given`);
  }

  /** The best `k` items after each history (item indices, oldest first), leaving out `exclude[r]`. */
  async rank(histories: readonly ArrayLike<number>[], k: number, exclude: readonly ReadonlySet<number>[] = []): Promise<SidRanked[]> {
    if (histories.length === 0) return [];
    const { Tensor } = this.ort;
    const inputs = historyInputs(histories, this.maxLen);
    const { B, L } = inputs;
    const W = this.layout.rankCounts;
    const keyMask = Float32Array.from(inputs.ids, (id) => (id === 0n ? HISTORY_MASKED : 0));
    const history = {
      ids: new Tensor('int64', inputs.ids, [B, L]),
      back: new Tensor('int64', inputs.back, [B, L]),
      mask: new Tensor('float32', inputs.mask, [L, L]),
      rows: new Tensor('int64', inputs.rows, [B]),
      keyMask: new Tensor('float32', keyMask, [B, L]),
    };
    const candidateInputs = (ids: Int32Array, K: number, counts: Float32Array) => ({
      candidates: new Tensor(
        'int64',
        BigInt64Array.from(ids, (i) => BigInt(i + 1)),
        [B, K],
      ),
      ...(W > 0 ? { counts: new Tensor('float32', counts, [B, K, W]) } : {}),
    });
    // The generator's run: the ranker's inputs are a placeholder candidate (every input must be fed; only the nodes
    // `scores` needs run).
    const generated = await this.session.run({ ...history, ...candidateInputs(new Int32Array(B), 1, new Float32Array(B * W)) }, ['scores']);
    const scores = generated.scores.data as Float32Array; // (B, N)
    const found = topKRows(scores, B, this.numItems, Math.max(this.layout.candidates, k), exclude);
    const width = Math.min(...found.map((f) => f.items.length));
    if (width === 0) return found.map(() => ({ items: new Int32Array(0), scores: new Float64Array(0), candidates: 0 }));
    const picked = new Int32Array(B * width);
    found.forEach((f, r) => picked.set(f.items.subarray(0, width), r * width));
    const counts =
      W > 0
        ? countFeatures(this.counts as RankCounts, W, picked, width, (r, back) => {
            const h = histories[r];
            return back < h.length ? h[h.length - 1 - back] : -1;
          })
        : new Float32Array(0);
    const ranked = await this.session.run({ ...history, ...candidateInputs(picked, width, counts) }, ['head']);
    const head = ranked.head.data as Float32Array; // (B, width)
    const best = new TopK(Math.min(k, width));
    return found.map((f, r) => {
      best.reset();
      for (let j = 0; j < width; j++) best.push(j, f.scores[j] + this.layout.rankerWeight * head[r * width + j]);
      const order = new Int32Array(best.size);
      const values = new Float32Array(best.size);
      best.sortedInto(order, 0, values);
      return { items: Int32Array.from(order, (j) => picked[r * width + j]), scores: Float64Array.from(values), candidates: width };
    });
  }
}
