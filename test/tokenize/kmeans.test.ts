import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { assignNearest, fitKMeans } from '../../src/tokenize/kmeans.js';
import { plantedClusters } from './helpers.js';

const opts = { maxIter: 30, tol: 1e-6, initSample: 4096, fitSample: 1_000_000, balance: false };

test('k-means recovers planted clusters exactly (one-to-one label map)', () => {
  const k = 12;
  const { features, labels } = plantedClusters(1, 1200, 8, k);
  const model = fitKMeans(new Rng(3), features.data, features.count, features.dim, { k, ...opts });
  const codes = new Int32Array(features.count);
  assignNearest(model, features.data, features.count, codes);
  const map = new Map<number, number>();
  for (let i = 0; i < features.count; i++) {
    const prev = map.get(labels[i]);
    if (prev === undefined) map.set(labels[i], codes[i]);
    else assert.equal(codes[i], prev, `point ${i} of cluster ${labels[i]} split`);
  }
  assert.equal(new Set(map.values()).size, k);
});

test('k-means repairs empty clusters: duplicated points still give k used codes', () => {
  // 40 points, only 5 distinct values; k = 8 forces duplicate initial centroids -> empty clusters to repair.
  const dim = 2;
  const data = new Float32Array(40 * dim);
  for (let i = 0; i < 40; i++) {
    data[i * dim] = i % 5;
    data[i * dim + 1] = (i * 7) % 3 === 0 ? 0.001 * i : 0;
  }
  const model = fitKMeans(new Rng(1), data, 40, dim, { k: 8, ...opts });
  const codes = new Int32Array(40);
  assignNearest(model, data, 40, codes);
  assert.ok(new Set(codes).size >= 6, `used ${new Set(codes).size} codes`);
  for (const v of model.centroids) assert.ok(Number.isFinite(v));
});

test('balanced k-means spreads usage on skewed data (higher perplexity than plain)', () => {
  const rng = new Rng(9);
  const n = 3000;
  const dim = 4;
  const data = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    // Heavy-tailed radius: a dense core and a sparse halo, so plain k-means leaves codes unevenly used.
    const r = (-Math.log(1 - rng.next())) ** 2;
    const g = Array.from({ length: dim }, () => rng.normal());
    const norm = Math.hypot(...g);
    for (let j = 0; j < dim; j++) data[i * dim + j] = (r * g[j]) / norm;
  }
  const perplexity = (balance: boolean): number => {
    const model = fitKMeans(new Rng(2), data, n, dim, { k: 16, ...opts, balance });
    const codes = new Int32Array(n);
    assignNearest(model, data, n, codes);
    const counts = new Float64Array(16);
    for (const c of codes) counts[c]++;
    let h = 0;
    for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
    return Math.exp(h);
  };
  const plain = perplexity(false);
  const balanced = perplexity(true);
  assert.ok(balanced > 1.5 * plain, `plain ${plain} balanced ${balanced}`);
});

test('assignNearest is independent of batch composition (row i depends on row i only)', () => {
  const { features } = plantedClusters(2, 500, 6, 10, 1.0);
  const model = fitKMeans(new Rng(1), features.data, 500, 6, { k: 10, ...opts });
  const all = new Int32Array(500);
  assignNearest(model, features.data, 500, all);
  const one = new Int32Array(1);
  for (const i of [0, 17, 499]) {
    assignNearest(model, features.data.subarray(i * 6, (i + 1) * 6), 1, one);
    assert.equal(one[0], all[i]);
  }
});
