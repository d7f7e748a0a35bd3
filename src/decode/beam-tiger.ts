/**
 * Decoding sessions for TIGER and Gryphon: the encoder runs once per batch of requests, beam search (trie
 * constrained) asks the decoder for one digit at a time with every request's beams batched, and the resulting
 * SIDs resolve to real items. TIGER ranks them by beam likelihood; Gryphon widens the last step to every
 * collision code of the surviving groups, then ranks the same candidates both ways: by beam likelihood and by
 * its item-level scorer, whose user vector comes from the same encoder pass.
 */
import type { EvalQuery } from '../data/split.js';
import type { Gryphon } from '../model/gryphon.js';
import { scoreCandidates } from '../model/item-scorer.js';
import type { EncodedRequests, Tiger } from '../model/tiger.js';
import { packEncoder } from '../model/tiger-vocab.js';
import type { SemanticIdTable } from '../tokenize/sid-table.js';
import { beamSearch, type BeamModel, type Beams } from './beam.js';
import { TemperatureProcessor, TriePrefixConstraint, type LogitsProcessor } from './logits-processors.js';
import { rankBy, Resolver, type Candidates } from './resolve.js';

export interface SidDecodeOptions {
  /** @default 20 (TIGER), 50 (Gryphon) */
  readonly beamWidth: number;
  /** Digits generated; fewer than the SID length stops at a prefix (resolved to all items under it). @default table.digits */
  readonly steps?: number;
  /** @default 1 */
  readonly temperature?: number;
  /** Most decoder rows (queries x beams) per decoding pass. @default MAX_BEAM_ROWS */
  readonly maxRows?: number;
}

/** A BeamModel over already-encoded requests. */
export function tigerBeamModel(tiger: Tiger, enc: EncodedRequests): BeamModel {
  return {
    requests: enc.input.size,
    width: (step) => tiger.config.codeSizes[step],
    logits: (step, prefixes, rows, groups) => tiger.nextLogits(enc, prefixes, rows, step, groups),
  };
}

function processorsFor(table: SemanticIdTable, temperature = 1): LogitsProcessor[] {
  return temperature === 1 ? [new TriePrefixConstraint(table)] : [new TemperatureProcessor(temperature), new TriePrefixConstraint(table)];
}

/**
 * Most decoder rows (queries x beams) one decoding pass holds: a wider beam decodes fewer queries at a time, so memory
 * stays bounded (the default beams, 20 and 50, over evaluation's 256-query batches fit in one pass).
 */
export const MAX_BEAM_ROWS = 256 * 50;

/** Each chunk of `queries` small enough for `beamWidth` beams apiece, encoded once, through `fn`; results in order. */
function perChunk<T>(
  tiger: Tiger,
  itemTokens: Int32Array,
  queries: readonly EvalQuery[],
  beamWidth: number,
  maxRows: number,
  fn: (enc: EncodedRequests) => T[],
): T[] {
  const size = Math.max(1, Math.floor(maxRows / Math.max(1, beamWidth)));
  const out: T[] = [];
  for (let s = 0; s < queries.length; s += size) out.push(...withEncoded(tiger, itemTokens, queries.slice(s, s + size), fn));
  return out;
}

/** Encode queries once, run `fn`, release the encoder output. */
function withEncoded<T>(tiger: Tiger, itemTokens: Int32Array, queries: readonly EvalQuery[], fn: (enc: EncodedRequests) => T): T {
  const users = Int32Array.from(queries, (q) => q.user);
  const enc = tiger.encodeRequests(
    packEncoder(
      tiger.vocab,
      itemTokens,
      queries.map((q) => q.history),
      users,
      tiger.config.maxItems,
    ),
  );
  try {
    return fn(enc);
  } finally {
    tiger.releaseEncoded(enc);
  }
}

export class TigerRecommender {
  private readonly itemTokens: Int32Array;
  private readonly resolver: Resolver;

  constructor(
    readonly tiger: Tiger,
    readonly table: SemanticIdTable,
    readonly opts: SidDecodeOptions = { beamWidth: 20 },
  ) {
    this.itemTokens = tiger.vocab.itemTokens(table);
    this.resolver = new Resolver(table);
  }

  /** Final beams of each query (trie-constrained), `beamWidth` wide (default: the options'). */
  beams(queries: readonly EvalQuery[], beamWidth = this.opts.beamWidth): Beams[] {
    return perChunk(this.tiger, this.itemTokens, queries, beamWidth, this.opts.maxRows ?? MAX_BEAM_ROWS, (enc) =>
      beamSearch(tigerBeamModel(this.tiger, enc), {
        beamWidth,
        steps: this.opts.steps ?? this.table.digits,
        processors: processorsFor(this.table, this.opts.temperature),
      }),
    );
  }

  /** The real items the beams of each query reach, with their beam log-likelihoods. */
  candidates(queries: readonly EvalQuery[], beamWidth = this.opts.beamWidth): Candidates[] {
    return this.beams(queries, beamWidth).map((b) => this.resolver.resolve(b));
  }

  /** Up to k real items per query, by beam likelihood. */
  recommend(queries: readonly EvalQuery[], k: number): Int32Array[] {
    return this.candidates(queries).map((c) => rankBy(c.items, c.beamScores, k));
  }
}

/** Both rankings of one query's candidates. */
export interface GryphonRankings {
  readonly candidates: Candidates;
  /** Item-level scores, parallel to candidates.items. */
  readonly itemScores: Float64Array;
  readonly byItemScore: Int32Array;
  readonly byBeam: Int32Array;
}

export class GryphonRecommender {
  private readonly itemTokens: Int32Array;
  private readonly resolver: Resolver;
  private matrix: Float32Array | null = null;

  constructor(
    readonly gryphon: Gryphon,
    readonly table: SemanticIdTable,
    readonly opts: SidDecodeOptions = { beamWidth: 50 },
  ) {
    this.itemTokens = gryphon.tiger.vocab.itemTokens(table);
    this.resolver = new Resolver(table);
  }

  /** One encoder pass per batch: beam search (`beamWidth` wide) + resolve + item-level re-scoring; top k of both rankings. */
  rank(queries: readonly EvalQuery[], k: number, beamWidth = this.opts.beamWidth): GryphonRankings[] {
    const tiger = this.gryphon.tiger;
    this.matrix ??= this.gryphon.itemMatrix();
    const matrix = this.matrix;
    const D = tiger.config.dim;
    const steps = this.opts.steps ?? this.table.digits;
    // With a collision digit, beams cover the tokenizer digits and the last step keeps every item of each group.
    const expandLast = steps === this.table.digits && this.table.shape.collisionDigit;
    return perChunk(tiger, this.itemTokens, queries, beamWidth, this.opts.maxRows ?? MAX_BEAM_ROWS, (enc) => {
      const users = this.gryphon.userVectors(enc); // (B, D)
      const beams = beamSearch(tigerBeamModel(tiger, enc), { beamWidth, steps, processors: processorsFor(this.table, this.opts.temperature), expandLast });
      return beams.map((b, r) => {
        const candidates = this.resolver.resolve(b);
        const itemScores = new Float64Array(candidates.items.length);
        scoreCandidates(users.subarray(r * D, (r + 1) * D), matrix, D, candidates.items, itemScores);
        return { candidates, itemScores, byItemScore: rankBy(candidates.items, itemScores, k), byBeam: rankBy(candidates.items, candidates.beamScores, k) };
      });
    });
  }
}
