/**
 * One beam search over SID digits (TIGER's decoding), composed with logits processors: per step, every live
 * beam of every request goes through the model in one batch (G rows per request, padded by repeating a live
 * row), processors edit the logits (trie constraint, temperature), a log-softmax turns them into log-probs, and
 * each request keeps its `beamWidth` best continuations by accumulated log-likelihood. `expandLast` keeps every
 * valid continuation at the final step instead (Gryphon: score every item of the surviving collision groups).
 * Ties break by (parent beam, code) ascending, so results are deterministic.
 */
import { SidrecError } from '../core/errors.js';
import { applyProcessors, logSoftmaxRows, type LogitsProcessor } from './logits-processors.js';

/** What beam search asks of a model: one digit's logits for a batch of code prefixes. */
export interface BeamModel {
  /** Requests in this session. */
  readonly requests: number;
  /** Codes at digit `step`. */
  width(step: number): number;
  /**
   * Logits Float32Array (rows, width(step)) for rows = requests x groups code prefixes int32 (rows, step),
   * `groups` consecutive rows per request.
   */
  logits(step: number, prefixes: Int32Array, rows: number, groups: number): Float32Array;
}

export interface BeamOptions {
  /** Beams kept per request after each step. @default 20 */
  readonly beamWidth: number;
  /** Digits generated (a SID's full length, or fewer to stop at a prefix). */
  readonly steps: number;
  /** Applied in order to each step's logits. @default [] */
  readonly processors?: readonly LogitsProcessor[];
  /** Keep every finite continuation at the last step instead of the best beamWidth. @default false */
  readonly expandLast?: boolean;
}

/** A request's final beams, best first. */
export interface Beams {
  readonly count: number;
  readonly steps: number;
  /** int32 (count, steps) */
  readonly codes: Int32Array;
  /** (count) accumulated log-likelihoods */
  readonly scores: Float64Array;
}

/** What one decoding step asks the model for: digit `step`'s logits of `rows` = requests x groups prefixes. */
export interface BeamStep {
  readonly step: number;
  /** int32 (rows, step) */
  readonly prefixes: Int32Array;
  readonly rows: number;
  readonly groups: number;
}

/** A BeamModel whose logits come back later (onnxruntime's run is asynchronous: the browser, the export check). */
export interface AsyncBeamModel {
  readonly requests: number;
  width(step: number): number;
  logits(step: number, prefixes: Int32Array, rows: number, groups: number): Promise<Float32Array>;
}

/** Runs beam search for every request of `model`. */
export function beamSearch(model: BeamModel, opts: BeamOptions): Beams[] {
  const search = beamSteps(model.requests, model.width.bind(model), opts);
  let next = search.next();
  while (!next.done) {
    const q = next.value;
    next = search.next(model.logits(q.step, q.prefixes, q.rows, q.groups));
  }
  return next.value;
}

/** beamSearch over a model that answers asynchronously: the same steps, the same beams. */
export async function beamSearchAsync(model: AsyncBeamModel, opts: BeamOptions): Promise<Beams[]> {
  const search = beamSteps(model.requests, model.width.bind(model), opts);
  let next = search.next();
  while (!next.done) {
    const q = next.value;
    next = search.next(await model.logits(q.step, q.prefixes, q.rows, q.groups));
  }
  return next.value;
}

/**
 * The search itself, driven from outside: it yields each step's prefixes and takes that step's logits (rows,
 * width(step)) back, so the synchronous engine and an asynchronous runtime share every line of it.
 */
function* beamSteps(R: number, widthOf: (step: number) => number, opts: BeamOptions): Generator<BeamStep, Beams[], Float32Array> {
  const { beamWidth, steps } = opts;
  if (!Number.isInteger(beamWidth) || beamWidth < 1)
    throw new SidrecError('E_CONFIG', `beamWidth must be a positive integer, got ${beamWidth}`, { field: 'beamWidth' });
  const processors = opts.processors ?? [];
  let beams: Beams[] = Array.from({ length: R }, () => ({ count: 1, steps: 0, codes: new Int32Array(0), scores: Float64Array.of(0) }));
  for (let step = 0; step < steps; step++) {
    const groups = Math.max(1, ...beams.map((b) => b.count));
    const rows = R * groups;
    const prefixes = new Int32Array(rows * step); // (rows, step)
    for (let r = 0; r < R; r++) {
      const b = beams[r];
      for (let g = 0; g < groups; g++) {
        const src = Math.min(g, Math.max(0, b.count - 1)) * step;
        if (b.count > 0) prefixes.set(b.codes.subarray(src, src + step), (r * groups + g) * step);
      }
    }
    const width = widthOf(step);
    const logits = yield { step, prefixes, rows, groups }; // (rows, width)
    if (logits.length !== rows * width) throw new SidrecError('E_SHAPE', `beam model returned ${logits.length} logits, expected ${rows} x ${width}`);
    applyProcessors(processors, step, prefixes, rows, logits, width);
    logSoftmaxRows(logits, rows, width);
    const keepAll = opts.expandLast === true && step === steps - 1;
    beams = beams.map((b, r) => selectBeams(b, logits, r * groups, width, step, keepAll ? Infinity : beamWidth));
  }
  return beams;
}

/** The best `limit` finite continuations of request beams `b` whose logits rows start at row0. */
function selectBeams(b: Beams, logp: Float32Array, row0: number, width: number, step: number, limit: number): Beams {
  let n = 0;
  for (let g = 0; g < b.count; g++) {
    const off = (row0 + g) * width;
    for (let c = 0; c < width; c++) if (logp[off + c] > -Infinity) n++;
  }
  const score = new Float64Array(n);
  const parent = new Int32Array(n);
  const code = new Int32Array(n);
  let k = 0;
  for (let g = 0; g < b.count; g++) {
    const off = (row0 + g) * width;
    for (let c = 0; c < width; c++) {
      const v = logp[off + c];
      if (v === -Infinity) continue;
      score[k] = b.scores[g] + v;
      parent[k] = g;
      code[k++] = c;
    }
  }
  // Candidates are generated in (parent, code) order, so a stable sort by score keeps that as the tie-break.
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((x, y) => score[y] - score[x] || x - y);
  const count = Math.min(limit, n);
  const t = step + 1;
  const codes = new Int32Array(count * t);
  const scores = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const j = order[i];
    codes.set(b.codes.subarray(parent[j] * step, (parent[j] + 1) * step), i * t);
    codes[i * t + step] = code[j];
    scores[i] = score[j];
  }
  return { count, steps: t, codes, scores };
}
