/**
 * The binary artifact format tokenizers and SemanticIdTables are saved in: an 8-byte magic, a u32 header length,
 * a JSON header (type, version, metadata, array directory), then little-endian typed arrays, each 8-byte aligned.
 * Deterministic bytes for deterministic content (no timestamps); written atomically (temp file + rename); read
 * through readSidFile, so an artifact inside a SID directory is checked against that directory's sids.json.
 */
import { endianness } from 'node:os';
import { SidrecError } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomic.js';
import { readSidFile } from './sid-dir.js';
import type { ArtifactArray } from './tokenizer.js';

const MAGIC = 'SIDREC01';
type DType = 'f32' | 'i32' | 'u16';

interface ArrayEntry {
  readonly name: string;
  readonly dtype: DType;
  readonly length: number;
  readonly offset: number;
}

export interface Artifact {
  readonly type: string;
  readonly version: number;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly arrays: Readonly<Record<string, ArtifactArray>>;
}

function dtypeOf(a: ArtifactArray): DType {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Int32Array) return 'i32';
  return 'u16';
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

export function encodeArtifact(artifact: Artifact): Uint8Array {
  if (endianness() !== 'LE') throw new SidrecError('E_INTERNAL', 'artifacts are little-endian; big-endian hosts are not supported');
  const names = Object.keys(artifact.arrays).sort();
  const entries: ArrayEntry[] = [];
  let offset = 0;
  for (const name of names) {
    const a = artifact.arrays[name];
    entries.push({ name, dtype: dtypeOf(a), length: a.length, offset });
    offset = align8(offset + a.byteLength);
  }
  const header = { type: artifact.type, version: artifact.version, meta: artifact.meta, arrays: entries };
  let headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align8(12 + headerBytes.length);
  const padded = new Uint8Array(dataStart - 12).fill(0x20);
  padded.set(headerBytes);
  headerBytes = padded;
  const out = new Uint8Array(dataStart + offset);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  for (const e of entries) {
    const a = artifact.arrays[e.name];
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), dataStart + e.offset);
  }
  return out;
}

export function decodeArtifact(buf: Uint8Array, file = '<buffer>'): Artifact {
  if (buf.length < 12 || new TextDecoder().decode(buf.subarray(0, 8)) !== MAGIC) {
    throw new SidrecError('E_STATE', 'not a sidrec artifact (bad magic)', { file });
  }
  const headerLen = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(8, true);
  let header: { type: string; version: number; meta: Record<string, unknown>; arrays: ArrayEntry[] };
  try {
    header = JSON.parse(new TextDecoder().decode(buf.subarray(12, 12 + headerLen)));
  } catch (error) {
    throw new SidrecError('E_STATE', `corrupt artifact header: ${(error as Error).message}`, { file });
  }
  const dataStart = 12 + headerLen;
  const arrays: Record<string, ArtifactArray> = {};
  for (const e of header.arrays) {
    const bytes = e.dtype === 'u16' ? 2 : 4;
    const start = dataStart + e.offset;
    if (start + e.length * bytes > buf.length) throw new SidrecError('E_STATE', `artifact truncated in array "${e.name}"`, { file, field: e.name });
    const copy = new Uint8Array(buf.subarray(start, start + e.length * bytes)).buffer; // a copy: Buffer.slice is a view
    arrays[e.name] = e.dtype === 'f32' ? new Float32Array(copy) : e.dtype === 'i32' ? new Int32Array(copy) : new Uint16Array(copy);
  }
  return { type: header.type, version: header.version, meta: header.meta, arrays };
}

export function writeArtifact(path: string, artifact: Artifact): void {
  writeFileAtomic(path, encodeArtifact(artifact));
}

export function readArtifact(path: string, expectedType: string): Artifact {
  const buf = readSidFile(path); // checked against a sids.json beside it
  const artifact = decodeArtifact(buf, path);
  if (artifact.type !== expectedType) {
    throw new SidrecError('E_STATE', `artifact is a "${artifact.type}", expected "${expectedType}"`, { file: path });
  }
  return artifact;
}
