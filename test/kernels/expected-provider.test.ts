/**
 * CI runs the whole suite twice (.ci/run): without the OpenBLAS addon, as on a machine without libopenblas-dev,
 * and with it. SIDREC_EXPECT_KERNELS names the path a run is meant to exercise, so a pass that silently ran on
 * the other one (an addon left over from an earlier build, or one that failed to load) fails here instead of
 * passing twice on the same kernels. Unset, as in a developer's `npm test`, the test is skipped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeKernels } from '../../src/tensor/kernels/registry.js';

test('kernels run on the provider this run expects (SIDREC_EXPECT_KERNELS=onnxruntime|openblas)', (t) => {
  const want = process.env.SIDREC_EXPECT_KERNELS?.trim();
  if (!want) return t.skip('SIDREC_EXPECT_KERNELS not set');
  const { chosen, failures } = describeKernels();
  assert.equal(failures.onnxruntime, undefined, `onnxruntime failed to load: ${failures.onnxruntime}`);
  if (want === 'onnxruntime') {
    assert.ok(failures.openblas, 'the OpenBLAS addon loaded, but this run is meant to go without it');
    assert.equal(chosen.gemm, 'onnxruntime');
  } else if (want === 'openblas') {
    assert.equal(failures.openblas, undefined, `the OpenBLAS addon did not load: ${failures.openblas}`);
    assert.equal(chosen.gemm, 'openblas');
  } else {
    assert.fail(`SIDREC_EXPECT_KERNELS=${want}: expected onnxruntime or openblas`);
  }
});
