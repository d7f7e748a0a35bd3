/**
 * Compressed sparse row matrices and their products with dense row-major matrices: what TF-IDF, multi-hot
 * attributes and PPMI co-occurrence produce and what randomized SVD multiplies. Sparse products stay in plain
 * TypeScript (cost is nnz x cols, far below the dense products).
 */

export interface CsrMatrix {
  readonly rows: number;
  readonly cols: number;
  /** (rows + 1) offsets into `indices` / `values`. */
  readonly indptr: Int32Array;
  /** Column of each stored entry, ascending within a row. */
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/** Builds a CSR matrix row by row from (column, value) pairs; duplicates within a row are summed. */
export class CsrBuilder {
  private indptr: number[] = [0];
  private indices = new Int32Array(1024);
  private values = new Float32Array(1024);
  private nnz = 0;

  constructor(private readonly cols: number) {}

  /** Append one row. `cols` and `vals` are parallel; they need not be sorted. */
  addRow(cols: ArrayLike<number>, vals: ArrayLike<number>): void {
    const n = cols.length;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => cols[a] - cols[b]);
    this.reserve(n);
    let last = -1;
    for (const i of order) {
      const c = cols[i];
      if (c < 0 || c >= this.cols) throw new RangeError(`CSR column ${c} outside [0, ${this.cols})`);
      if (c === last) this.values[this.nnz - 1] += vals[i];
      else {
        this.indices[this.nnz] = c;
        this.values[this.nnz] = vals[i];
        this.nnz++;
        last = c;
      }
    }
    this.indptr.push(this.nnz);
  }

  build(): CsrMatrix {
    return {
      rows: this.indptr.length - 1,
      cols: this.cols,
      indptr: Int32Array.from(this.indptr),
      indices: this.indices.slice(0, this.nnz),
      values: this.values.slice(0, this.nnz),
    };
  }

  private reserve(extra: number): void {
    if (this.nnz + extra <= this.indices.length) return;
    const cap = Math.max(this.nnz + extra, this.indices.length * 2);
    const indices = new Int32Array(cap);
    indices.set(this.indices.subarray(0, this.nnz));
    const values = new Float32Array(cap);
    values.set(this.values.subarray(0, this.nnz));
    this.indices = indices;
    this.values = values;
  }
}

/** out (rows, l) = A (rows, cols) @ B (cols, l). */
export function csrMulDense(a: CsrMatrix, b: Float32Array, l: number, out: Float32Array): void {
  const { indptr, indices, values } = a;
  out.fill(0, 0, a.rows * l);
  for (let i = 0; i < a.rows; i++) {
    const o = i * l;
    const end = indptr[i + 1];
    // Four, then two stored entries per pass: fewer read-modify-write sweeps over the output row.
    let p = indptr[i];
    for (; p + 3 < end; p += 4) {
      const v0 = values[p];
      const v1 = values[p + 1];
      const v2 = values[p + 2];
      const v3 = values[p + 3];
      const r0 = indices[p] * l;
      const r1 = indices[p + 1] * l;
      const r2 = indices[p + 2] * l;
      const r3 = indices[p + 3] * l;
      for (let j = 0; j < l; j++) out[o + j] += v0 * b[r0 + j] + v1 * b[r1 + j] + v2 * b[r2 + j] + v3 * b[r3 + j];
    }
    for (; p + 1 < end; p += 2) {
      const v0 = values[p];
      const v1 = values[p + 1];
      const r0 = indices[p] * l;
      const r1 = indices[p + 1] * l;
      for (let j = 0; j < l; j++) out[o + j] += v0 * b[r0 + j] + v1 * b[r1 + j];
    }
    if (p < end) {
      const v = values[p];
      const rb = indices[p] * l;
      for (let j = 0; j < l; j++) out[o + j] += v * b[rb + j];
    }
  }
}

/** out (cols, l) = A^T @ B (rows, l). */
export function csrTransposeMulDense(a: CsrMatrix, b: Float32Array, l: number, out: Float32Array): void {
  out.fill(0, 0, a.cols * l);
  for (let i = 0; i < a.rows; i++) {
    const rb = i * l;
    for (let p = a.indptr[i]; p < a.indptr[i + 1]; p++) {
      const v = a.values[p];
      const o = a.indices[p] * l;
      for (let j = 0; j < l; j++) out[o + j] += v * b[rb + j];
    }
  }
}

/** In-place L2 normalisation of every stored row. */
export function csrNormalizeRows(a: CsrMatrix): void {
  for (let i = 0; i < a.rows; i++) {
    let s = 0;
    for (let p = a.indptr[i]; p < a.indptr[i + 1]; p++) s += a.values[p] * a.values[p];
    if (s === 0) continue;
    const inv = 1 / Math.sqrt(s);
    for (let p = a.indptr[i]; p < a.indptr[i + 1]; p++) a.values[p] *= inv;
  }
}

/** Horizontal concatenation [A | B] of two matrices with the same row count. */
export function csrHstack(a: CsrMatrix, b: CsrMatrix): CsrMatrix {
  if (a.rows !== b.rows) throw new RangeError(`hstack: ${a.rows} rows vs ${b.rows}`);
  const nnz = a.indices.length + b.indices.length;
  const indptr = new Int32Array(a.rows + 1);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let q = 0;
  for (let i = 0; i < a.rows; i++) {
    for (let p = a.indptr[i]; p < a.indptr[i + 1]; p++, q++) {
      indices[q] = a.indices[p];
      values[q] = a.values[p];
    }
    for (let p = b.indptr[i]; p < b.indptr[i + 1]; p++, q++) {
      indices[q] = a.cols + b.indices[p];
      values[q] = b.values[p];
    }
    indptr[i + 1] = q;
  }
  return { rows: a.rows, cols: a.cols + b.cols, indptr, indices, values };
}

/** The transpose as a new CSR matrix (a CSC view of A), so A^T @ B streams rows like A @ B. */
export function csrTranspose(a: CsrMatrix): CsrMatrix {
  const nnz = a.indices.length;
  const indptr = new Int32Array(a.cols + 1);
  for (let p = 0; p < nnz; p++) indptr[a.indices[p] + 1]++;
  for (let c = 0; c < a.cols; c++) indptr[c + 1] += indptr[c];
  const next = indptr.slice(0, a.cols);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  for (let i = 0; i < a.rows; i++) {
    for (let p = a.indptr[i]; p < a.indptr[i + 1]; p++) {
      const q = next[a.indices[p]]++;
      indices[q] = i;
      values[q] = a.values[p];
    }
  }
  return { rows: a.cols, cols: a.rows, indptr, indices, values };
}
