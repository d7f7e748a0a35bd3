/**
 * Ranking in a web page (issue: recommendations in the browser): a `sidrec export` directory (model.onnx, items.json,
 * export.json; RPG adds graph.bin and tokens.bin, TIGER-style models decoder.onnx and sids.bin, GRank
 * ranker-counts.bin) run with
 * onnxruntime-web, giving the server's ranking for a history. SASRec and RPG score every item (`decode: 'exact'`);
 * RPG can also decode over its item graph (`decode: 'graph'`) with the server's own GraphDecoder (decode/graph.ts),
 * so the page visits the same items; TIGER, Gryphon and DIGER run the server's beam search over the exported
 * encoder and decoder step (decode/sid-runtime.ts), GRank its generator's candidates re-scored by its ranker
 * (decode/grank-runtime.ts). An export that carries a transition prior (transitions.bin, from
 * `sidrec transitions`) has it added to every item's score, RPG scoring every item, as the server does
 * (model/transition-counts.ts). The history's items are excluded, as the HTTP service excludes them. No Node APIs: bundled by esbuild into
 * dist/browser/sidrec-browser.js (ESM); onnxruntime-web is passed in, not bundled.
 *
 * @example
 *   import * as ort from 'onnxruntime-web';
 *   import { openLocalRanker } from 'sidrec/browser';
 *   const ranker = await openLocalRanker(ort, '/export/');
 *   const { items } = await ranker.rank(['B00123', 'B00456'], 10);
 */
import { GraphDecoder, type GraphSearchConfig } from '../decode/graph.js';
import { historyInputs } from '../model/history-inputs.js';
import type { BigramTable } from '../model/baselines.js';
import { addTransitionCounts, exportedReach, readTransitionBytes, type ExportedTransitions, type TransitionReach } from '../model/transition-counts.js';

import { GRankRuntime, type GRankExportLayout } from '../decode/grank-runtime.js';
import { SidBeamRanker, type OrtModule, type OrtSession, type SidRanked, type TigerExportLayout } from '../decode/sid-runtime.js';

export type { GRankExportLayout, OrtModule, OrtSession, TigerExportLayout };

/** A runtime that ranks candidate lists rather than scoring every item (TIGER-style beam search, GRank's two stages). */
interface ListRanker {
  rank(histories: readonly ArrayLike<number>[], k: number, exclude: readonly ReadonlySet<number>[]): Promise<SidRanked[]>;
}

/** export.json, the part this module reads (families/export-check.ts writes it). */
export interface ExportDescription {
  readonly kind: string;
  readonly numItems: number;
  readonly maxLen: number;
  /** Input name -> its documentation (which of ids, back, pos, mask, rows the graph takes). */
  readonly inputs: Readonly<Record<string, string>>;
  readonly files: { readonly model: string; readonly items: string };
  /** RPG: code digits per item. */
  readonly digits?: number;
  /** RPG: the item graph for graph-constrained decoding. */
  readonly graph?: { readonly k: number; readonly file: string; readonly tokens: string; readonly search: GraphSearchConfig };
  /** TIGER, Gryphon, DIGER: what the encoder and decoder-step graphs read, and how the beams are ranked. */
  readonly tiger?: TigerExportLayout;
  /** GRank: its candidates and ranker weight, the training transitions its count features read. */
  readonly grank?: GRankExportLayout;
  /** The transition prior added to every item's score (SASRec, RPG), when the model had one. */
  readonly transitions?: ExportedTransitions;
}

export interface LocalItem {
  readonly id: string;
  readonly title: string;
  readonly score: number;
}

export interface LocalRanking {
  readonly items: readonly LocalItem[];
  /** Milliseconds of inference and ranking (the model already loaded). */
  readonly ms: number;
  /** Graph decoding: items scored; beam search: items the beams reached. */
  readonly visited?: number;
  /** RPG: the per-digit log-probabilities (m * C) the ranking came from. */
  readonly logp?: Float32Array;
  /** The transition prior's weight, when it was added to the scores. */
  readonly transitionWeight?: number;
}

export interface RankOptions {
  /**
   * RPG only: decode over the item graph or score every item. With the transition prior on, every item is scored
   * (as the server does). @default 'exact'
   */
  readonly decode?: 'exact' | 'graph';
  /** Add the export's transition prior (when it carries one) or rank with the model alone. @default 'on' */
  readonly transitions?: 'on' | 'off';
  /** More item ids to leave out (the history's are always left out). */
  readonly exclude?: ReadonlySet<string>;
}

export class LocalRanker {
  private readonly index = new Map<string, number>();
  private readonly decoder?: GraphDecoder;

  constructor(
    private readonly ort: OrtModule,
    private readonly session: OrtSession,
    readonly description: ExportDescription,
    readonly ids: readonly string[],
    readonly titles: readonly string[],
    /** Milliseconds the download and session creation took. */
    readonly loadMs: number,
    graph?: { readonly neighbors: Int32Array; readonly tokens: Int32Array },
    /** TIGER-style exports: the beam-search runtime over the encoder (`session`) and the decoder step; GRank: its two stages. */
    private readonly lists?: ListRanker,
    /** The transition counts (transitions.bin), when the export carries a prior. */
    private readonly transitions?: { readonly table: BigramTable; readonly reach: TransitionReach },
  ) {
    ids.forEach((id, i) => this.index.set(id, i));
    const g = description.graph;
    if (g && graph && description.digits)
      this.decoder = new GraphDecoder(graph.tokens, description.digits, { numItems: description.numItems, k: g.k, neighbors: graph.neighbors }, g.search);
  }

  /** The best `k` items after `historyIds` (oldest first; unknown ids are skipped), best first. */
  async rank(historyIds: readonly string[], k: number, options: RankOptions = {}): Promise<LocalRanking> {
    const known = historyIds.map((id) => this.index.get(id)).filter((i): i is number => i !== undefined);
    if (known.length === 0) return { items: [], ms: 0 };
    const started = performance.now();
    const skip = new Set(known);
    for (const id of options.exclude ?? []) {
      const i = this.index.get(id);
      if (i !== undefined) skip.add(i);
    }
    const item = (i: number, score: number): LocalItem => ({ id: this.ids[i], title: this.titles[i] ?? '', score });
    if (this.lists) {
      const [ranked] = await this.lists.rank([known], k, [skip]);
      return { items: Array.from(ranked.items, (i, j) => item(i, ranked.scores[j])), ms: performance.now() - started, visited: ranked.candidates };
    }
    const prior = options.transitions !== 'off' && this.transitions && this.description.transitions;
    const inputs = historyInputs([known], this.description.maxLen);
    const { Tensor } = this.ort;
    const { B, L } = inputs;
    const all: Record<string, () => unknown> = {
      ids: () => new Tensor('int64', inputs.ids, [B, L]),
      back: () => new Tensor('int64', inputs.back, [B, L]),
      pos: () => new Tensor('int64', inputs.pos, [B, L]),
      mask: () => new Tensor('float32', inputs.mask, [L, L]),
      rows: () => new Tensor('int64', inputs.rows, [B]),
    };
    const feeds = Object.fromEntries(Object.keys(this.description.inputs).map((name) => [name, all[name]()]));
    const out = await this.session.run(feeds);
    if (options.decode === 'graph' && !prior && this.decoder && out.logp) {
      const logp = out.logp.data as Float32Array;
      const found = this.decoder.search(logp, 0, 0, k + skip.size); // room for the excluded
      const items: LocalItem[] = [];
      for (let j = 0; j < found.items.length && items.length < k; j++) if (!skip.has(found.items[j])) items.push(item(found.items[j], found.scores[j]));
      return { items, ms: performance.now() - started, visited: found.visited, logp };
    }
    const scores = out.scores.data as Float32Array;
    if (prior && this.transitions) addTransitionCounts(this.transitions.table, prior.numItems, prior.weight, scores, 0, known, this.transitions.reach);
    const order: number[] = [];
    for (let n = 0; n < scores.length; n++) if (!skip.has(n) && !Number.isNaN(scores[n])) order.push(n);
    order.sort((a, b) => scores[b] - scores[a] || a - b);
    return {
      items: order.slice(0, k).map((n) => item(n, scores[n])),
      ms: performance.now() - started,
      ...(out.logp ? { logp: out.logp.data as Float32Array } : {}),
      ...(prior ? { transitionWeight: prior.weight } : {}),
    };
  }
}

/**
 * Downloads an export from `base` (a URL prefix ending in /, e.g. '/export/') and opens it: export.json (or the
 * given `description`), the items, the ONNX model in a session, for RPG the item graph, and the transition prior's
 * counts when the export carries them.
 */
export async function openLocalRanker(
  ort: OrtModule,
  base: string,
  options: {
    readonly description?: ExportDescription;
    /** How files are fetched (default: the global fetch; in Node, e.g. one reading the export directory). */
    readonly fetch?: (url: string) => Promise<Response>;
    readonly sessionOptions?: Record<string, unknown>;
  } = {},
): Promise<LocalRanker> {
  const started = performance.now();
  const get = options.fetch ?? fetch;
  const ok = async (file: string): Promise<Response> => {
    const response = await get(base + file);
    if (!response.ok) throw new Error(`sidrec export: ${base}${file} answered ${response.status}`);
    return response;
  };
  const description = options.description ?? ((await (await ok('export.json')).json()) as ExportDescription);
  const [model, items] = await Promise.all([
    ok(description.files.model).then(async (r) => new Uint8Array(await r.arrayBuffer())),
    ok(description.files.items).then((r) => r.json() as Promise<{ ids: string[]; titles: string[] }>),
  ]);
  const sessionOptions = options.sessionOptions ?? { executionProviders: ['wasm'] };
  const session = await ort.InferenceSession.create(model, sessionOptions);
  const int32 = async (file: string): Promise<Int32Array> => new Int32Array(await (await ok(file)).arrayBuffer());
  const graph = description.graph ? { neighbors: await int32(description.graph.file), tokens: await int32(description.graph.tokens) } : undefined;
  const t = description.tiger;
  const gr = description.grank;
  let lists: ListRanker | undefined;
  if (t) {
    const [decoder, codes] = await Promise.all([
      ok(t.files.decoder).then(async (r) => ort.InferenceSession.create(new Uint8Array(await r.arrayBuffer()), sessionOptions)),
      int32(t.files.sids),
    ]);
    lists = new SidBeamRanker(ort, session, decoder, t, codes, description.numItems);
  } else if (gr) {
    const counts = gr.counts
      ? {
          numItems: gr.counts.numItems,
          table: readTransitionBytes(await (await ok(gr.counts.file)).arrayBuffer(), { ...gr.counts, weight: 0 }, `sidrec export: ${base}${gr.counts.file}`),
        }
      : undefined;
    lists = new GRankRuntime(ort, session, gr, description.numItems, description.maxLen, counts);
  }
  const exported = description.transitions;
  const transitions = exported ? await openPrior(exported, base, ok) : undefined;
  return new LocalRanker(ort, session, description, items.ids, items.titles, performance.now() - started, graph, lists, transitions);
}

/** The export's transition counts and reach, checked against export.json (errors name the file). */
async function openPrior(
  exported: ExportedTransitions,
  base: string,
  ok: (file: string) => Promise<Response>,
): Promise<{ readonly table: BigramTable; readonly reach: TransitionReach }> {
  const where = `sidrec export: ${base}${exported.file}`;
  const table = readTransitionBytes(await (await ok(exported.file)).arrayBuffer(), exported, where);
  return { table, reach: exportedReach(exported, where) };
}
