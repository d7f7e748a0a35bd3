import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitTokenizer, serializeTokenizer, deserializeTokenizer } from '../../src/tokenize/fit.js';
import { resolveTokenizerConfig, type RqVaeConfig } from '../../src/tokenize/config.js';
import { RqVaeTokenizer } from '../../src/tokenize/rqvae.js';
import { SemanticIdTable } from '../../src/tokenize/sid-table.js';
import { SidrecError } from '../../src/core/errors.js';
import { generateSynthetic, split, syntheticDataset } from '../../src/data/index.js';
import { datasetFeatures, parseFeatureSpec } from '../../src/features/dataset.js';
import { tokenizeDataset } from '../../src/tokenize/dataset.js';
import { correlated, plantedClusters, relErr } from './helpers.js';

const small = { kind: 'rqvae', codebookSize: 16, hidden: [64, 32], latentDim: 8, batchSize: 256, lr: 3e-3 } as const;

function usedCodes(codes: Int32Array, n: number, digits: number, digit: number): number {
  const s = new Set<number>();
  for (let i = 0; i < n; i++) s.add(codes[i * digits + digit]);
  return s.size;
}

test('rqvae config: TIGER defaults frozen, bad values rejected with the field named', () => {
  const c = resolveTokenizerConfig({ kind: 'rqvae' }) as RqVaeConfig;
  assert.deepEqual([c.levels, c.codebookSize, c.latentDim, c.commitment, c.batchSize, c.lr], [3, 256, 32, 0.25, 1024, 1e-3]);
  assert.deepEqual([...c.hidden], [512, 256]);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.hidden));
  assert.throws(
    () => resolveTokenizerConfig({ kind: 'rqvae', maxIter: 3 } as never),
    (e: unknown) => e instanceof SidrecError && e.location.field === 'tokenizer.maxIter',
  );
  assert.throws(() => resolveTokenizerConfig({ kind: 'rqvae', hidden: [64, 0] }), /hidden\[1\]/);
  assert.throws(() => resolveTokenizerConfig({ kind: 'rqvae', lr: 0 }), /lr/);
  assert.throws(() => resolveTokenizerConfig({ kind: 'rqvae', commitment: -1 }), /commitment/);
  assert.throws(() => resolveTokenizerConfig({ kind: 'rqvae', restartDeadCodes: 1 } as never), /restartDeadCodes/);
});

test('rqvae: training lowers the reconstruction loss; codebooks do not collapse', () => {
  const f = correlated(1, 1500, 24);
  const fitted = fitTokenizer({ ...small, epochs: 40 }, f);
  const t = fitted.tokenizer as RqVaeTokenizer;
  const curve = t.lossCurve;
  assert.equal(curve.length, 40);
  assert.ok(curve[curve.length - 1] < 0.5 * curve[0], `loss ${curve[0]} -> ${curve[curve.length - 1]}`);
  const full = relErr(f, t.decode(fitted.codes, f.count));
  assert.ok(full < 0.35, `relative reconstruction error ${full}`);
  // No collapse: every level keeps most of its codes in use.
  for (let l = 0; l < 3; l++) {
    const used = usedCodes(fitted.codes, f.count, 3, l);
    assert.ok(used >= 12, `level ${l} uses ${used} of 16 codes`);
  }
});

test('rqvae: planted clusters -> level 1 separates them; tokenizer beats an untrained one', () => {
  const { features, labels } = plantedClusters(2, 800, 16, 8, 0.05);
  const trained = fitTokenizer({ ...small, codebookSize: 8, epochs: 30 }, features);
  const untrained = fitTokenizer({ ...small, codebookSize: 8, epochs: 1, lr: 1e-6 }, features);
  const eT = relErr(features, trained.tokenizer.decode(trained.codes, features.count));
  const eU = relErr(features, untrained.tokenizer.decode(untrained.codes, features.count));
  assert.ok(eT < 0.5 * eU, `trained ${eT} vs untrained ${eU}`);
  // Items of one planted cluster share their first digit, and distinct clusters mostly get distinct ones.
  const first = new Map<number, number>();
  let agree = 0;
  for (let i = 0; i < features.count; i++) {
    const c = trained.codes[i * 3];
    if (!first.has(labels[i])) first.set(labels[i], c);
    if (first.get(labels[i]) === c) agree++;
  }
  assert.ok(agree >= 0.95 * features.count, `${agree} of ${features.count} agree with their cluster's first digit`);
  assert.ok(new Set(first.values()).size >= 6, `clusters map to ${new Set(first.values()).size} first digits`);
});

test('rqvae: same seed -> byte-identical artifact; round trip gives identical codes; single row == batched', () => {
  const f = correlated(3, 600, 16);
  const cfg = { ...small, epochs: 5, batchSize: 128 };
  const a = fitTokenizer(cfg, f);
  const b = fitTokenizer(cfg, f);
  const bytes = serializeTokenizer(a.tokenizer);
  assert.deepEqual(bytes, serializeTokenizer(b.tokenizer));
  const other = fitTokenizer({ ...cfg, seed: 1 }, f);
  assert.notDeepEqual(bytes, serializeTokenizer(other.tokenizer));
  const loaded = deserializeTokenizer(bytes);
  assert.equal(loaded.kind, 'rqvae');
  assert.deepEqual(loaded.encode(f.data, f.count), a.codes);
  assert.deepEqual(loaded.decode(a.codes, f.count), a.tokenizer.decode(a.codes, f.count));
  for (const i of [0, 77, 599]) {
    const one = a.tokenizer.encode(f.data.slice(i * f.dim, (i + 1) * f.dim), 1);
    assert.deepEqual(Array.from(one), Array.from(a.codes.subarray(i * 3, i * 3 + 3)));
  }
  const broken = { ...a.tokenizer.arrays() };
  delete broken['codebook.1'];
  assert.throws(() => RqVaeTokenizer.fromArrays(a.tokenizer.config as RqVaeConfig, f.dim, broken), /codebook\.1/);
});

test('rqvae through tokenizeDataset: collision digit makes every SID unique; table = frozen re-encoding', () => {
  const ds = syntheticDataset(generateSynthetic({ numUsers: 300, numItems: 240, numTopics: 6, seed: 11 }));
  const sp = split(ds);
  // Tiny codebooks force collisions, which the extra digit must resolve.
  const sids = tokenizeDataset(ds, sp, parseFeatureSpec('text'), { ...small, codebookSize: 4, levels: 2, epochs: 3 }, 5);
  assert.equal(sids.report.kind, 'rqvae');
  assert.ok(sids.report.collidedItems > 0, 'the test needs collisions');
  assert.equal(sids.table.digits, 3);
  const seen = new Set<string>();
  for (let i = 0; i < sids.table.count; i++) seen.add(Array.from(sids.table.codesOf(i)).join(','));
  assert.equal(seen.size, ds.numItems);
  const table = SemanticIdTable.forTokenizer(
    sids.tokenizer,
    sids.tokenizer.encode(datasetFeatures(ds, sp, parseFeatureSpec('text'), { seed: 5 }).data, ds.numItems),
    ds.numItems,
  );
  assert.deepEqual(table.codes, sids.table.codes);
});
