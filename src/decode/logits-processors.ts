/**
 * Logits processors (transformers.js' LogitsProcessorList): small, composable edits of one decoding step's
 * logits, applied in order before the beam search takes the log-softmax. The SID constraint lives in the
 * SemanticIdTable's prefix trie (a child-range look-up per row), never in a scan over all codes.
 */
import { SidrecError } from '../core/errors.js';
import type { SemanticIdTable } from '../tokenize/sid-table.js';

export interface LogitsProcessor {
  /**
   * Edit `logits` (rows, width) in place for digit `step`; row r continues the code prefix
   * prefixes[r * step .. (r + 1) * step). -Infinity removes a code.
   */
  process(step: number, prefixes: Int32Array, rows: number, logits: Float32Array, width: number): void;
}

/** Only codes that extend the row's prefix to a prefix of some item's SID stay (TIGER's constrained decoding). */
export class TriePrefixConstraint implements LogitsProcessor {
  private saved = new Float32Array(256);
  private readonly prefix: Int32Array;

  constructor(readonly table: SemanticIdTable) {
    this.prefix = new Int32Array(table.digits);
  }

  process(step: number, prefixes: Int32Array, rows: number, logits: Float32Array, width: number): void {
    const prefix = this.prefix.subarray(0, step);
    for (let r = 0; r < rows; r++) {
      for (let d = 0; d < step; d++) prefix[d] = prefixes[r * step + d];
      const valid = this.table.validNextCodes(prefix);
      if (this.saved.length < valid.length) this.saved = new Float32Array(valid.length * 2);
      const off = r * width;
      for (let j = 0; j < valid.length; j++) {
        if (valid[j] >= width) throw new SidrecError('E_SHAPE', `SID code ${valid[j]} at digit ${step} outside the model's ${width} codes`);
        this.saved[j] = logits[off + valid[j]];
      }
      logits.fill(-Infinity, off, off + width);
      for (let j = 0; j < valid.length; j++) logits[off + valid[j]] = this.saved[j];
    }
  }
}

/** Divides logits by a temperature (> 1 flattens, < 1 sharpens). */
export class TemperatureProcessor implements LogitsProcessor {
  constructor(readonly temperature: number) {
    if (!(temperature > 0)) throw new SidrecError('E_CONFIG', `temperature must be > 0, got ${temperature}`, { field: 'temperature' });
  }

  process(_step: number, _prefixes: Int32Array, rows: number, logits: Float32Array, width: number): void {
    if (this.temperature === 1) return;
    const inv = 1 / this.temperature;
    for (let i = 0; i < rows * width; i++) logits[i] *= inv;
  }
}

/** Applies processors in order. */
export function applyProcessors(
  processors: readonly LogitsProcessor[],
  step: number,
  prefixes: Int32Array,
  rows: number,
  logits: Float32Array,
  width: number,
): void {
  for (const p of processors) p.process(step, prefixes, rows, logits, width);
}

/** In-place log-softmax of each row over its finite entries; a row with none stays all -Infinity. */
export function logSoftmaxRows(logits: Float32Array, rows: number, width: number): void {
  for (let r = 0; r < rows; r++) {
    const off = r * width;
    let max = -Infinity;
    for (let j = 0; j < width; j++) if (logits[off + j] > max) max = logits[off + j];
    if (max === -Infinity) continue;
    let sum = 0;
    for (let j = 0; j < width; j++) sum += Math.exp(logits[off + j] - max);
    const lse = max + Math.log(sum);
    for (let j = 0; j < width; j++) logits[off + j] -= lse;
  }
}
