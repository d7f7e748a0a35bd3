/**
 * Subnormal floats (src/tensor/kernels/denormals.ts): flushed to zero by default on every provider, kept with
 * SIDREC_DENORMALS=keep. The mode is fixed when the providers load, so each case runs in a fresh process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requestedDenormalMode } from '../../src/tensor/kernels/denormals.js';
import { loadedBlasAddon } from '../../src/tensor/kernels/load.js';
import { describeKernels } from '../../src/tensor/kernels/registry.js';
import { SidrecError } from '../../src/core/errors.js';

test('SIDREC_DENORMALS: flush by default, keep on request, anything else a clear error', () => {
  assert.equal(requestedDenormalMode({}), 'flush');
  assert.equal(requestedDenormalMode({ SIDREC_DENORMALS: 'flush' }), 'flush');
  assert.equal(requestedDenormalMode({ SIDREC_DENORMALS: ' KEEP ' }), 'keep');
  assert.throws(
    () => requestedDenormalMode({ SIDREC_DENORMALS: 'off' }),
    (e: unknown) => e instanceof SidrecError && /SIDREC_DENORMALS must be flush or keep, got "off"/.test(e.message),
  );
});

// A product that underflows (1e-20 x 1e-20: flush-to-zero) and a subnormal operand (1e-39 x 1e30:
// denormals-are-zero), through the provider's GEMM and its softmax cross-entropy gradient.
const PROBE = `
const { kernels, describeKernels } = await import(${JSON.stringify(new URL('../../src/tensor/index.js', import.meta.url).href)});
const small = Float32Array.of(1e-20), sub = Float32Array.of(1e-39), big = Float32Array.of(1e30);
const ftz = new Float32Array(1), daz = new Float32Array(1);
kernels().gemm({ transA: false, transB: false, m: 1, n: 1, k: 1, a: small, b: small, c: ftz });
kernels().gemm({ transA: false, transB: false, m: 1, n: 1, k: 1, a: sub, b: big, c: daz });
const d = describeKernels();
process.stdout.write(JSON.stringify({ gemm: d.chosen.gemm, denormals: d.denormals, ftz: ftz[0], daz: daz[0] }));
`;

function probe(kernelsVar: string, denormals?: string): { gemm: string; denormals: string; ftz: number; daz: number } {
  const env: NodeJS.ProcessEnv = { ...process.env, SIDREC_KERNELS: kernelsVar };
  if (denormals === undefined) delete env.SIDREC_DENORMALS;
  else env.SIDREC_DENORMALS = denormals;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', PROBE], {
    env,
    encoding: 'utf8',
    cwd: fileURLToPath(new URL('.', import.meta.url)),
  });
  return JSON.parse(out);
}

for (const provider of ['plain', 'onnxruntime', 'openblas'] as const) {
  test(`${provider}: subnormal results and operands are zero by default and kept with SIDREC_DENORMALS=keep`, (t) => {
    describeKernels();
    if (provider === 'openblas' && !loadedBlasAddon()) return t.skip(`openblas not available: ${describeKernels().failures.openblas}`);
    const flushed = probe(provider);
    assert.equal(flushed.gemm, provider);
    assert.equal(flushed.denormals, 'flush');
    assert.equal(flushed.ftz, 0, 'an underflowing product is flushed to zero');
    assert.equal(flushed.daz, 0, 'a subnormal operand reads as zero');
    const kept = probe(provider, 'keep');
    assert.equal(kept.denormals, 'keep');
    assert.ok(kept.ftz > 0 && Math.abs(kept.ftz - 1e-40) < 1e-42, `kept: 1e-20 x 1e-20 = ${kept.ftz}`);
    assert.ok(Math.abs(kept.daz - 1e-9) < 1e-11, `kept: 1e-39 x 1e30 = ${kept.daz}`);
  });
}
