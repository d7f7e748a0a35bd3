/**
 * Provider loading: the OPENBLAS_CORETYPE choice (SkylakeX on AVX-512 unless the user chose a core type), that
 * onnxruntime loads here (it is a dependency, so its absence is a failure, not a skip), and that the addon
 * rejects arguments that would read past an array instead of touching memory it does not own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseOpenblasCoretype, loadedBlasAddon } from '../../src/tensor/kernels/load.js';
import { describeKernels } from '../../src/tensor/kernels/registry.js';

test('OPENBLAS_CORETYPE: SkylakeX on avx512f over the Haswell preset or unset; a user choice stays', () => {
  const avx512 = 'flags : fpu sse avx2 avx512f avx512bw';
  const cases: [string | undefined, string, string | undefined][] = [
    [undefined, avx512, 'SkylakeX'],
    ['Haswell', avx512, 'SkylakeX'],
    ['Zen', avx512, 'Zen'],
    ['Haswell', 'flags : fpu sse avx2', 'Haswell'],
    [undefined, 'flags : avx512fx', undefined],
  ];
  for (const [before, cpuinfo, after] of cases) {
    const env: NodeJS.ProcessEnv = before === undefined ? {} : { OPENBLAS_CORETYPE: before };
    chooseOpenblasCoretype(env, cpuinfo);
    assert.equal(env.OPENBLAS_CORETYPE, after, `${before} on "${cpuinfo}"`);
  }
});

test('onnxruntime provider loads (it is a dependency)', () => {
  const { chosen, failures } = describeKernels();
  assert.equal(failures.onnxruntime, undefined, `onnxruntime failed to load: ${failures.onnxruntime}`);
  assert.ok(Object.keys(chosen).length >= 6);
});

test('openblas addon rejects out-of-bounds shapes', (t) => {
  describeKernels();
  const addon = loadedBlasAddon();
  if (!addon) return t.skip(`openblas not available: ${describeKernels().failures.openblas}`);
  const a = new Float32Array(6),
    b = new Float32Array(6),
    c = new Float32Array(4);
  addon.sgemm(false, false, 2, 2, 3, 1, a, 3, 0, b, 2, 0, 0, c, 2, 0, 1);
  assert.throws(() => addon.sgemm(false, false, 2, 2, 4, 1, a, 4, 0, b, 2, 0, 0, c, 2, 0, 1), RangeError);
  assert.throws(() => addon.sgemm(false, false, 2, 2, 3, 1, a, 2, 0, b, 2, 0, 0, c, 2, 0, 1), RangeError);
  assert.throws(() => addon.sgemm(false, false, 2, 2, 3, 1, a, 3, 0, b, 2, 0, 0, c, 2, 4, 2), RangeError);
  assert.throws(() => addon.softmaxCrossEntropy(a, 2, 3, Int32Array.of(0, 3), null, 1), RangeError);
  assert.throws(() => addon.gelu(a, c, 5), RangeError);
  assert.throws(() => addon.softmaxRows(a, 3, 3), RangeError);
});
