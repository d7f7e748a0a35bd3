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

test('threads: onnxruntime GEMMs run on its pool of one thread per core', () => {
  assert.deepEqual(probe({ SIDREC_KERNELS: 'onnxruntime' }), { gemm: 'onnxruntime', threads: Math.max(1, availableParallelism()) });
  assert.deepEqual(probe({ SIDREC_KERNELS: 'plain' }), { gemm: 'plain', threads: 1 });
});

describeKernels(); // loads the providers, so the OpenBLAS case knows whether the addon is here
test('threads: OpenBLAS GEMMs report OPENBLAS_NUM_THREADS', { skip: loadedBlasAddon() ? false : 'OpenBLAS addon not built' }, () => {
  assert.deepEqual(probe({ SIDREC_KERNELS: '', OPENBLAS_NUM_THREADS: '1' }), { gemm: 'openblas', threads: 1 });
  assert.deepEqual(probe({ SIDREC_KERNELS: '', OPENBLAS_NUM_THREADS: '2' }), { gemm: 'openblas', threads: 2 });
});
