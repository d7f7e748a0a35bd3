import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import * as T from '../../src/tensor/index.js';

test('safetensors: layout (header length, JSON, offsets) and round-trip of F32 and I32', () => {
  const tensors = new Map<string, T.StoredTensor>([
    ['w', { dtype: 'F32', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, -6.5) }],
    ['ids', { dtype: 'I32', shape: [3], data: Int32Array.of(7, -1, 2 ** 30) }],
  ]);
  const bytes = T.encodeSafetensors(tensors, { format: 'pt' });
  const len = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + len) % 8, 0);
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + len)).toString());
  assert.deepEqual(header.ids, { dtype: 'I32', shape: [3], data_offsets: [0, 12] });
  assert.deepEqual(header.w, { dtype: 'F32', shape: [2, 3], data_offsets: [12, 36] });
  assert.deepEqual(header.__metadata__, { format: 'pt' });
  assert.equal(bytes.length, 8 + len + 36);
  const back = T.decodeSafetensors(bytes);
  assert.deepEqual([...back.tensors.get('w')!.data], [1, 2, 3, 4, 5, -6.5]);
  assert.deepEqual([...back.tensors.get('ids')!.data], [7, -1, 2 ** 30]);
  assert.ok(back.tensors.get('ids')!.data instanceof Int32Array);
  assert.throws(() => T.decodeSafetensors(bytes.subarray(0, 20)), /exceeds file|shorter/);
});

function makeParams(seed: number): T.NamedParameter[] {
  const rng = new Rng(seed);
  return [
    { name: 'a', tensor: T.initNormal(T.parameter([3, 4]), rng) },
    { name: 'b', tensor: T.initNormal(T.parameter([4]), rng) },
  ];
}

function step(params: T.NamedParameter[], opt: T.Optimizer, seed: number): void {
  const rng = new Rng(seed);
  T.tidy(() => {
    opt.zeroGrad();
    const x = T.tensor(
      Float32Array.from({ length: 6 }, () => rng.normal()),
      [2, 3],
    );
    const loss = T.meanAll(T.tanh(T.linear(x, params[0].tensor, params[1].tensor)));
    loss.backward();
    opt.step();
  });
}

test('checkpoint: params + AdamW state round-trip; resuming gives a bit-identical next step; atomic write', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sidrec-ckpt-'));
  try {
    const path = join(dir, 'sub', 'ckpt.safetensors');
    const p1 = makeParams(1);
    const o1 = new T.AdamW(p1, { lr: 0.01 });
    for (let s = 0; s < 3; s++) step(p1, o1, s);
    T.saveCheckpoint(path, p1, o1, { epoch: '3' });
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['ckpt.safetensors']); // no temp file left behind
    step(p1, o1, 3);

    const p2 = makeParams(2); // different init, overwritten by the load
    const o2 = new T.AdamW(p2, { lr: 0.01 });
    const meta = T.loadCheckpoint(path, p2, o2);
    assert.equal(meta.epoch, '3');
    assert.equal(o2.stepCount, 3);
    step(p2, o2, 3);
    for (let i = 0; i < p1.length; i++) assert.deepEqual(Buffer.from(p2[i].tensor.f32.buffer), Buffer.from(p1[i].tensor.f32.buffer));
    assert.ok(readFileSync(path).length > 0);
    const wrong = [{ name: 'a', tensor: T.parameter([4, 3]) }];
    assert.throws(() => T.loadCheckpoint(path, wrong), /shape/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('safetensors metadata read from the header alone; a missing or truncated file is named', async () => {
  const { readSafetensorsMetadata, saveSafetensors } = await import('../../src/tensor/io/safetensors.js');
  const { writeFileSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'sidrec-meta-'));
  const path = join(dir, 'm.safetensors');
  saveSafetensors(path, new Map([['x', { dtype: 'F32' as const, shape: [3], data: Float32Array.of(1, 2, 3) }]]), { epoch: '56', note: 'ä' });
  assert.deepEqual(readSafetensorsMetadata(path), { epoch: '56', note: 'ä' });
  saveSafetensors(path, new Map([['x', { dtype: 'F32' as const, shape: [1], data: Float32Array.of(1) }]]));
  assert.deepEqual(readSafetensorsMetadata(path), {}, 'no metadata');
  assert.throws(() => readSafetensorsMetadata(join(dir, 'none.safetensors')), /cannot read safetensors file/);
  writeFileSync(path, readFileSync(path).subarray(0, 12));
  assert.throws(() => readSafetensorsMetadata(path), /header length \d+ exceeds file/);
  rmSync(dir, { recursive: true });
});
