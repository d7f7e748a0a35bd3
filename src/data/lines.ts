/**
 * Streaming line reader for the text formats sidrec reads itself (sequences.txt, JSON lines, catalogue CSV).
 * Reads the file in chunks, splits on '\n' at the byte level and decodes each line as strict UTF-8, so an invalid
 * byte sequence is reported with its line number. A UTF-8 BOM is skipped; a UTF-16 BOM is rejected (re-save the
 * file as UTF-8). '\r\n' line ends are accepted.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { inputError, SidrecError } from '../core/errors.js';

export interface Line {
  /** 1-based line number. */
  readonly line: number;
  readonly text: string;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Throws E_NOT_FOUND when the file is missing, E_INPUT when the path is a directory. */
export function assertFileExists(path: string): void {
  if (!existsSync(path)) throw new SidrecError('E_NOT_FOUND', `file not found`, { file: path });
  if (statSync(path).isDirectory()) throw inputError('is a directory, not a file', { file: path });
}

/** Yields every line of `path` (including empty ones) with its 1-based number. */
export async function* readLines(path: string): AsyncGenerator<Line> {
  assertFileExists(path);
  let carry: Buffer | undefined;
  let lineNo = 0;
  let first = true;
  const decode = (bytes: Buffer): string => {
    lineNo++;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
    try {
      return decoder.decode(bytes.subarray(0, end));
    } catch {
      throw inputError('invalid UTF-8 byte sequence (the file must be UTF-8 encoded)', { file: path, line: lineNo });
    }
  };
  for await (const raw of createReadStream(path, { highWaterMark: 1 << 20 })) {
    let chunk = raw as Buffer;
    if (first) {
      first = false;
      if (chunk.length >= 2 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))) {
        throw inputError('UTF-16 byte order mark: the file must be UTF-8 encoded', { file: path, line: 1 });
      }
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
    if (carry !== undefined) {
      chunk = Buffer.concat([carry, chunk]);
      carry = undefined;
    }
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const text = decode(chunk.subarray(start, nl)); // advances lineNo
      yield { line: lineNo, text };
      start = nl + 1;
    }
    if (start < chunk.length) carry = Buffer.from(chunk.subarray(start));
  }
  if (carry !== undefined && carry.length > 0) {
    const text = decode(carry);
    yield { line: lineNo, text };
  }
}

/** Parses a base-10 integer field strictly ("12", not "12a" or "1.5"); throws an input error naming the place. */
export function parseIntField(token: string, where: { file: string; line: number; field: string }, min = Number.MIN_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(token)) throw inputError(`not an integer: ${JSON.stringify(token)}`, where);
  const value = Number(token);
  if (!Number.isSafeInteger(value) || value < min) throw inputError(`integer out of range (min ${min}): ${token}`, where);
  return value;
}
