/**
 * GEMM agreement: every optional provider's gemm / gemmBatched against the plain-TypeScript reference on odd
 * shapes, all four transpose combinations, alpha, beta 0 / 1 / 0.5, padded leading dimensions and batch strides.
 * Padding between rows must stay untouched, and beta 0 must ignore whatever C held (NaN included).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainKernels } from '../../src/tensor/kernels/plain.js';
import type { GemmArgs, GemmBatchedArgs, Kernels } from '../../src/tensor/kernels/types.js';
import { OPTIONAL_PROVIDERS, assertClose, providerKernels, random } from './helpers.js';

const plain = plainKernels.kernels as Kernels;
const SHAPES: readonly [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [17, 1, 9],
  [1, 33, 65],
  [31, 29, 13],
  [64, 70, 130],
  [2, 3, 0],
];

/** Builds a GEMM case; `pad` adds that many unused columns to every stored row of A, B and C. */
function gemmCase(transA: boolean, transB: boolean, [m, n, k]: readonly number[], pad: number, beta: number, alpha: number, seed: number): GemmArgs {
  const [ar, ac] = transA ? [k, m] : [m, k];
  const [br, bc] = transB ? [n, k] : [k, n];
  const lda = ac + pad,
    ldb = bc + pad,
    ldc = n + pad;
  const c = random(m * ldc, seed + 2);
  if (beta === 0) for (let i = 0; i < c.length; i += 3) c[i] = NaN;
  return { transA, transB, m, n, k, alpha, beta, a: random(ar * lda, seed), lda, b: random(br * ldb, seed + 1), ldb, c, ldc };
}

for (const provider of OPTIONAL_PROVIDERS) {
  test(`${provider}: gemm agrees with plain (shapes x transposes x beta x ld)`, (t) => {
    const k = providerKernels(provider);
    if (typeof k === 'string') return t.skip(k);
    let seed = 1;
    for (const shape of SHAPES)
      for (const transA of [false, true])
        for (const transB of [false, true])
          for (const [pad, beta, alpha] of [
            [0, 0, 1],
            [3, 1, 1],
            [1, 0.5, 0.7],
            [2, 0, -1.5],
          ] as const) {
            const args = gemmCase(transA, transB, shape, pad, beta, alpha, seed++);
            const expected = { ...args, c: args.c.slice() };
            // the reference reads C for beta != 0 only; give it zeros where the NaN sentinels sit
            if (beta === 0) expected.c.fill(0);
            plain.gemm(expected);
            const padding = args.c.filter((_, i) => i % args.ldc! >= shape[1]);
            k.gemm(args);
            const what = `${provider} gemm ${shape.join('x')} tA=${transA} tB=${transB} pad=${pad} beta=${beta}`;
            const seen = args.c.filter((_, i) => i % args.ldc! < shape[1]);
            const want = expected.c.filter((_, i) => i % args.ldc! < shape[1]);
            assertClose(seen, want, 2e-5, what);
            assert.deepEqual(
              args.c.filter((_, i) => i % args.ldc! >= shape[1]),
              padding,
              `${what}: padding written`,
            );
          }
  });

  test(`${provider}: gemmBatched agrees with plain (dense, strided, padded rows, transposed, accumulate)`, (t) => {
    const k = providerKernels(provider);
    if (typeof k === 'string') return t.skip(k);
    let seed = 100;
    const cases: [number, number, number, number, number, number][] = [
      // batch, m, n, k, extra stride, row padding (lda/ldb/ldc past the row: attention's heads in a fused QKV)
      [5, 7, 3, 4, 0, 0],
      [8, 50, 50, 16, 0, 0],
      [3, 1, 9, 5, 2, 0],
      [4, 13, 11, 50, 7, 0],
      [1, 6, 6, 6, 0, 0],
      [6, 9, 9, 4, 0, 5],
      [3, 1, 7, 3, 1, 2],
      [4, 12, 5, 8, 3, 16],
    ];
    for (const [batch, m, n, kk, gap, pad] of cases)
      for (const transA of [false, true])
        for (const transB of [false, true])
          for (const beta of [0, 1]) {
            const [ar, ac] = transA ? [kk, m] : [m, kk];
            const [br, bc] = transB ? [n, kk] : [kk, n];
            const lda = ac + pad,
              ldb = bc + pad,
              ldc = n + pad;
            const strideA = ar * lda + gap,
              strideB = br * ldb + gap,
              strideC = m * ldc + gap;
            const args: GemmBatchedArgs = {
              transA,
              transB,
              m,
              n,
              k: kk,
              alpha: 0.5,
              beta,
              batch,
              strideA,
              strideB,
              strideC,
              lda,
              ldb,
              ldc,
              a: random(batch * strideA, seed++),
              b: random(batch * strideB, seed++),
              c: random(batch * strideC, seed++),
            };
            const expected = args.c.slice();
            plain.gemmBatched({ ...args, c: expected });
            k.gemmBatched(args);
            // every element compared, so padding and gaps must come back untouched
            assertClose(
              args.c,
              expected,
              2e-5,
              `${provider} gemmBatched ${batch}x(${m}x${kk}x${n}) gap=${gap} pad=${pad} tA=${transA} tB=${transB} beta=${beta}`,
            );
          }
  });
}
