/**
 * TIGER / Gryphon (and DIGER, which serves as TIGER) outside the engine: the exported encoder and decoder-step
 * graphs (families/tiger/onnx.ts) run in onnxruntime (web in the page, node for the export's self-check), and the
 * engine's own beam search (beam.ts, driven asynchronously), trie constraint and resolver (resolve.ts) turn them
 * into items, as beam-tiger.ts does on the server: one encoder pass per batch, beams as wide as the recorded test
 * beam or k, TIGER ranked by beam likelihood, Gryphon by its item scores of the same candidates. No Node APIs: the
 * browser bundle (browser/local-ranker.ts) includes it.
 */
import { codeOffsets, tigerDecoderInputs, tigerEncoderInputs, type TigerLayout } from '../model/tiger-inputs.js';
import { SemanticIdTable } from '../tokenize/sid-table.js';
import { beamSearchAsync, type AsyncBeamModel } from './beam.js';
import { TriePrefixConstraint } from './logits-processors.js';
import { rankPositions, Resolver } from './resolve.js';

/** What an exported model's runtime needs of onnxruntime-web (or onnxruntime-node's public API). */
export interface OrtModule {
  readonly InferenceSession: { create(model: string | Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  readonly Tensor: new (type: 'int64' | 'float32', data: BigInt64Array | Float32Array, dims: readonly number[]) => unknown;
}

export interface OrtSession {
  /** `fetches`: the outputs to compute (onnxruntime runs only the nodes they need); default every output. */
  run(feeds: Record<string, unknown>, fetches?: readonly string[]): Promise<Record<string, { readonly data: unknown }>>;
}

/** export.json's `tiger` section (families/tiger/export.ts writes it). */
export interface TigerExportLayout extends TigerLayout {
  readonly dim: number;
  /** The beam width the server decodes with (its recorded test beam); a request for more items widens it. */
  readonly beamWidth: number;
  /** Keep every valid code at the last step (Gryphon over a collision digit: every item of each surviving group). */
  readonly expandLast: boolean;
  /** How candidates are ranked: beam log-likelihood (TIGER) or the encoder's item scores (Gryphon). */
  readonly ranking: 'beam' | 'item';
  readonly files: { readonly encoder: string; readonly decoder: string; readonly sids: string };
}

/** One request's ranked items (indices into the export's items) and their scores, best first. */
export interface SidRanked {
  readonly items: Int32Array;
  readonly scores: Float64Array;
  /** Items the beams reached (before exclusions and the cut to k). */
  readonly candidates: number;
}

type Tensorish = { readonly data: unknown; readonly dims?: readonly number[] };

export class SidBeamRanker {
  private readonly table: SemanticIdTable;
  private readonly resolver: Resolver;
  private readonly itemTokens: Int32Array;
  private readonly offsets: Int32Array;

  /** `codes` (numItems, digits): every item's SID, collision digit included. */
  constructor(
    private readonly ort: OrtModule,
    private readonly encoder: OrtSession,
    private readonly decoder: OrtSession,
    readonly layout: TigerExportLayout,
    codes: Int32Array,
    readonly numItems: number,
  ) {
    const m = layout.digits;
    if (codes.length !== numItems * m) throw new Error(`sidrec export: ${codes.length} SID codes for ${numItems} items x ${m} digits`);
    // The full codes as the trie's digits: the same prefixes, the same items under each, in the same order.
    this.table = SemanticIdTable.build(codes, numItems, {
      baseDigits: m,
      collisionDigit: false,
      hierarchical: true,
      codebookSize: Math.max(...layout.codeSizes),
    });
    this.resolver = new Resolver(this.table);
    this.offsets = codeOffsets(layout.codeSizes);
    this.itemTokens = new Int32Array(codes.length);
    for (let i = 0; i < codes.length; i++) this.itemTokens[i] = this.offsets[i % m] + codes[i];
  }

  /** The best `k` items after each history (item indices, oldest first), leaving out `exclude[r]`. */
  async rank(histories: readonly ArrayLike<number>[], k: number, exclude: readonly ReadonlySet<number>[] = []): Promise<SidRanked[]> {
    const { layout } = this;
    const { Tensor } = this.ort;
    const enc = tigerEncoderInputs(layout, this.itemTokens, histories);
    const encoded = await this.encoder.run({
      tokens: new Tensor('int64', enc.tokens, [enc.B, enc.T]),
      keyMask: new Tensor('float32', enc.keyMask, [enc.B, enc.T]),
      encBuckets: new Tensor('int64', enc.encBuckets, [enc.T, enc.T]),
      ...(layout.ranking === 'item' ? { pool: new Tensor('float32', enc.pool, [enc.B, 1, enc.T]) } : {}),
    });
    const memoryData = (encoded.memory as Tensorish).data as Float32Array;
    const memory = new Tensor('float32', memoryData, [enc.B, enc.T, layout.dim]);
    const keyMask = new Tensor('float32', enc.keyMask, [enc.B, enc.T]);
    const V = this.offsets[layout.digits];
    const model: AsyncBeamModel = {
      requests: enc.B,
      width: (step) => layout.codeSizes[step],
      logits: async (step, prefixes, rows, groups) => {
        const d = tigerDecoderInputs(layout, prefixes, rows, step, groups, layout.dim);
        const out = await this.decoder.run({
          memory,
          keyMask,
          prefix: new Tensor('int64', d.prefix, [rows, d.t]),
          decBuckets: new Tensor('int64', d.decBuckets, [d.t, d.t]),
          causal: new Tensor('float32', d.causal, [d.t, d.t]),
          crossShape: new Tensor('int64', d.crossShape, [3]),
          rowShape: new Tensor('int64', d.rowShape, [3]),
        });
        const all = (out.logits as Tensorish).data as Float32Array; // (rows, V)
        const width = layout.codeSizes[step];
        const logits = new Float32Array(rows * width);
        for (let r = 0; r < rows; r++) logits.set(all.subarray(r * V + this.offsets[step], r * V + this.offsets[step] + width), r * width);
        return logits;
      },
    };
    const beams = await beamSearchAsync(model, {
      beamWidth: Math.max(layout.beamWidth, k),
      steps: layout.digits,
      processors: [new TriePrefixConstraint(this.table)],
      expandLast: layout.expandLast,
    });
    const itemScores = layout.ranking === 'item' ? ((encoded.scores as Tensorish).data as Float32Array) : undefined;
    return beams.map((b, r) => {
      const c = this.resolver.resolve(b);
      let scores: Float64Array = c.beamScores;
      if (itemScores) {
        const row = r * this.numItems;
        scores = Float64Array.from(c.items, (item) => itemScores[row + item]);
      }
      const top = rankPositions(c.items, scores, k, exclude[r]);
      return { items: Int32Array.from(top, (p) => c.items[p]), scores: Float64Array.from(top, (p) => scores[p]), candidates: c.items.length };
    });
  }
}
