/**
 * `sidrec export` for SASRec: the ONNX graph (onnx.ts) plus what a page needs beside it, written as one directory
 * (renamed into place whole): model.onnx, items.json (the catalogue's ids and titles, in model order) and
 * export.json (what it was exported from, its inputs, and the self-check). The export checks itself before it is
 * written: onnxruntime-node runs the graph on real histories and its scores must match the engine's (largest
 * absolute difference within 1e-3 of the score range, every top 10 the same), else nothing is written.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeDirAtomic } from '../../core/atomic-dir.js';
import { SidrecError } from '../../core/errors.js';
import { TopK } from '../../decode/topk.js';
import type { ServingItems } from '../../model/bundle.js';
import type { ModelManifest } from '../../model/manifest.js';
import type { SasRec } from '../../model/sasrec.js';
import { encodeModel } from '../../tensor/kernels/onnx-proto.js';
import { loadOrtRuntime } from '../../tensor/kernels/onnxruntime-session.js';
import type { ExportCheck, ExportResult } from '../family.js';
import { packInputs, sasRecGraph } from './onnx.js';

export const EXPORT_FORMAT = 'sidrec-export';

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

/** Runs the graph in onnxruntime-node on `histories` and compares with the engine. */
export function checkSasRecExport(model: SasRec, onnx: Uint8Array, histories: readonly ArrayLike<number>[]): ExportCheck {
  let runtime: ReturnType<typeof loadOrtRuntime>;
  try {
    runtime = loadOrtRuntime();
  } catch (error) {
    throw new SidrecError('E_STATE', `the export checks itself with onnxruntime-node, which does not load here: ${(error as Error).message}`);
  }
  const N = model.numItems;
  const { ids, back, mask, rows, B, L } = packInputs(histories, model.config.maxLen);
  const got = new Float32Array(B * N);
  const session = runtime.createSessionFromBytes(onnx);
  try {
    const T = runtime.Tensor;
    session.run(
      { ids: new T('int64', ids, [B, L]), back: new T('int64', back, [B, L]), mask: new T('float32', mask, [L, L]), rows: new T('int64', rows, [B]) },
      { scores: new T('float32', got, [B, N]) },
    );
  } finally {
    session.dispose();
  }
  const want = model.score(histories);
  let maxAbsDiff = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < want.length; i++) {
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(want[i] - got[i]));
    lo = Math.min(lo, want[i]);
    hi = Math.max(hi, want[i]);
  }
  const a = top10(want, B, N);
  const b = top10(got, B, N);
  const same = a.filter((t, r) => t.every((item, j) => item === b[r][j])).length;
  return { histories: B, maxAbsDiff, scoreRange: hi - lo, top10Agreement: B === 0 ? 1 : same / B };
}

/** Exports `model` (the directory `dir`, its manifest and catalogue) to `out`; refuses an export that disagrees. */
export function exportSasRec(
  model: SasRec,
  dir: string,
  manifest: ModelManifest,
  items: ServingItems,
  histories: readonly ArrayLike<number>[],
  out: string,
): ExportResult {
  const onnx = encodeModel(sasRecGraph(model));
  const check = checkSasRecExport(model, onnx, histories);
  if (!(check.maxAbsDiff <= 1e-3 * Math.max(1, check.scoreRange)) || check.top10Agreement < 1) {
    throw new SidrecError(
      'E_STATE',
      `the ONNX graph disagrees with the engine (largest score difference ${check.maxAbsDiff.toExponential(2)}, top-10 agreement ${(100 * check.top10Agreement).toFixed(1)}% over ${check.histories} histories); nothing written`,
      { file: dir },
    );
  }
  const description = {
    format: EXPORT_FORMAT,
    version: 1,
    kind: 'sasrec',
    model: resolve(dir),
    modelConfig: manifest.modelConfig,
    numItems: model.numItems,
    maxLen: model.config.maxLen,
    files: { model: 'model.onnx', items: 'items.json' },
    inputs: {
      ids: 'int64 (B, L): item index + 1 of each history item, oldest first, right-padded with 0; the last maxLen items',
      back: 'int64 (B, L): each position counted back from the newest (0 = newest), 0 at padding',
      mask: 'float32 (L, L): 0 on and below the diagonal, -1e30 above (causal)',
      rows: 'int64 (B): r * L + length_r - 1, the flat index of each newest position',
    },
    outputs: { scores: 'float32 (B, numItems): a score per item (higher is better)' },
    check,
  };
  writeDirAtomic(out, (tmp) => {
    writeFileSync(join(tmp, 'model.onnx'), onnx);
    writeFileSync(join(tmp, 'items.json'), `${JSON.stringify({ ids: items.itemIds, titles: items.texts.map((t) => t.title ?? '') })}\n`);
    writeFileSync(join(tmp, 'export.json'), `${JSON.stringify(description, null, 2)}\n`);
  });
  return { dir: out, bytes: onnx.byteLength, check };
}
