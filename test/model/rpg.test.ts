import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { Rpg, type ItemCodes } from '../../src/model/rpg.js';
import { scoreAll, scoreItems } from '../../src/model/rpg-score.js';
import { noGrad, tidy, type Tensor } from '../../src/tensor/index.js';
import { nextItemBatches } from '../../src/train/batches.js';

const TINY = { dim: 8, layers: 1, heads: 2, ffn: 16, dropout: 0, attnDropout: 0, residDropout: 0, temperature: 0.1, maxLen: 6 };

function tinyCodes(numItems: number, digits: number, C: number, seed: number): ItemCodes {
  const rng = new Rng(seed);
  return { numItems, digits, codebookSize: C, codes: Int32Array.from({ length: numItems * digits }, () => rng.int(C)) };
}

function tinyModel(seed = 1): Rpg {
  const model = new Rpg(tinyCodes(10, 3, 4, seed), TINY, seed);
  // Heads start at zero (identity); give them weights so the reference exercises the SiLU branch.
  const rng = new Rng(seed + 7);
  for (const p of model.namedParameters()) if (p.name.startsWith('heads.')) for (let i = 0; i < p.tensor.size; i++) p.tensor.f32[i] = 0.3 * rng.normal();
  return model;
}

function param(model: Rpg, name: string): Float32Array {
  const p = model.namedParameters().find((q) => q.name === name);
  assert.ok(p, name);
  return p.tensor.f32;
}

// the first window's position 0 carries no target (a later window of a long sequence): the loss must skip it
const windows = [
  { items: Int32Array.of(1, 2, 3, 4), firstTarget: 1 },
  { items: Int32Array.of(5, 6), firstTarget: 0 },
  { items: Int32Array.of(7, 8, 9), firstTarget: 0 },
];
const batch = nextItemBatches(windows, 3, new Rng(2))[0];

/** The RPG loss written out per position and digit, from the model's hidden states. */
function naiveLoss(model: Rpg): number {
  const { dim: D, temperature } = model.config;
  const m = model.digits;
  const C = model.codebookSize;
  const W = param(model, 'heads.weight'); // (D, m*D)
  const bias = param(model, 'heads.bias');
  const E = param(model, 'codes');
  const H = noGrad(() => tidy(() => Float32Array.from(model.hidden(batch.inputs, batch.lengths, batch.length, { training: false }).f32)));
  let total = 0;
  let count = 0;
  for (let r = 0; r < batch.size; r++) {
    for (let t = 0; t < batch.lengths[r]; t++) {
      const h = H.subarray((r * batch.length + t) * D, (r * batch.length + t + 1) * D);
      const target = batch.targets[r * batch.length + t];
      if (target < 0) continue;
      for (let d = 0; d < m; d++) {
        const q = new Float64Array(D);
        for (let j = 0; j < D; j++) {
          let z = bias[d * D + j];
          for (let i = 0; i < D; i++) z += h[i] * W[i * m * D + d * D + j];
          q[j] = h[j] + z / (1 + Math.exp(-z));
        }
        const logits: number[] = [];
        for (let c = 0; c < C; c++) {
          let dot = 0,
            nq = 0,
            ne = 0;
          for (let j = 0; j < D; j++) {
            const e = E[(d * C + c) * D + j];
            dot += q[j] * e;
            nq += q[j] * q[j];
            ne += e * e;
          }
          logits.push(dot / Math.sqrt(nq) / Math.sqrt(ne) / temperature);
        }
        const mx = Math.max(...logits);
        const lse = mx + Math.log(logits.reduce((s, v) => s + Math.exp(v - mx), 0));
        total += lse - logits[model.codes.codes[target * m + d]];
        count++;
      }
    }
  }
  return total / count;
}

function lossValue(model: Rpg): number {
  return tidy(() => model.loss(batch, { training: false }).item());
}

/** The loss's central difference in weight w[i] agrees with the analytic gradient grad[i]. */
function assertFiniteDifference(model: Rpg, name: string, w: Float32Array, i: number, grad: Float32Array): void {
  const old = w[i];
  const h = 2e-3;
  w[i] = old + h;
  const up = lossValue(model);
  w[i] = old - h;
  const down = lossValue(model);
  w[i] = old;
  const numeric = (up - down) / (2 * h);
  assert.ok(Math.abs(numeric - grad[i]) < 2e-2 + 0.05 * Math.abs(numeric), `${name}[${i}]: analytic ${grad[i]} vs numeric ${numeric}`);
}

test('RPG loss equals the per-position, per-digit cross-entropy written out by hand', () => {
  const model = tinyModel();
  const got = lossValue(model);
  const want = naiveLoss(model);
  assert.ok(Math.abs(got - want) < 1e-4 * Math.max(1, Math.abs(want)), `loss ${got} vs reference ${want}`);
});

test('RPG loss gradients match finite differences (code table, heads, positions)', () => {
  const model = tinyModel(3);
  const grads = new Map<string, Float32Array>();
  tidy(() => {
    const l: Tensor = model.loss(batch, { training: false });
    l.backward();
  });
  for (const p of model.namedParameters()) grads.set(p.name, Float32Array.from(p.tensor.grad ?? new Float32Array(p.tensor.size)));
  const rng = new Rng(9);
  for (const name of ['codes', 'heads.weight', 'heads.bias', 'positions', 'blocks.0.attn.qkv.weight']) {
    const w = param(model, name);
    for (let trial = 0; trial < 4; trial++) assertFiniteDifference(model, name, w, rng.int(w.length), grads.get(name)!);
  }
});

test("per-digit log-probs normalise and item score = sum of the item codes' log-probs (brute force)", () => {
  const model = tinyModel(5);
  const histories = [Int32Array.of(1, 2, 3), Int32Array.of(9), Int32Array.of()];
  const logp = model.logProbs(histories);
  const { digits: m, codebookSize: C, numItems: N } = model;
  assert.equal(logp.length, histories.length * m * C);
  for (let b = 0; b < histories.length; b++) {
    for (let d = 0; d < m; d++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += Math.exp(logp[b * m * C + d * C + c]);
      assert.ok(Math.abs(s - 1) < 1e-5, `digit ${d} sums to ${s}`);
    }
  }
  const scores = scoreAll(logp, histories.length, model.itemTokens, m, C, N);
  const some = new Float32Array(N);
  for (let b = 0; b < histories.length; b++) {
    scoreItems(
      logp,
      b * m * C,
      model.itemTokens,
      m,
      Int32Array.from({ length: N }, (_, i) => i),
      N,
      some,
    );
    for (let i = 0; i < N; i++) {
      let want = 0;
      for (let d = 0; d < m; d++) want += logp[b * m * C + d * C + model.codes.codes[i * m + d]];
      assert.ok(Math.abs(scores[b * N + i] - want) < 1e-5);
      assert.ok(Math.abs(some[i] - want) < 1e-5);
    }
  }
});

test('RPG --item-ids: the item table gets finite-difference gradients; a zero table reads as the codes alone', () => {
  const model = new Rpg(tinyCodes(10, 3, 4, 4), { ...TINY, itemIds: true }, 4);
  const plain = new Rpg(tinyCodes(10, 3, 4, 4), TINY, 4);
  assert.ok(model.itemTable, 'the item table exists');
  assert.equal(plain.itemTable, undefined);
  const byName = new Map(model.namedParameters().map((p) => [p.name, p.tensor.f32]));
  for (const p of plain.namedParameters()) p.tensor.f32.set(byName.get(p.name)!);
  const items = param(model, 'items');
  const saved = Float32Array.from(items);
  items.fill(0);
  assert.ok(Math.abs(lossValue(model) - lossValue(plain)) < 1e-6, 'zero item rows: the same loss as without item ids');
  items.set(saved);
  assert.ok(Math.abs(lossValue(model) - lossValue(plain)) > 1e-4, 'the item rows change the loss');
  tidy(() => model.loss(batch, { training: false }).backward());
  const grad = Float32Array.from(model.namedParameters().find((p) => p.name === 'items')!.tensor.grad!);
  // item 0 occurs in no input of the batch (inputs are items 1-8; 9 is only a target): its row gets no gradient
  for (let j = 0; j < TINY.dim; j++) assert.equal(grad[j], 0);
  for (const i of [1 * TINY.dim + 2, 5 * TINY.dim, 8 * TINY.dim + 7]) assertFiniteDifference(model, 'items', items, i, grad);
});
