import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitTokenizer, loadTokenizer, saveTokenizer, serializeTokenizer, deserializeTokenizer } from '../../src/tokenize/fit.js';
import { resolveTokenizerConfig } from '../../src/tokenize/config.js';
import { SidrecError } from '../../src/core/errors.js';
import { SemanticIdTable } from '../../src/tokenize/sid-table.js';
import { serializeSidTable } from '../../src/tokenize/sid-table-io.js';
import { correlated, plantedClusters, relErr } from './helpers.js';

const small = { codebookSize: 16, maxIter: 15 } as const;

test('config: defaults frozen, unknown keys and bad values rejected with the field named', () => {
  const c = resolveTokenizerConfig({ kind: 'rqkmeans' });
  assert.equal(c.kind === 'rqkmeans' && c.levels, 3);
  assert.equal(c.codebookSize, 256);
  assert.ok(Object.isFrozen(c));
  assert.throws(
    () => resolveTokenizerConfig({ kind: 'opq', levels: 3 } as never),
    (e: unknown) => e instanceof SidrecError && e.location.field === 'tokenizer.levels',
  );
  assert.throws(() => resolveTokenizerConfig({ kind: 'pq', subspaces: 0 }), /subspaces/);
  assert.throws(() => resolveTokenizerConfig({ kind: 'vqvae' } as never), /unknown tokenizer kind "vqvae"/);
});

test('RQ-KMeans: residual levels reduce error; codes of training items = encode(training items)', () => {
  const f = correlated(1, 600, 12);
  const one = fitTokenizer({ kind: 'rqkmeans', levels: 1, ...small }, f);
  const three = fitTokenizer({ kind: 'rqkmeans', levels: 3, ...small }, f);
  const e1 = relErr(f, one.tokenizer.decode(one.codes, f.count));
  const e3 = relErr(f, three.tokenizer.decode(three.codes, f.count));
  assert.ok(e3 < 0.8 * e1, `1 level ${e1}, 3 levels ${e3}`);
  // Encoding a training item alone gives its fitted codes.
  for (const i of [0, 123, 599]) {
    const codes = three.tokenizer.encode(f.data.subarray(i * f.dim, (i + 1) * f.dim), 1);
    assert.deepEqual(Array.from(codes), Array.from(three.codes.subarray(i * 3, i * 3 + 3)));
  }
});

test('RQ-KMeans level 1 finds planted clusters', () => {
  const { features, labels } = plantedClusters(2, 640, 8, 16);
  const fitted = fitTokenizer({ kind: 'rqkmeans', levels: 2, ...small }, features);
  const first = new Map<number, number>();
  for (let i = 0; i < features.count; i++) {
    const c = fitted.codes[i * 2];
    if (!first.has(labels[i])) first.set(labels[i], c);
    assert.equal(first.get(labels[i]), c);
  }
  assert.equal(new Set(first.values()).size, 16);
});

test('held-out items: batched encode equals one-at-a-time encode (RQ and OPQ)', () => {
  const train = correlated(3, 500, 16);
  const heldOut = correlated(4, 40, 16);
  for (const config of [
    { kind: 'rqkmeans', ...small },
    { kind: 'opq', subspaces: 4, pcaDim: 16, rotationIters: 2, ...small },
  ] as const) {
    const { tokenizer } = fitTokenizer(config, train);
    const batch = tokenizer.encode(heldOut.data, heldOut.count);
    for (let i = 0; i < heldOut.count; i++) {
      const single = tokenizer.encode(heldOut.data.subarray(i * 16, (i + 1) * 16), 1);
      assert.deepEqual(Array.from(single), Array.from(batch.subarray(i * tokenizer.digits, (i + 1) * tokenizer.digits)));
    }
  }
});

test('PQ/OPQ: more sub-spaces reduce error; OPQ beats plain PQ on correlated data', () => {
  const f = correlated(5, 1500, 16);
  const base = { pcaDim: 16, whiten: false, codebookSize: 16, maxIter: 20 } as const;
  const err = (config: Parameters<typeof fitTokenizer>[0]): number => {
    const fitted = fitTokenizer(config, f);
    return relErr(f, fitted.tokenizer.decode(fitted.codes, f.count));
  };
  const pq2 = err({ kind: 'pq', subspaces: 2, ...base });
  const pq4 = err({ kind: 'pq', subspaces: 4, ...base });
  const pq8 = err({ kind: 'pq', subspaces: 8, ...base });
  assert.ok(pq8 < pq4 && pq4 < pq2, `pq m=2 ${pq2}, m=4 ${pq4}, m=8 ${pq8}`);
  // PCA orders dims by variance, so plain PQ puts all the energy in the first sub-space; OPQ's rotation spreads it.
  const opq4 = err({ kind: 'opq', subspaces: 4, rotationIters: 6, ...base });
  assert.ok(opq4 < 0.95 * pq4, `opq ${opq4} vs pq ${pq4}`);
});

test('OPQ rotation is orthogonal; whitened OPQ encodes all items into valid codes', () => {
  const f = correlated(6, 700, 24);
  const fitted = fitTokenizer({ kind: 'opq', subspaces: 6, pcaDim: 24, rotationIters: 3, ...small }, f);
  const pq = fitted.tokenizer as unknown as { rotation: Float32Array; reducedDim: number };
  const d = pq.reducedDim;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += pq.rotation[k * d + i] * pq.rotation[k * d + j];
      assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-4, `R^T R [${i},${j}] = ${s}`);
    }
  }
  assert.equal(fitted.codes.length, 700 * 6);
  for (const c of fitted.codes) assert.ok(c >= 0 && c < 16);
});

test('serialisation: same seed -> byte-identical artifacts; round-trip encodes identically; other seed differs', () => {
  const f = correlated(7, 400, 16);
  const dir = mkdtempSync(join(tmpdir(), 'sidrec-tok-'));
  for (const config of [
    { kind: 'rqkmeans', ...small, balance: true },
    { kind: 'opq', subspaces: 4, pcaDim: 16, rotationIters: 2, ...small },
  ] as const) {
    const a = fitTokenizer(config, f);
    const b = fitTokenizer(config, f);
    const bytesA = serializeTokenizer(a.tokenizer);
    assert.deepEqual(Buffer.from(bytesA), Buffer.from(serializeTokenizer(b.tokenizer)));
    const tableA = serializeSidTable(SemanticIdTable.forTokenizer(a.tokenizer, a.codes, f.count));
    assert.deepEqual(Buffer.from(tableA), Buffer.from(serializeSidTable(SemanticIdTable.forTokenizer(b.tokenizer, b.codes, f.count))));
    const path = join(dir, `${config.kind}.sidtok`);
    saveTokenizer(path, a.tokenizer);
    assert.deepEqual(readFileSync(path), Buffer.from(bytesA));
    const loaded = loadTokenizer(path);
    assert.equal(loaded.kind, config.kind);
    assert.deepEqual(Array.from(loaded.encode(f.data, f.count)), Array.from(a.codes));
    assert.deepEqual(Array.from(deserializeTokenizer(bytesA).decode(a.codes, 3)), Array.from(a.tokenizer.decode(a.codes, 3)));
    const other = fitTokenizer({ ...config, seed: 1 }, f);
    assert.notDeepEqual(Buffer.from(serializeTokenizer(other.tokenizer)), Buffer.from(bytesA));
  }
  assert.throws(
    () => loadTokenizer(join(dir, 'missing')),
    (e: unknown) => e instanceof SidrecError && e.code === 'E_NOT_FOUND',
  );
});

test('fitTokenizer rejects fewer items than codes', () => {
  assert.throws(() => fitTokenizer({ kind: 'rqkmeans' }, correlated(8, 100, 4)), /cannot fill a codebook of 256/);
});
