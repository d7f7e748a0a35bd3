/**
 * User-supplied item vectors (e.g. sentence-T5 or OpenAI embeddings computed elsewhere), in one of two forms:
 * a NumPy `.npy` float32 2-D C-order matrix plus an id list file (one id per line, row i = line i), or JSON lines
 * `{"id": ..., "vector": [...]}`. Validated at the boundary: dtype, shape, row count vs ids, duplicate ids, NaN/Inf;
 * errors name the file, line and field.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { inputError } from '../core/errors.js';
import type { ItemFeatures } from './types.js';

export interface LoadedVectors {
  /** Item id of each row, as written in the file. */
  readonly ids: readonly string[];
  readonly features: ItemFeatures;
}

/** Parse a `.npy` buffer (format 1.0-3.0) holding a little-endian float32 2-D C-order array. */
export function parseNpy(buf: Uint8Array, file: string): { rows: number; cols: number; data: Float32Array } {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (buf.length < 10 || magic.some((b, i) => buf[i] !== b)) throw inputError('not a .npy file (bad magic)', { file });
  const major = buf[6];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(buf.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  if (descr !== '<f4') throw inputError(`dtype "${descr}" is not float32 ('<f4'); save with .astype(np.float32)`, { file, field: 'descr' });
  if (/'fortran_order'\s*:\s*True/.test(header)) throw inputError('Fortran-order arrays are not supported; save C-order', { file, field: 'fortran_order' });
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  const shape = (shapeText ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.length !== 2 || shape.some((s) => !Number.isInteger(s) || s < 0)) {
    throw inputError(`shape (${shapeText}) is not a 2-D matrix`, { file, field: 'shape' });
  }
  const [rows, cols] = shape;
  const dataStart = start + headerLen;
  if (buf.length - dataStart !== rows * cols * 4) {
    throw inputError(`payload is ${buf.length - dataStart} bytes, shape (${rows}, ${cols}) needs ${rows * cols * 4}`, { file, field: 'shape' });
  }
  const data = new Float32Array(rows * cols);
  const payload = new DataView(buf.buffer, buf.byteOffset + dataStart, rows * cols * 4);
  for (let i = 0; i < data.length; i++) data[i] = payload.getFloat32(i * 4, true);
  return { rows, cols, data };
}

function checkFinite(data: Float32Array, cols: number, file: string, lineOf: (row: number) => number): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const row = Math.floor(i / cols);
      throw inputError(`non-finite value ${data[i]} at row ${row}, column ${i % cols}`, { file, line: lineOf(row), field: 'vector' });
    }
  }
}

function checkUniqueIds(ids: readonly string[], file: string, lineOf: (row: number) => number): void {
  const seen = new Map<string, number>();
  ids.forEach((id, row) => {
    const prev = seen.get(id);
    if (prev !== undefined) throw inputError(`duplicate id "${id}" (first on line ${lineOf(prev)})`, { file, line: lineOf(row), field: 'id' });
    seen.set(id, row);
  });
}

/** Load `npyPath` (float32 (n, d)) with ids from `idsPath` (n non-empty lines). */
export function loadNpyVectors(npyPath: string, idsPath: string): LoadedVectors {
  const { rows, cols, data } = parseNpy(readFileSync(npyPath), npyPath);
  const ids = readFileSync(idsPath, 'utf8')
    .split('\n')
    .map((s) => s.trim());
  while (ids.length > 0 && ids[ids.length - 1] === '') ids.pop();
  ids.forEach((id, i) => {
    if (id === '') throw inputError('empty id', { file: idsPath, line: i + 1, field: 'id' });
  });
  if (ids.length !== rows) throw inputError(`${ids.length} ids but the matrix has ${rows} rows`, { file: idsPath, line: ids.length, field: 'id' });
  checkUniqueIds(ids, idsPath, (r) => r + 1);
  checkFinite(data, cols, npyPath, (r) => r + 1);
  return { ids, features: { count: rows, dim: cols, data } };
}

/** Load JSON lines `{"id": string | number, "vector": number[]}`; every vector must have the same length. */
export function loadJsonlVectors(path: string): LoadedVectors {
  const lines = readFileSync(path, 'utf8').split('\n');
  const ids: string[] = [];
  const lineNo: number[] = [];
  const rows: number[][] = [];
  let dim = -1;
  lines.forEach((text, i) => {
    const line = i + 1;
    if (text.trim() === '') return;
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (error) {
      throw inputError(`invalid JSON: ${(error as Error).message}`, { file: path, line });
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw inputError('expected an object {id, vector}', { file: path, line });
    const { id, vector } = obj as { id?: unknown; vector?: unknown };
    if (typeof id !== 'string' && typeof id !== 'number') throw inputError('missing or non-scalar id', { file: path, line, field: 'id' });
    if (!Array.isArray(vector) || vector.length === 0) throw inputError('vector must be a non-empty array of numbers', { file: path, line, field: 'vector' });
    if (dim === -1) dim = vector.length;
    if (vector.length !== dim) throw inputError(`vector has ${vector.length} values, earlier lines have ${dim}`, { file: path, line, field: 'vector' });
    for (const [j, v] of vector.entries()) {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw inputError(`vector[${j}] = ${JSON.stringify(v)} is not a finite number`, { file: path, line, field: 'vector' });
    }
    ids.push(String(id));
    lineNo.push(line);
    rows.push(vector as number[]);
  });
  if (rows.length === 0) throw inputError('no vectors', { file: path });
  checkUniqueIds(ids, path, (r) => lineNo[r]);
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => data.set(r, i * dim));
  checkFinite(data, dim, path, (r) => lineNo[r]); // float64 values beyond float32 range become Infinity
  return { ids, features: { count: rows.length, dim, data } };
}

/**
 * Reorder loaded vectors to a catalogue's item order: row i of the result is the vector of `itemIds[i]`.
 * Items without a vector are an error naming the first missing id (pass `allowMissing` for zero rows).
 */
export function alignVectors(loaded: LoadedVectors, itemIds: readonly string[], allowMissing = false, file?: string): ItemFeatures {
  const row = new Map(loaded.ids.map((id, i) => [id, i]));
  const { dim } = loaded.features;
  const data = new Float32Array(itemIds.length * dim);
  itemIds.forEach((id, i) => {
    const r = row.get(id);
    if (r === undefined) {
      if (allowMissing) return;
      throw inputError(`no vector for item "${id}"`, { ...(file !== undefined ? { file } : {}), field: 'id' });
    }
    data.set(loaded.features.data.subarray(r * dim, (r + 1) * dim), i * dim);
  });
  return { count: itemIds.length, dim, data };
}

/**
 * The `vectors` feature source from the CLI: `path` is JSON lines, or a `.npy` matrix whose ids come from `idsPath`;
 * rows are matched to `itemIds` (the dataset's external item ids) and every item must have one.
 */
export function loadItemVectors(path: string, idsPath: string | undefined, itemIds: readonly string[]): ItemFeatures {
  const npy = extname(path).toLowerCase() === '.npy';
  if (npy && idsPath === undefined) throw inputError('a .npy matrix needs its item ids, one per line (--vector-ids FILE)', { file: path, field: 'vector-ids' });
  const loaded = npy ? loadNpyVectors(path, idsPath as string) : loadJsonlVectors(path);
  return alignVectors(loaded, itemIds, false, path);
}
