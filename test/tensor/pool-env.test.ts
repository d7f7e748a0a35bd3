import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestedPoolIdleCeiling } from '../../src/tensor/pool-env.js';

test('SIDREC_POOL_IDLE_GB: GiB to bytes, unset or blank is none, anything else a clear error naming the variable', () => {
  assert.equal(requestedPoolIdleCeiling({}), undefined);
  assert.equal(requestedPoolIdleCeiling({ SIDREC_POOL_IDLE_GB: ' ' }), undefined);
  assert.equal(requestedPoolIdleCeiling({ SIDREC_POOL_IDLE_GB: '1.5' }), 1.5 * 1024 ** 3);
  assert.equal(requestedPoolIdleCeiling({ SIDREC_POOL_IDLE_GB: '0' }), 0);
  for (const bad of ['-1', 'two', '1GB'])
    assert.throws(
      () => requestedPoolIdleCeiling({ SIDREC_POOL_IDLE_GB: bad }),
      (e: Error) => /SIDREC_POOL_IDLE_GB.*GiB/.test(e.message) && e.message.includes(bad),
    );
});
