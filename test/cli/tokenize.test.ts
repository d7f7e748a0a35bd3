import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSynthetic, saveDataset, syntheticDataset } from '../../src/data/index.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'sidrec-tokcli-'));
const dataDir = join(work, 'data');
const dataset = syntheticDataset(generateSynthetic({ numUsers: 200, numItems: 120, numTopics: 4, seed: 2 }));
saveDataset(dataDir, dataset);
const vectors = join(work, 'emb.jsonl');
writeFileSync(vectors, dataset.itemIds.map((id, i) => JSON.stringify({ id, vector: [i % 3, (i * 7) % 5, 1] })).join('\n'));
const tokenize = (...extra: string[]) =>
  spawnSync(process.execPath, [cli, 'tokenize', '--data', dataDir, '--kind', 'rqkmeans', '--levels', '2', '--codebook-size', '4', ...extra], {
    encoding: 'utf8',
  });

test("sidrec tokenize --features vectors reads the user's embeddings; the flags must agree", () => {
  const out = join(work, 'sids');
  const ok = tokenize('--features', 'vectors', '--vectors', vectors, '--out', out, '--json');
  assert.equal(ok.status, 0, ok.stderr);
  const report = JSON.parse(ok.stdout) as { features: { source: string }[]; fittedItems: number };
  assert.deepEqual(
    report.features.map((f) => f.source),
    ['vectors'],
  );
  assert.ok(existsSync(join(out, 'sids.sidtab')));
  const missing = tokenize('--features', 'vectors', '--out', join(work, 'x'));
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /field "vectors".*needs --vectors FILE/);
  const unused = tokenize('--features', 'cooccurrence', '--vectors', vectors, '--out', join(work, 'y'));
  assert.equal(unused.status, 2);
  assert.match(unused.stderr, /field "features".*--vectors is read only when --features includes vectors/);
});
