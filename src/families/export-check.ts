/**
 * What every model export shares: the histories it is checked on, the check itself (the graph run in
 * onnxruntime-node against the engine's scores: largest difference within 1e-3 of the score range, every top 10
 * the same), and writing the export directory whole (model.onnx, items.json, export.json) only after it passed.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeDirAtomic } from '../core/atomic-dir.js';
import { SidrecError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { TopK } from '../decode/topk.js';
import type { ServingItems } from '../model/bundle.js';
import { transitionBytes } from '../model/transition-counts.js';
import type { TransitionPrior } from '../model/transitions.js';
import { encodeModel, type OnnxGraph } from '../tensor/kernels/onnx-proto.js';
import { requestedDenormalMode } from '../tensor/kernels/denormals.js';
import { loadOrtPublicApi, loadOrtRuntime } from '../tensor/kernels/onnxruntime-session.js';
import type { OrtModule, OrtSession } from '../decode/sid-runtime.js';
import { requestedThreads } from '../tensor/kernels/threads.js';
import type { ExportCheck, ExportOptions, ExportResult } from './family.js';
import { HISTORY_INPUT_DOCS, historyInputs } from './onnx-graph.js';
import type { ExportPrecision } from './onnx-graph.js';

export const EXPORT_FORMAT = 'sidrec-export';

/** Seeded histories, every length from 1 to a little past the model's window, items from the whole catalogue. */
export function checkHistories(numItems: number, maxLen: number, count = 64, seed = 11): Int32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, r) => {
    const length = 1 + (r % Math.max(1, maxLen + 4)); // a few longer than the window: cut as the model reads them
    return Int32Array.from({ length }, () => rng.int(numItems));
  });
}

/** Top-10 item indices of each row of (B, N) scores. */
function top10(scores: Float32Array, B: number, N: number): Int32Array[] {
  const top = new TopK(Math.min(10, N));
  return Array.from({ length: B }, (_, r) => {
    top.reset();
    for (let i = 0; i < N; i++) top.push(i, scores[r * N + i]);
    const out = new Int32Array(top.size);
    top.sortedInto(out);
    return out;
  });
}

/**
 * Runs the graph (inputs named `inputs`, of onnx-graph.ts's history inputs; output `scores` (B, N)) in
 * onnxruntime-node on `histories` and compares with `engine` (the same histories' scores from the engine).
 */
export function checkExport(
  onnx: Uint8Array,
  inputs: readonly string[],
  maxLen: number,
  numItems: number,
  histories: readonly ArrayLike<number>[],
  engine: Float32Array,
): ExportCheck {
  let runtime: ReturnType<typeof loadOrtRuntime>;
  try {
    runtime = loadOrtRuntime(requestedDenormalMode(), requestedThreads()); // the engine's mode, so its sessions do not set another
  } catch (error) {
    throw new SidrecError('E_STATE', `the export checks itself with onnxruntime-node, which does not load here: ${(error as Error).message}`);
  }
  const packed = historyInputs(histories, maxLen);
  const { B, L } = packed;
  const T = runtime.Tensor;
  const all = {
    ids: new T('int64', packed.ids, [B, L]),
    back: new T('int64', packed.back, [B, L]),
    pos: new T('int64', packed.pos, [B, L]),
    mask: new T('float32', packed.mask, [L, L]),
    rows: new T('int64', packed.rows, [B]),
  };
  const feeds = Object.fromEntries(inputs.map((name) => [name, all[name as keyof typeof all]]));
  const got = new Float32Array(B * numItems);
  const session = runtime.createSessionFromBytes(onnx);
  try {
    session.run(feeds, { scores: new T('float32', got, [B, numItems]) });
  } finally {
    session.dispose();
  }
  let maxAbsDiff = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < engine.length; i++) {
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(engine[i] - got[i]));
    lo = Math.min(lo, engine[i]);
    hi = Math.max(hi, engine[i]);
  }
  return { histories: B, maxAbsDiff, scoreRange: hi - lo, ...topAgreement(top10(engine, B, numItems), top10(got, B, numItems)) };
}

/** How far the export's top lists (`got`) agree with the engine's (`want`): the same in order, and the items kept. */
function topAgreement(want: readonly ArrayLike<number>[], got: readonly ArrayLike<number>[]): Pick<ExportCheck, 'top10Agreement' | 'top10Overlap'> {
  const B = want.length;
  let same = 0;
  let overlap = 0;
  want.forEach((t, r) => {
    const theirs = Array.from(got[r]);
    if (t.length === theirs.length && Array.from(t).every((item, j) => item === theirs[j])) same++;
    const set = new Set(theirs);
    overlap += Array.from(t).filter((item) => set.has(item)).length / Math.max(t.length, 1);
  });
  return { top10Agreement: B === 0 ? 1 : same / B, top10Overlap: B === 0 ? 1 : overlap / B };
}

/** A ranking (items best first, with their scores) from the engine or an export. */
export interface RankedList {
  readonly items: ArrayLike<number>;
  readonly scores: ArrayLike<number>;
}

/**
 * The check for exports that rank candidates rather than score every item (TIGER's beam search): each history's
 * top 10 from the export against the engine's, and the largest score difference over the items both hold.
 */
export function checkRankings(want: readonly RankedList[], got: readonly RankedList[]): ExportCheck {
  let maxAbsDiff = 0;
  let lo = Infinity;
  let hi = -Infinity;
  want.forEach((w, r) => {
    const theirs = new Map(Array.from(got[r].items, (item, j) => [item, got[r].scores[j]] as const));
    for (let j = 0; j < w.items.length; j++) {
      lo = Math.min(lo, w.scores[j]);
      hi = Math.max(hi, w.scores[j]);
      const score = theirs.get(w.items[j]);
      if (score !== undefined) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(score - w.scores[j]));
    }
  });
  return {
    histories: want.length,
    maxAbsDiff,
    scoreRange: hi > lo ? hi - lo : 0,
    ...topAgreement(
      want.map((w) => w.items),
      got.map((g) => g.items),
    ),
  };
}

/** What a list-ranking export's runtime answers: each history's best items, best first, with their scores. */
export interface ListRuntime {
  rank(histories: readonly ArrayLike<number>[], k: number, exclude: readonly ReadonlySet<number>[]): Promise<readonly RankedList[]>;
}

/**
 * The self-check of an export that ranks candidate lists (TIGER-style beam search, GRank's two stages): a runtime
 * made by `open` over onnxruntime-node's public API (its sessions on one CPU thread) ranks each history's top 10,
 * history excluded, against the served recommender's (`served`) at the same request.
 */
export async function checkListRanker(
  served: {
    recommend(queries: readonly { history: number[]; k: number; exclude: ReadonlySet<number> }[]): readonly (readonly { item: number; score: number }[])[];
  },
  open: (ort: OrtModule, session: (onnx: Uint8Array) => Promise<OrtSession>) => Promise<ListRuntime>,
  histories: readonly ArrayLike<number>[],
): Promise<ExportCheck> {
  let ort: OrtModule;
  try {
    ort = (await loadOrtPublicApi()) as OrtModule;
  } catch (error) {
    throw new SidrecError('E_STATE', `the export checks itself with onnxruntime-node, which does not load here: ${(error as Error).message}`);
  }
  const runtime = await open(ort, (onnx) => ort.InferenceSession.create(onnx, { executionProviders: ['cpu'], intraOpNumThreads: 1 }));
  const exclude = histories.map((h) => new Set(Array.from(h)));
  const want = served.recommend(histories.map((h, r) => ({ history: Array.from(h), k: 10, exclude: exclude[r] })));
  const got = await runtime.rank(histories, 10, exclude);
  return checkRankings(
    want.map((list) => ({ items: list.map((x) => x.item), scores: list.map((x) => x.score) })),
    got,
  );
}

/** A list-ranking export refuses the model directory's transition prior, as its served model does. */
export function refusePrior(options: ExportOptions, dir: string, kind: string): void {
  if (options.prior)
    throw new SidrecError(
      'E_CONFIG',
      `${dir} holds a transition prior, which needs every item scored; a ${kind} export ranks candidate lists: use --transitions off`,
      {
        field: 'transitions',
      },
    );
}

/** Little-endian int32 bytes of a table (what a page reads with an Int32Array). */
export function int32Bytes(values: Int32Array): Uint8Array {
  const copy = Int32Array.from(values);
  return new Uint8Array(copy.buffer);
}

export interface ExportSpec {
  readonly kind: string;
  /** The model directory it was exported from. */
  readonly model: string;
  readonly modelConfig: Readonly<Record<string, unknown>>;
  readonly numItems: number;
  readonly maxLen: number;
  readonly inputs: readonly string[];
  readonly precision: ExportPrecision;
  /** Anything else a runtime needs (e.g. RPG's item codes for graph decoding). */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** Extra binary files written beside the model (e.g. RPG's item graph), by name. */
  readonly files?: Readonly<Record<string, Uint8Array>>;
  /** What each input holds (default: onnx-graph.ts's history inputs named by `inputs`). */
  readonly inputDocs?: Readonly<Record<string, string>>;
  /** What each output holds (default: `scores`). */
  readonly outputDocs?: Readonly<Record<string, string>>;
  /** The model directory's transition prior, stored as transitions.bin for the runtime to add to `scores`. */
  readonly transitions?: TransitionPrior;
}

/**
 * Whether an export agrees with the engine: float32 within 1e-3 of the score range and every top 10 the same;
 * float16 (rounded weights) within 2% of the range and at least 90% of the top 10s the same, in order; int8 (coarser
 * still, near-ties swap places) within 10% of the range and 90% of each top 10's items kept, in any order. Both
 * figures are recorded.
 */
export function agrees(check: ExportCheck, precision: ExportPrecision): boolean {
  if (precision === 'int8') return check.maxAbsDiff <= 0.1 * Math.max(1, check.scoreRange) && check.top10Overlap >= 0.9;
  const [tolerance, agreement] = precision === 'float32' ? [1e-3, 1] : [2e-2, 0.9];
  return check.maxAbsDiff <= tolerance * Math.max(1, check.scoreRange) && check.top10Agreement >= agreement;
}

/**
 * Writes OUT/{model.onnx,items.json,export.json} (and the spec's files, the prior's transitions.bin) whole when
 * `check` passes; otherwise throws and writes nothing.
 */
export function writeExport(out: string, onnx: Uint8Array, spec: ExportSpec, items: ServingItems, check: ExportCheck): ExportResult {
  if (!agrees(check, spec.precision)) {
    throw new SidrecError(
      'E_STATE',
      `the ${spec.precision} ONNX graph disagrees with the engine (largest score difference ${check.maxAbsDiff.toExponential(2)}, top-10 agreement ${(100 * check.top10Agreement).toFixed(1)}%, items kept ${(100 * check.top10Overlap).toFixed(1)}% over ${check.histories} histories); nothing written`,
      { file: spec.model },
    );
  }
  const prior = spec.transitions && transitionBytes(spec.transitions.table, spec.transitions.numItems, spec.transitions.weight, spec.transitions.reach);
  const files = { ...spec.files, ...(prior ? { [prior.description.file]: prior.bytes } : {}) };
  const description = {
    format: EXPORT_FORMAT,
    version: 1,
    kind: spec.kind,
    model: spec.model,
    modelConfig: spec.modelConfig,
    numItems: spec.numItems,
    maxLen: spec.maxLen,
    precision: spec.precision,
    files: { model: 'model.onnx', items: 'items.json' },
    inputs: spec.inputDocs ?? Object.fromEntries(spec.inputs.map((name) => [name, HISTORY_INPUT_DOCS[name]])),
    outputs: spec.outputDocs ?? { scores: 'float32 (B, numItems): a score per item (higher is better)' },
    ...spec.extra,
    ...(prior ? { transitions: prior.description } : {}),
    check,
  };
  writeDirAtomic(out, (tmp) => {
    writeFileSync(join(tmp, 'model.onnx'), onnx);
    writeFileSync(join(tmp, 'items.json'), `${JSON.stringify({ ids: items.itemIds, titles: items.texts.map((t) => t.title ?? '') })}\n`);
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(tmp, name), bytes);
    writeFileSync(join(tmp, 'export.json'), `${JSON.stringify(description, null, 2)}\n`);
  });
  const graphs = Object.entries(files).filter(([name]) => name.endsWith('.onnx'));
  return {
    dir: out,
    bytes: graphs.reduce((sum, [, bytes]) => sum + bytes.byteLength, onnx.byteLength),
    check,
    ...(prior ? { transitions: prior.description } : {}),
  };
}

/** A model that scores every item after a history (SASRec, the Markov chain) as its export needs it. */
export interface ItemScoringModel {
  readonly numItems: number;
  readonly config: { readonly maxLen: number };
  score(histories: readonly ArrayLike<number>[]): Float32Array;
}

/**
 * The export of an item-scoring model (`kind`, its graph from `build`, the history inputs it reads), checked on the
 * seeded histories against the model's own scores: the spec from the model directory, then exportGraph.
 */
export function exportItemScorer(
  scorer: {
    readonly kind: string;
    readonly model: ItemScoringModel;
    readonly inputs: readonly string[];
    readonly build: (precision: ExportPrecision) => OnnxGraph;
  },
  dir: string,
  manifest: { readonly modelConfig: Readonly<Record<string, unknown>> },
  items: ServingItems,
  out: string,
  options: ExportOptions = {},
): ExportResult {
  const { kind, model, inputs, build } = scorer;
  const spec = {
    kind,
    model: resolve(dir),
    modelConfig: manifest.modelConfig,
    numItems: model.numItems,
    maxLen: model.config.maxLen,
    inputs,
    ...(options.prior ? { transitions: options.prior } : {}),
  };
  const histories = checkHistories(model.numItems, model.config.maxLen);
  return exportGraph(spec, build, (h) => model.score(h), items, histories, out, options.precision);
}

/** One model's export, end to end: build the graph at `precision`, check it against `engine` on `histories`, write it. */
export function exportGraph(
  spec: Omit<ExportSpec, 'precision'>,
  build: (precision: ExportPrecision) => OnnxGraph,
  engine: (histories: readonly ArrayLike<number>[]) => Float32Array,
  items: ServingItems,
  histories: readonly ArrayLike<number>[],
  out: string,
  precision: ExportPrecision = 'float32',
): ExportResult {
  const onnx = encodeModel(build(precision));
  const check = checkExport(onnx, spec.inputs, spec.maxLen, spec.numItems, histories, engine(histories));
  return writeExport(out, onnx, { ...spec, precision }, items, check);
}
