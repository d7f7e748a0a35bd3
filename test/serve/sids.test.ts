import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFeatureSpec } from '../../src/features/dataset.js';
import { buildServer } from '../../src/serve/app.js';
import { saveDatasetSids, tokenizeDataset } from '../../src/tokenize/index.js';
import { rpgFixtureData, sidKnnFixture, tempDir } from './helpers.js';

test('GET /v1/sids/:prefix lists exactly the items under a SID prefix; a bad prefix is a 400 naming it', async () => {
  const fx = sidKnnFixture();
  const app = await buildServer({ modelDir: 'sid-knn', open: () => fx.open() });
  const model = app.sidrec.state.model;
  const first = model.recommender.semanticId(0)!;
  const prefix = first.slice(0, 2);
  const res = (await app.inject({ method: 'GET', url: `/v1/sids/${prefix.join('-')}?limit=1000` })).json();
  const want = Array.from({ length: model.catalog.size }, (_, i) => i).filter((i) => {
    const sid = model.recommender.semanticId(i)!;
    return sid[0] === prefix[0] && sid[1] === prefix[1];
  });
  assert.equal(res.total, want.length);
  assert.deepEqual(
    res.items.map((it: { index: number }) => it.index),
    want,
  );
  assert.ok(res.items.every((it: { sid: number[] }) => it.sid[0] === prefix[0] && it.sid[1] === prefix[1]));
  const bad = await app.inject({ method: 'GET', url: '/v1/sids/12-x' });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.field, 'prefix');
  await app.close();
});

test('sidrec sids PREFIX: the reverse look-up of a tokenize directory, with ids and titles from the dataset', () => {
  const root = tempDir('sids-cli');
  const data = rpgFixtureData(root);
  const sids = tokenizeDataset(data.ds, data.sp, parseFeatureSpec('attributes'), { kind: 'opq', subspaces: 4, codebookSize: 16 }, 0);
  const dir = join(root, 'sids');
  saveDatasetSids(dir, sids);
  const code = Array.from(sids.table.codesOf(7));
  const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  const run = spawnSync(process.execPath, [cli, 'sids', code.join('-'), '--sids', dir, '--data', data.dataDir, '--json'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  assert.ok(
    out.items.some((it: { id: string }) => it.id === data.ds.itemIds[7]),
    'item 7 is under its own SID',
  );
  assert.ok(out.items.every((it: { sid: number[] }) => it.sid.join('-') === code.join('-')));
  const tooLong = spawnSync(process.execPath, [cli, 'sids', [...code, 1].join('-'), '--sids', dir], { encoding: 'utf8' });
  assert.equal(tooLong.status, 2);
  assert.match(tooLong.stderr, /the prefix has 5 codes, these SIDs 4/);
});
