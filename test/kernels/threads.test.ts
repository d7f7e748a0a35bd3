/**
 * describeKernels().threads: the compute threads the GEMMs run on, recorded in results and SID reports because
 * float sums split over another number of threads round differently. Fresh processes: thread counts are fixed
 * when the providers load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { loadedBlasAddon } from '../../src/tensor/kernels/load.js';
import { describeKernels } from '../../src/tensor/kernels/registry.js';

const PROBE = `
const { describeKernels } = await import(${JSON.stringify(new URL('../../src/tensor/index.js', import.meta.url).href)});
const d = describeKernels();
process.stdout.write(JSON.stringify({ gemm: d.chosen.gemm, threads: d.threads }));
`;

function probe(env: NodeJS.ProcessEnv): { gemm: string; threads: number } {
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', PROBE], { env: { ...process.env, ...env }, encoding: 'utf8' }));
}

test('threads: onnxruntime GEMMs run on its pool of one thread per core, or of SIDREC_THREADS', () => {
  assert.deepEqual(probe({ SIDREC_KERNELS: 'onnxruntime', SIDREC_THREADS: '' }), { gemm: 'onnxruntime', threads: Math.max(1, availableParallelism()) });
  assert.deepEqual(probe({ SIDREC_KERNELS: 'onnxruntime', SIDREC_THREADS: '3' }), { gemm: 'onnxruntime', threads: 3 });
  assert.deepEqual(probe({ SIDREC_KERNELS: 'plain' }), { gemm: 'plain', threads: 1 });
  assert.throws(() => probe({ SIDREC_THREADS: 'two' }), /SIDREC_THREADS must be a whole number of threads \(1 or more\), got "two"/);
});

test('SIDREC_THREADS hands its count to OpenBLAS and OpenMP', async () => {
  const { applyRequestedThreads } = await import('../../src/tensor/kernels/threads.js');
  const env: NodeJS.ProcessEnv = { SIDREC_THREADS: ' 2 ', OPENBLAS_NUM_THREADS: '8' };
  assert.equal(applyRequestedThreads(env), 2);
  assert.deepEqual([env.OPENBLAS_NUM_THREADS, env.OMP_NUM_THREADS], ['2', '2'], 'SIDREC_THREADS wins over the libraries own variables');
  const untouched: NodeJS.ProcessEnv = { OPENBLAS_NUM_THREADS: '8' };
  assert.equal(applyRequestedThreads(untouched), undefined);
  assert.deepEqual(untouched, { OPENBLAS_NUM_THREADS: '8' });
  assert.throws(() => applyRequestedThreads({ SIDREC_THREADS: '0' }), /got "0"/);
});

describeKernels(); // loads the providers, so the OpenBLAS case knows whether the addon is here
test('threads: OpenBLAS GEMMs report SIDREC_THREADS, else OPENBLAS_NUM_THREADS', { skip: loadedBlasAddon() ? false : 'OpenBLAS addon not built' }, () => {
  assert.deepEqual(probe({ SIDREC_KERNELS: '', SIDREC_THREADS: '', OPENBLAS_NUM_THREADS: '1' }), { gemm: 'openblas', threads: 1 });
  assert.deepEqual(probe({ SIDREC_KERNELS: '', SIDREC_THREADS: '', OPENBLAS_NUM_THREADS: '2' }), { gemm: 'openblas', threads: 2 });
  assert.deepEqual(probe({ SIDREC_KERNELS: '', SIDREC_THREADS: '1', OPENBLAS_NUM_THREADS: '2' }), { gemm: 'openblas', threads: 1 }, 'SIDREC_THREADS wins');
});
