import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { nextItemBatches, packHistories, trainingWindows } from '../../src/train/batches.js';
import type { TrainSequence, UserIndex } from '../../src/data/index.js';

const seq = (user: number, items: number[]): TrainSequence => ({ user: user as UserIndex, items: Int32Array.from(items) });

test('training windows: short sequences whole, single-item ones dropped', () => {
  const w = trainingWindows([seq(0, [1, 2, 3, 4]), seq(1, [7]), seq(2, [8, 9])], 3);
  assert.deepEqual(
    w.map((x) => [[...x.items], x.firstTarget]),
    [
      [[1, 2, 3, 4], 0],
      [[8, 9], 0],
    ],
  );
});

test('training windows tile a long sequence: every target trained exactly once, with at least maxLen / 2 of context', () => {
  const maxLen = 6;
  const items = Array.from({ length: 20 }, (_, i) => 100 + i);
  const w = trainingWindows([seq(0, items)], maxLen);
  assert.deepEqual(
    w.map((x) => [x.items[0], x.items.length, x.firstTarget]),
    [
      [100, 7, 0],
      [103, 7, 3],
      [106, 7, 3],
      [109, 7, 3],
      [112, 7, 3],
      [113, 7, 5],
    ],
  );
  const trained: number[] = [];
  for (const { items: win, firstTarget } of w) {
    assert.ok(win.length <= maxLen + 1);
    for (let t = firstTarget; t < win.length - 1; t++) {
      trained.push(win[t + 1]);
      if (win[t + 1] - items[0] >= maxLen) assert.ok(t + 1 >= maxLen / 2, `target ${win[t + 1]} sees ${t + 1} items`);
      assert.deepEqual([...win.subarray(0, t + 1)], items.slice(win[t + 1] - 100 - t - 1, win[t + 1] - 100), 'context is the items just before the target');
    }
  }
  assert.deepEqual(trained, items.slice(1));
});

test('batches: right-padded inputs (item + 1), next-item targets, -1 on padding, every window exactly once', () => {
  const windows = Array.from({ length: 23 }, (_, i) => ({ items: Int32Array.from({ length: 2 + (i % 6) }, (_, t) => i * 10 + t), firstTarget: 0 }));
  const batches = nextItemBatches(windows, 4, new Rng(3));
  const seen: string[] = [];
  for (const b of batches) {
    assert.equal(b.inputs.length, b.size * b.length);
    for (let r = 0; r < b.size; r++) {
      const n = b.lengths[r];
      const row: number[] = [];
      for (let t = 0; t < b.length; t++) {
        const i = b.inputs[r * b.length + t];
        const y = b.targets[r * b.length + t];
        if (t < n) {
          assert.ok(i > 0);
          row.push(i - 1);
          if (t > 0) assert.equal(b.targets[r * b.length + t - 1], i - 1, 'target at t-1 is the input at t');
        } else {
          assert.equal(i, 0);
          assert.equal(y, -1);
        }
      }
      row.push(b.targets[r * b.length + n - 1]);
      seen.push(row.join(','));
    }
  }
  assert.deepEqual(seen.sort(), windows.map((w) => [...w.items].join(',')).sort());
  // bucketing: a batch is as long as its longest row and rows in one batch have similar lengths
  for (const b of batches) assert.equal(b.length, Math.max(...b.lengths));
});

test('batches: same seed, same order; different seed, different order', () => {
  const windows = Array.from({ length: 50 }, (_, i) => ({ items: Int32Array.of(i, i + 1, i + 2), firstTarget: 0 }));
  const key = (seed: number) =>
    nextItemBatches(windows, 8, new Rng(seed))
      .map((b) => [...b.inputs].join(','))
      .join('|');
  assert.equal(key(1), key(1));
  assert.notEqual(key(1), key(2));
});

test("batches: positions before a window's first target are inputs with no target", () => {
  const [b] = nextItemBatches([{ items: Int32Array.of(4, 5, 6, 7), firstTarget: 2 }], 1, new Rng(1));
  assert.deepEqual([...b.inputs], [5, 6, 7]);
  assert.deepEqual([...b.targets], [-1, -1, 7]);
});

test('packHistories right-pads and keeps the most recent items', () => {
  const { ids, lengths, length } = packHistories([Int32Array.of(4, 5, 6, 7), Int32Array.of(9)], 3);
  assert.equal(length, 3);
  assert.deepEqual([...lengths], [3, 1]);
  assert.deepEqual([...ids], [6, 7, 8, 10, 0, 0]);
});

test("sliding windows (the RPG reference's): the first maxLen + 1 items, then one full window per later target", () => {
  const items = Array.from({ length: 10 }, (_, i) => 100 + i);
  const w = trainingWindows([seq(0, items), seq(1, [1, 2, 3])], 4, 'sliding');
  assert.deepEqual(
    w.map((x) => [[...x.items], x.firstTarget]),
    [
      [[100, 101, 102, 103, 104], 0],
      [[101, 102, 103, 104, 105], 3],
      [[102, 103, 104, 105, 106], 3],
      [[103, 104, 105, 106, 107], 3],
      [[104, 105, 106, 107, 108], 3],
      [[105, 106, 107, 108, 109], 3],
      [[1, 2, 3], 0],
    ],
  );
  const trained = w.flatMap(({ items: win, firstTarget }) => [...win.subarray(firstTarget + 1)]);
  assert.deepEqual(trained, [...items.slice(1), 2, 3], 'every target once');
});

test("every window knows its sequence's items after it, and its batch row and length-sorted part carry them", async () => {
  const { lengthSortedParts } = await import('../../src/train/batches.js');
  const items = Array.from({ length: 20 }, (_, i) => 100 + i);
  for (const mode of ['tiled', 'sliding'] as const) {
    const w = trainingWindows([seq(0, items), seq(1, [1, 2, 3])], 6, mode);
    for (const { items: win, after } of w) {
      const end = win[win.length - 1];
      const rest = end >= 100 ? items.slice(end - 100 + 1) : [];
      assert.deepEqual([...(after ?? [])], rest, `${mode}: the items after the window ending at ${end}`);
    }
    for (const batch of [...nextItemBatches(w, 3, new Rng(2)), ...nextItemBatches(w, 32, new Rng(2), false)])
      for (const [part] of [[batch, 1] as const, ...lengthSortedParts(batch, 1, 1)])
        for (let r = 0; r < part.size; r++) {
          const last = part.targets[r * part.length + part.lengths[r] - 1];
          const rest = last >= 100 ? items.slice(last - 100 + 1) : [];
          assert.deepEqual([...(part.after?.[r] ?? [])], rest, 'row-aligned after batching and splitting');
        }
  }
});

test('batches without length buckets: consecutive draws of one shuffled order, every window once', () => {
  const windows = Array.from({ length: 23 }, (_, i) => ({ items: Int32Array.from({ length: 2 + (i % 6) }, (_, t) => i * 10 + t), firstTarget: 0 }));
  const batches = nextItemBatches(windows, 4, new Rng(3), false);
  assert.deepEqual(
    batches.map((b) => b.size),
    [4, 4, 4, 4, 4, 3],
  );
  const firsts = batches.flatMap((b) => Array.from({ length: b.size }, (_, r) => b.inputs[r * b.length] - 1));
  assert.deepEqual(
    [...firsts].sort((a, b) => a - b),
    windows.map((w) => w.items[0]),
  );
  const order = new Rng(3).shuffle(Array.from(windows.keys()));
  assert.deepEqual(
    firsts,
    order.map((i) => windows[i].items[0]),
    'the seeded order, not sorted by length',
  );
});

test("length-sorted parts: the whole batch's gradient (weights = target shares) with less padding", async () => {
  const { Rpg } = await import('../../src/model/rpg.js');
  const { mulScalar, tidy } = await import('../../src/tensor/index.js');
  const { lengthSortedParts } = await import('../../src/train/batches.js');
  const rng = new Rng(7);
  const numItems = 40;
  const codes = Int32Array.from({ length: numItems * 3 }, () => rng.int(8));
  const model = new Rpg(
    { numItems, digits: 3, codebookSize: 8, codes },
    { dim: 16, heads: 2, layers: 1, ffn: 16, maxLen: 12, dropout: 0, attnDropout: 0, residDropout: 0 },
    3,
  );
  const lengths = [2, 3, 12, 2, 5, 2, 9, 3, 2, 2, 4, 12, 3, 2, 2, 6, 2, 3, 2, 2];
  const windows = lengths.map((n, i) => ({
    items: Int32Array.from({ length: n + 1 }, (_, t) => (i * 7 + t * 3) % numItems),
    firstTarget: i % 5 === 0 && n > 2 ? 1 : 0,
  }));
  const [batch] = nextItemBatches(windows, windows.length, new Rng(1), false);
  const parts = lengthSortedParts(batch, 1.5, 4);
  assert.ok(parts.length >= 2, 'split by length');
  assert.equal(
    parts.reduce((s, [p]) => s + p.size, 0),
    batch.size,
  );
  assert.ok(Math.abs(parts.reduce((s, [, w]) => s + w, 0) - 1) < 1e-12);
  assert.ok(parts.reduce((s, [p]) => s + p.size * p.length, 0) < batch.size * batch.length, 'less padding');
  const params = model.namedParameters();
  const gradients = (run: () => void): Float32Array[] => {
    for (const p of params) p.tensor.grad?.fill(0);
    run();
    return params.map((p) => Float32Array.from(p.tensor.grad ?? new Float32Array(p.tensor.size)));
  };
  const whole = gradients(() => tidy(() => model.loss(batch, { training: false }).backward()));
  const split = gradients(() => {
    for (const [part, w] of parts) tidy(() => mulScalar(model.loss(part, { training: false }), w).backward());
  });
  let largest = 0;
  whole.forEach((g, i) => g.forEach((v, j) => (largest = Math.max(largest, Math.abs(v - split[i][j])))));
  assert.ok(largest < 1e-5, `gradients differ by ${largest}`);
});
