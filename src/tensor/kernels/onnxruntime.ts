/**
 * The onnxruntime-node kernel provider: each kernel runs a small cached ONNX graph (see onnxruntime-graphs.ts)
 * through the synchronous binding (onnxruntime-session.ts). Inputs are zero-copy Tensor views of the caller's
 * Float32Arrays; outputs are pre-bound so ORT writes straight into the caller's buffer. Copies happen only where
 * ONNX cannot express the seam: strided (lda/ldb/ldc) matrices are packed, and beta != 0 accumulates in JS.
 */
import type { Tensor as OrtTensor } from 'onnxruntime-node';
import type { GemmArgs, GemmBatchedArgs, KernelProvider, SoftmaxCrossEntropyArgs } from './types.js';
import type { OnnxGraph } from './onnx-proto.js';
import type { OrtRuntime, OrtSession } from './onnxruntime-session.js';
import { gemmBatchedGraph, gemmGraph, geluBackwardGraph, geluGraph, softmaxCrossEntropyGraph, softmaxRowsGraph } from './onnxruntime-graphs.js';

/** Copies a rows x cols matrix stored with leading dimension `ld` into a dense array (or returns a view). */
function dense(src: Float32Array, rows: number, cols: number, ld: number): Float32Array {
  if (ld === cols || rows <= 1) return src.subarray(0, rows * cols);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) out.set(src.subarray(r * ld, r * ld + cols), r * cols);
  return out;
}

/** `batch` rows x cols matrices, each at `i * stride` with leading dimension `ld`, as one dense array (or a view). */
function packBatch(src: Float32Array, batch: number, stride: number, rows: number, cols: number, ld: number): Float32Array {
  if (ld === cols && stride === rows * cols) return src.subarray(0, batch * rows * cols);
  const out = new Float32Array(batch * rows * cols);
  for (let i = 0; i < batch; i++) {
    for (let r = 0; r < rows; r++) {
      const from = i * stride + r * ld;
      out.set(src.subarray(from, from + cols), (i * rows + r) * cols);
    }
  }
  return out;
}

/** Whether two views share memory: ORT kernels may use an output as scratch, so an output must not alias an input. */
function overlaps(x: Float32Array, y: Float32Array): boolean {
  return x.buffer === y.buffer && x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength;
}

/** Runs `write` into `out` directly, or into a temporary copied to `out` when `out` aliases `input`. */
function writeApart(out: Float32Array, input: Float32Array, write: (target: Float32Array) => void): void {
  if (!overlaps(out, input)) {
    write(out);
    return;
  }
  const tmp = new Float32Array(out.length);
  write(tmp);
  out.set(tmp);
}

/** c[r * ldc + j] = beta * c[...] + product[r * n + j] (beta 0 overwrites, ignoring whatever c held). */
function accumulate(c: Float32Array, ldc: number, product: Float32Array, m: number, n: number, beta: number): void {
  for (let r = 0; r < m; r++) {
    const rc = r * ldc;
    const rp = r * n;
    if (beta === 0) c.set(product.subarray(rp, rp + n), rc);
    else if (beta === 1) for (let j = 0; j < n; j++) c[rc + j] += product[rp + j];
    else for (let j = 0; j < n; j++) c[rc + j] = beta * c[rc + j] + product[rp + j];
  }
}

export function onnxruntimeProvider(runtime: OrtRuntime): KernelProvider {
  const sessions = new Map<string, OrtSession>();
  const session = (key: string, build: () => OnnxGraph): OrtSession => {
    let s = sessions.get(key);
    if (!s) {
      s = runtime.createSession(build());
      sessions.set(key, s);
    }
    return s;
  };
  const tensor = (data: Float32Array, dims: readonly number[]): OrtTensor => new runtime.Tensor('float32', data, dims);

  /** Runs with the output bound to C when C is dense and overwritten, else to a temporary folded in by `beta`. */
  function intoC(run: (out: Float32Array) => void, c: Float32Array, m: number, n: number, ldc: number, beta: number): void {
    if (beta === 0 && (ldc === n || m === 1)) {
      run(c.subarray(0, m * n));
      return;
    }
    const product = new Float32Array(m * n);
    run(product);
    accumulate(c, ldc, product, m, n, beta);
  }

  function gemm({ transA, transB, m, n, k, alpha = 1, a, lda, b, ldb, beta = 0, c, ldc }: GemmArgs): void {
    if (m === 0 || n === 0) return;
    const sc = ldc ?? n;
    if (k === 0) {
      const zeros = new Float32Array(m * n);
      accumulate(c, sc, zeros, m, n, beta);
      return;
    }
    const [ar, ac] = transA ? [k, m] : [m, k];
    const [br, bc] = transB ? [n, k] : [k, n];
    const da = dense(a, ar, ac, lda ?? ac);
    const db = dense(b, br, bc, ldb ?? bc);
    const s = session(`gemm:${transA}:${transB}:${alpha}`, () => gemmGraph(transA, transB, alpha));
    intoC((out) => s.run({ a: tensor(da, [ar, ac]), b: tensor(db, [br, bc]) }, { c: tensor(out, [m, n]) }), c, m, n, sc, beta);
  }

  /**
   * One batched MatMul per call, whatever the layout: operands stored with padded rows (lda/ldb) or gaps between
   * batches are packed densely first, and a strided C is written from a temporary. Attention's per-head products
   * read q, k, v out of the fused (B, T, 3D) projection, so this is their common case: packing costs one copy of
   * each operand, where a loop of per-batch gemm calls paid ORT's per-run overhead B times (TIGER's training step
   * spent two thirds of its time there on small models).
   */
  function gemmBatched(g: GemmBatchedArgs): void {
    const { transA, transB, m, n, k, alpha = 1, a, b, beta = 0, c, batch, strideA, strideB, strideC } = g;
    if (batch === 0 || m === 0 || n === 0) return;
    if (batch === 1 || k === 0) {
      for (let i = 0; i < batch; i++) {
        gemm({ ...g, a: a.subarray(i * strideA), b: b.subarray(i * strideB), c: c.subarray(i * strideC) });
      }
      return;
    }
    const [ar, ac] = transA ? [k, m] : [m, k];
    const [br, bc] = transB ? [n, k] : [k, n];
    const ldc = g.ldc ?? n;
    const s = session(`gemmBatched:${transA}:${transB}:${alpha}`, () => gemmBatchedGraph(transA, transB, alpha));
    const feeds = {
      a: tensor(packBatch(a, batch, strideA, ar, ac, g.lda ?? ac), [batch, ar, ac]),
      b: tensor(packBatch(b, batch, strideB, br, bc, g.ldb ?? bc), [batch, br, bc]),
    };
    if (beta === 0 && ldc === n && strideC === m * n) {
      s.run(feeds, { c: tensor(c.subarray(0, batch * m * n), [batch, m, n]) });
      return;
    }
    const product = new Float32Array(batch * m * n);
    s.run(feeds, { c: tensor(product, [batch, m, n]) });
    for (let i = 0; i < batch; i++) accumulate(c.subarray(i * strideC), ldc, product.subarray(i * m * n), m, n, beta);
  }

  function softmaxCrossEntropy({ logits, rows, cols, targets, grad, scale = 1 }: SoftmaxCrossEntropyArgs): number {
    if (rows === 0) return 0;
    // Read each row's target logit first: `grad` may alias `logits` and ORT overwrites it.
    const picked = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      const t = targets[r];
      if (t >= cols) throw new RangeError(`softmaxCrossEntropy: target ${t} of row ${r} >= cols ${cols}`);
      if (t >= 0) picked[r] = logits[r * cols + t];
    }
    const lse = new Float32Array(rows);
    const x = tensor(logits.subarray(0, rows * cols), [rows, cols]);
    if (grad) {
      const s = session('softmaxCE:grad', () => softmaxCrossEntropyGraph(true));
      const feeds = { x, scale: tensor(Float32Array.of(scale), []) };
      writeApart(grad.subarray(0, rows * cols), logits.subarray(0, rows * cols), (g) =>
        s.run(feeds, { lse: tensor(lse, [rows]), grad: tensor(g, [rows, cols]) }),
      );
    } else {
      session('softmaxCE', () => softmaxCrossEntropyGraph(false)).run({ x }, { lse: tensor(lse, [rows]) });
    }
    let total = 0;
    for (let r = 0; r < rows; r++) {
      const t = targets[r];
      if (t < 0) {
        grad?.fill(0, r * cols, (r + 1) * cols);
        continue;
      }
      total += lse[r] - picked[r];
      if (grad) grad[r * cols + t] -= scale;
    }
    return total;
  }

  return {
    name: 'onnxruntime',
    kernels: {
      gemm,
      gemmBatched,
      softmaxCrossEntropy,
      gelu(x, out, n) {
        if (n === 0) return;
        const s = session('gelu', geluGraph);
        writeApart(out.subarray(0, n), x.subarray(0, n), (y) => s.run({ x: tensor(x.subarray(0, n), [n]) }, { y: tensor(y, [n]) }));
      },
      geluBackward(x, dy, dx, n, acc) {
        if (n === 0) return;
        const feeds: Record<string, OrtTensor> = { x: tensor(x.subarray(0, n), [n]), dy: tensor(dy.subarray(0, n), [n]) };
        if (acc) feeds.dx = tensor(dx.subarray(0, n), [n]);
        const s = session(`geluBackward:${acc}`, () => geluBackwardGraph(acc));
        // dx as both input and output is safe: only the graph's last node (an elementwise Add) writes it.
        const out = dx.subarray(0, n);
        if ([x, dy].some((v) => overlaps(out, v.subarray(0, n)))) {
          const tmp = new Float32Array(n);
          s.run(feeds, { dx_out: tensor(tmp, [n]) });
          out.set(tmp);
        } else s.run(feeds, { dx_out: tensor(out, [n]) });
      },
      softmaxRows(x, rows, cols) {
        if (rows * cols === 0) return;
        // In place: ORT's Softmax reads each row before writing it (checked by test/kernels/rowwise.test.ts).
        const view = x.subarray(0, rows * cols);
        session('softmaxRows', softmaxRowsGraph).run({ x: tensor(view, [rows, cols]) }, { y: tensor(view, [rows, cols]) });
      },
    },
  };
}
