/**
 * RPG's graph-constrained decoding (Hou et al., KDD 2025): beam search over the item graph instead of over
 * digits. Start from b items (seeded, random); repeat q times: score the beam's unscored neighbours (the first
 * k of each item's graph list), keep the best b of beam plus neighbours. Cost per user ~ b * k * q * m look-ups,
 * independent of the catalogue size. The answer is the top-K of every item scored on the way (a superset of the
 * final beam, so never worse than it); visited = the number of distinct items scored.
 */
import { SidrecError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Scorer } from '../model/scorer.js';
import type { Rpg } from '../model/rpg.js';
import type { ItemGraph } from './item-graph.js';
import { TopK } from './topk.js';

export interface GraphSearchConfig {
  /** Beam width b. @default 50 */
  readonly beam: number;
  /** Neighbours read per beam item, k (at most the graph's k). @default 50 */
  readonly neighbors: number;
  /** Expansion steps q. @default 3 */
  readonly steps: number;
  /** Seed of the initial beams (each user's beam depends on seed and user only). @default 0 */
  readonly seed: number;
}

export const DEFAULT_GRAPH_SEARCH: GraphSearchConfig = Object.freeze({ beam: 50, neighbors: 50, steps: 3, seed: 0 });

export interface SearchResult {
  /** Best first. */
  readonly items: Int32Array;
  readonly scores: Float32Array;
  readonly visited: number;
}

/** One decoder per (model, graph); reuses its scratch arrays, so use it from one caller at a time. */
export class GraphDecoder {
  readonly config: GraphSearchConfig;
  private readonly stamp: Int32Array; // (N): query id that last scored the item
  private readonly cache: Float32Array; // (N): that score
  private query = 0;
  private readonly inStep: Int32Array; // (N): step id that last put the item in the candidate set
  private stepMark = 0;
  private readonly beamTop: TopK;
  private readonly beam: Int32Array;
  private readonly frontier: Int32Array;
  private totalVisited = 0;
  private queries = 0;

  constructor(
    private readonly tokens: Int32Array,
    private readonly digits: number,
    private readonly graph: Pick<ItemGraph, 'numItems' | 'k' | 'neighbors'>,
    config: Partial<GraphSearchConfig> = {},
  ) {
    this.config = { ...DEFAULT_GRAPH_SEARCH, ...config };
    const { beam, neighbors, steps } = this.config;
    if (!(beam >= 1 && neighbors >= 0 && steps >= 0))
      throw new SidrecError('E_CONFIG', `graph search needs beam >= 1, neighbors >= 0, steps >= 0`, { field: 'beam' });
    if (neighbors > graph.k)
      throw new SidrecError('E_CONFIG', `--neighbors ${neighbors} exceeds the graph's ${graph.k} neighbours per item`, { field: 'neighbors' });
    this.stamp = new Int32Array(graph.numItems).fill(-1);
    this.cache = new Float32Array(graph.numItems);
    this.inStep = new Int32Array(graph.numItems).fill(-1);
    this.beamTop = new TopK(Math.min(beam, graph.numItems));
    this.beam = new Int32Array(Math.min(beam, graph.numItems));
    this.frontier = new Int32Array(Math.min(beam, graph.numItems) * (neighbors + 1));
  }

  /** Top-`topK` items for one user's (m * C) log-probs at `off`; `user` seeds the initial beam. */
  search(logp: Float32Array, off: number, user: number, topK: number): SearchResult {
    const N = this.graph.numItems;
    const m = this.digits;
    const { neighbors: kn, steps } = this.config;
    const q = this.query++;
    const best = new TopK(Math.min(topK, N));
    let visited = 0;
    const visit = (item: number): number => {
      if (this.stamp[item] === q) return this.cache[item];
      let s = 0;
      const base = item * m;
      for (let d = 0; d < m; d++) s += logp[off + this.tokens[base + d]];
      this.stamp[item] = q;
      this.cache[item] = s;
      visited++;
      best.push(item, s);
      return s;
    };
    // Initial beam: b distinct random items.
    const b = this.beam.length;
    const rng = new Rng((Math.imul(this.config.seed >>> 0, 0x9e3779b1) ^ Math.imul(user + 1, 0x85ebca77)) >>> 0);
    const top = this.beamTop;
    top.reset();
    let drawn = 0;
    while (drawn < b) {
      const item = b * 2 > N ? drawn : rng.int(N); // dense catalogue: take all
      if (this.stamp[item] === q) continue;
      top.push(item, visit(item));
      drawn++;
    }
    let beamSize = top.sortedInto(this.beam);
    for (let step = 0; step < steps; step++) {
      top.reset();
      let f = 0;
      for (let r = 0; r < beamSize; r++) {
        const item = this.beam[r];
        this.frontier[f++] = item;
        const row = item * this.graph.k;
        for (let j = 0; j < kn; j++) {
          const nb = this.graph.neighbors[row + j];
          if (nb >= 0) this.frontier[f++] = nb;
        }
      }
      const mark = ++this.stepMark;
      for (let i = 0; i < f; i++) {
        const item = this.frontier[i];
        if (this.inStep[item] === mark) continue; // reached from two beam items
        this.inStep[item] = mark;
        top.push(item, visit(item));
      }
      beamSize = top.sortedInto(this.beam);
    }
    const items = new Int32Array(best.size);
    const scores = new Float32Array(best.size);
    best.sortedInto(items, 0, scores);
    this.totalVisited += visited;
    this.queries++;
    return { items, scores, visited };
  }

  stats(): { readonly queries: number; readonly visitedPerQuery: number } {
    return { queries: this.queries, visitedPerQuery: this.queries === 0 ? 0 : this.totalVisited / this.queries };
  }
}

/** Graph-constrained decoding as an evaluation scorer ('topk'), plus its visited-items statistics. */
export function graphScorer(
  model: Rpg,
  graph: ItemGraph,
  config: Partial<GraphSearchConfig> = {},
): { scorer: Scorer; decoder: GraphDecoder; stats: () => { queries: number; visitedPerQuery: number } } {
  if (graph.numItems !== model.numItems) throw new SidrecError('E_SHAPE', `graph has ${graph.numItems} items, model ${model.numItems}`);
  const decoder = new GraphDecoder(model.itemTokens, model.digits, graph, config);
  const mc = model.digits * model.codebookSize;
  const scorer: Scorer = {
    kind: 'topk',
    topK: (batch, k) => {
      const logp = model.logProbs(batch.map((q) => q.history));
      return batch.map((q, b) => decoder.search(logp, b * mc, q.user, k).items);
    },
  };
  return { scorer, decoder, stats: () => decoder.stats() };
}
