/**
 * The safetensors layout (Hugging Face): 8-byte little-endian header length, a JSON header mapping names to
 * { dtype: F32 | I32, shape, data_offsets: [begin, end] } (plus optional "__metadata__" of strings), padded with
 * spaces to 8-byte alignment, then the raw little-endian bytes. Files are written atomically.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { SidrecError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/atomic.js';

export interface StoredTensor {
  readonly dtype: 'F32' | 'I32';
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array;
}

export interface SafetensorsFile {
  readonly tensors: Map<string, StoredTensor>;
  readonly metadata: Record<string, string>;
}

export function encodeSafetensors(tensors: ReadonlyMap<string, StoredTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const names = [...tensors.keys()].sort();
  for (const name of names) {
    const t = tensors.get(name)!;
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new SidrecError('E_SHAPE', `safetensors "${name}": shape [${t.shape}] vs ${t.data.length} values`);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  const pad = (8 - ((Buffer.byteLength(json) + 8) % 8)) % 8;
  json += ' '.repeat(pad);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const t = tensors.get(name)!;
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array, file = '<buffer>'): SafetensorsFile {
  if (bytes.length < 8) throw new SidrecError('E_STATE', 'safetensors file shorter than its header length', { file });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (8 + headerLen > bytes.length) throw new SidrecError('E_STATE', `safetensors header length ${headerLen} exceeds file`, { file });
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLen)).toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new SidrecError('E_STATE', 'safetensors header is not JSON', { file }, { cause: error });
  }
  const base = 8 + headerLen;
  const tensors = new Map<string, StoredTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: offs } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (dtype !== 'F32' && dtype !== 'I32') throw new SidrecError('E_STATE', `unsupported dtype ${dtype}`, { file, field: name });
    const [begin, end] = offs;
    const n = shape.reduce((a, b) => a * b, 1);
    if (end - begin !== n * 4 || base + end > bytes.length) throw new SidrecError('E_STATE', 'data_offsets do not match shape or file', { file, field: name });
    // Copy into an aligned buffer (the file's offsets need not be 4-byte aligned in memory).
    // (A Buffer's slice is a view, so copy explicitly.)
    const raw = new Uint8Array(end - begin);
    raw.set(bytes.subarray(base + begin, base + end));
    const data = dtype === 'F32' ? new Float32Array(raw.buffer, 0, n) : new Int32Array(raw.buffer, 0, n);
    tensors.set(name, { dtype, shape, data });
  }
  return { tensors, metadata };
}

export function saveSafetensors(path: string, tensors: ReadonlyMap<string, StoredTensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** A file's `__metadata__` strings, reading only its header (not the tensors). */
export function readSafetensorsMetadata(path: string): Record<string, string> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new SidrecError('E_NOT_FOUND', 'cannot read safetensors file', { file: path }, { cause: error });
  }
  try {
    const lengthBytes = Buffer.alloc(8);
    if (readSync(fd, lengthBytes, 0, 8, 0) < 8) throw new SidrecError('E_STATE', 'safetensors file shorter than its header length', { file: path });
    const headerLen = Number(lengthBytes.readBigUInt64LE(0));
    const header = Buffer.alloc(headerLen);
    if (readSync(fd, header, 0, headerLen, 8) < headerLen)
      throw new SidrecError('E_STATE', `safetensors header length ${headerLen} exceeds file`, { file: path });
    try {
      return ((JSON.parse(header.toString('utf8')) as { __metadata__?: Record<string, string> }).__metadata__ ?? {}) as Record<string, string>;
    } catch (error) {
      throw new SidrecError('E_STATE', 'safetensors header is not JSON', { file: path }, { cause: error });
    }
  } finally {
    closeSync(fd);
  }
}

export function loadSafetensors(path: string): SafetensorsFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new SidrecError('E_NOT_FOUND', 'cannot read safetensors file', { file: path }, { cause: error });
  }
  return decodeSafetensors(bytes, path);
}
