import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextFeaturizer, type ItemText } from '../../src/features/text.js';

const catalogue: ItemText[] = [];
const kinds = [
  ['nail polish lacquer', ['Beauty', 'Makeup', 'Nails', 'Nail Polish']],
  ['shampoo hair wash', ['Beauty', 'Hair Care', 'Shampoos']],
  ['face cream moisturizer', ['Beauty', 'Skin Care', 'Face', 'Creams']],
] as const;
for (let i = 0; i < 30; i++) {
  const [words, path] = kinds[i % 3];
  catalogue.push({ title: `${words} variant ${i}`, brand: `brand${i % 5}`, categories: [[...path]] });
}

test('text features: unit rows, same-category items closer, deterministic, transform reproduces fitted rows', () => {
  const { featurizer, features } = TextFeaturizer.fit(catalogue, { dim: 8, seed: 3 });
  assert.equal(features.count, 30);
  assert.equal(features.dim, 8);
  const d = features.dim;
  const dot = (i: number, j: number): number => {
    let s = 0;
    for (let k = 0; k < d; k++) s += features.data[i * d + k] * features.data[j * d + k];
    return s;
  };
  for (let i = 0; i < 30; i++) assert.ok(Math.abs(dot(i, i) - 1) < 1e-5);
  assert.ok(dot(0, 3) > dot(0, 1) + 0.3, `same ${dot(0, 3)} other ${dot(0, 1)}`);
  const again = TextFeaturizer.fit(catalogue, { dim: 8, seed: 3 }).features;
  assert.deepEqual(Buffer.from(again.data.buffer), Buffer.from(features.data.buffer));
  const t = featurizer.transform(catalogue.slice(4, 6));
  for (let k = 0; k < d; k++) assert.ok(Math.abs(t.data[k] - features.data[4 * d + k]) < 1e-5);
  // A new item embeds near its category.
  const fresh = featurizer.transform([{ title: 'shampoo for hair', categories: [['Beauty', 'Hair Care', 'Shampoos']] }]);
  let toShampoo = 0;
  let toNails = 0;
  for (let k = 0; k < d; k++) {
    toShampoo += fresh.data[k] * features.data[1 * d + k];
    toNails += fresh.data[k] * features.data[0 * d + k];
  }
  assert.ok(toShampoo > toNails + 0.3, `${toShampoo} vs ${toNails}`);
});
