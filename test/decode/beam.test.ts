import { test } from 'node:test';
import assert from 'node:assert/strict';
import { beamSearch, type BeamModel } from '../../src/decode/beam.js';
import { GryphonRecommender, TigerRecommender, tigerBeamModel } from '../../src/decode/beam-tiger.js';
import { logSoftmaxRows, TemperatureProcessor, TriePrefixConstraint } from '../../src/decode/logits-processors.js';
import { rankBy, Resolver } from '../../src/decode/resolve.js';
import { Gryphon } from '../../src/model/gryphon.js';
import { Tiger } from '../../src/model/tiger.js';
import { SidVocabulary, packEncoder } from '../../src/model/tiger-vocab.js';
import { SemanticIdTable } from '../../src/tokenize/sid-table.js';
import type { EvalQuery } from '../../src/data/index.js';

/** 20 items over 2 RQ digits of 8 codes (+ the collision digit): items 2k and 2k+1 collide for k < 3, the rest are unique. */
function tinyTable(): SemanticIdTable {
  const n = 20;
  const base = new Int32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const g = i < 6 ? i >> 1 : i - 3;
    base[i * 2] = g % 8;
    base[i * 2 + 1] = g >> 3;
  }
  return SemanticIdTable.build(base, n, { baseDigits: 2, collisionDigit: true, codebookSize: 8 });
}

const table = tinyTable();
const D = table.digits; // 3
const codeSizes = SidVocabulary.codeSizesOf(table);
const tinyConfig = { dim: 16, encoderLayers: 1, decoderLayers: 2, heads: 2, ffn: 32, dropout: 0, userBuckets: 7, codeSizes };
const queries: EvalQuery[] = [
  { user: 0 as never, history: Int32Array.of(1, 5, 7) },
  { user: 1 as never, history: Int32Array.of(12) },
  { user: 2 as never, history: Int32Array.of(3, 3, 9, 14, 19, 0) },
];

function isFullSid(codes: Int32Array): boolean {
  return table.lookup(codes).length === 1;
}

test('trie-constrained beam search emits only valid SIDs, each resolving to one real item', () => {
  const tiger = new Tiger(tinyConfig, 3);
  for (const beamWidth of [1, 3, 8, 40]) {
    const rec = new TigerRecommender(tiger, table, { beamWidth });
    for (const b of rec.beams(queries)) {
      assert.ok(b.count > 0 && b.count <= beamWidth);
      for (let i = 0; i < b.count; i++) assert.ok(isFullSid(b.codes.subarray(i * D, i * D + D)), `beam ${i} is not an item's SID`);
      for (let i = 1; i < b.count; i++) assert.ok(b.scores[i] <= b.scores[i - 1]);
    }
    for (const list of rec.recommend(queries, 10)) {
      assert.equal(new Set(list).size, list.length);
      for (const item of list) assert.ok(item >= 0 && item < table.count);
    }
  }
});

test('an unconstrained search leaves the valid SIDs (why the trie is needed)', () => {
  const tiger = new Tiger(tinyConfig, 3);
  const enc = tiger.encodeRequests(
    packEncoder(
      tiger.vocab,
      tiger.vocab.itemTokens(table),
      queries.map((q) => q.history),
      [0, 1, 2],
      20,
    ),
  );
  const beams = beamSearch(tigerBeamModel(tiger, enc), { beamWidth: 200, steps: D });
  tiger.releaseEncoded(enc);
  // 8 x 8 x 2 = 128 code combinations, only 20 are items.
  assert.equal(beams[0].count, 128);
  let invalid = 0;
  for (let i = 0; i < beams[0].count; i++) if (!isFullSid(beams[0].codes.subarray(i * D, i * D + D))) invalid++;
  assert.equal(invalid, 128 - 20);
});

test('beam search equals brute-force enumeration of every valid SID when the beam covers each level', () => {
  const tiger = new Tiger(tinyConfig, 11);
  const enc = tiger.encodeRequests(
    packEncoder(
      tiger.vocab,
      tiger.vocab.itemTokens(table),
      queries.map((q) => q.history),
      [0, 1, 2],
      20,
    ),
  );
  const model = tigerBeamModel(tiger, enc);
  const processors = [new TemperatureProcessor(0.7), new TriePrefixConstraint(table)];
  const beams = beamSearch(model, { beamWidth: table.count, steps: D, processors });
  for (let r = 0; r < queries.length; r++) {
    // Brute force: the constrained log-likelihood of each item's SID, one decoder call per prefix.
    const brute = new Float64Array(table.count);
    for (let item = 0; item < table.count; item++) {
      const sid = table.codesOf(item);
      let ll = 0;
      for (let step = 0; step < D; step++) {
        const prefixes = new Int32Array(queries.length * step);
        for (let q = 0; q < queries.length; q++) prefixes.set(sid.subarray(0, step), q * step);
        const logits = model.logits(step, prefixes, queries.length, 1);
        const w = model.width(step);
        for (const p of processors) p.process(step, prefixes, queries.length, logits, w);
        logSoftmaxRows(logits, queries.length, w);
        ll += logits[r * w + sid[step]];
      }
      brute[item] = ll;
    }
    const bruteTop = rankBy(
      Int32Array.from({ length: table.count }, (_, i) => i),
      brute,
      5,
    );
    const got = new Resolver(table).resolve(beams[r]);
    assert.deepEqual(Array.from(got.items.subarray(0, 5)), Array.from(bruteTop));
    for (let i = 0; i < got.items.length; i++) assert.ok(Math.abs(got.beamScores[i] - brute[got.items[i]]) < 1e-4);
  }
  tiger.releaseEncoded(enc);
});

test('a fake model: beams keep the best continuations, ties by (parent, code); expandLast keeps every child', () => {
  // Logits: code c scores c at step 0, -slope * c afterwards.
  const fake = (slope: number): BeamModel => ({
    requests: 1,
    width: () => 3,
    logits: (step, _p, rows) => Float32Array.from({ length: rows * 3 }, (_, i) => (step === 0 ? i % 3 : -slope * (i % 3))),
  });
  assert.deepEqual(Array.from(beamSearch(fake(2), { beamWidth: 2, steps: 2 })[0].codes), [2, 0, 1, 0]);
  // slope 1: [2, 1] and [1, 0] tie exactly; the earlier parent wins.
  assert.deepEqual(Array.from(beamSearch(fake(1), { beamWidth: 2, steps: 2 })[0].codes), [2, 0, 2, 1]);
  const all = beamSearch(fake(2), { beamWidth: 2, steps: 2, expandLast: true });
  assert.equal(all[0].count, 6);
});

test('resolving a prefix (generation stopped early) returns every item under it', () => {
  const resolver = new Resolver(table);
  const sid = table.codesOf(0);
  const c = resolver.resolve({ count: 1, steps: 2, codes: Int32Array.from(sid.subarray(0, 2)), scores: Float64Array.of(-1) });
  assert.deepEqual(
    Array.from(c.items).sort((a, b) => a - b),
    [0, 1],
  );
  assert.deepEqual(Array.from(c.beamScores), [-1, -1]);
});

test('Gryphon: candidates are real items, colliding items get different item-level scores, both rankings share candidates', () => {
  const numItems = table.count;
  const g = new Gryphon(numItems, new SidVocabulary(codeSizes, 7).itemTokens(table), { ...tinyConfig, lambda: 1 }, 5);
  const rec = new GryphonRecommender(g, table, { beamWidth: 16 });
  for (const r of rec.rank(queries, 20)) {
    for (const item of r.candidates.items) assert.ok(item >= 0 && item < numItems);
    assert.deepEqual(
      [...r.byItemScore].sort((a, b) => a - b),
      [...r.byBeam].sort((a, b) => a - b),
    );
    let pairs = 0;
    for (let k = 0; k < 3; k++) {
      const a = r.candidates.items.indexOf(2 * k);
      const b = r.candidates.items.indexOf(2 * k + 1);
      if (a < 0 || b < 0) continue;
      pairs++;
      assert.notEqual(r.itemScores[a], r.itemScores[b], `colliding items ${2 * k}, ${2 * k + 1} share a score`);
    }
    assert.ok(pairs > 0, 'no collision group among the candidates');
  }
});
