/**
 * The TIGER / Gryphon adapter on tiny models trained here (synthetic data -> co-occurrence RQ-KMeans SIDs ->
 * TIGER, and a Gryphon): the HTTP answers are exactly the offline decoders' rankings (beam likelihood for
 * TIGER, item-level scores for Gryphon) of the same history under the anonymous user, every item real and
 * labelled with its SID, exclusions honoured, the beam widened to a k above it, and adds refused with the
 * reason. `sidrec recommend` answers a dataset user as the evaluator's decoder does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { userSequence, type UserIndex } from '../../src/data/index.js';
import { GryphonRecommender, TigerRecommender } from '../../src/decode/beam-tiger.js';
import { rankBy, rankPositions } from '../../src/decode/resolve.js';
import { readManifest } from '../../src/model/manifest.js';
import { openSidModel } from '../../src/families/tiger/open.js';
import type { Gryphon } from '../../src/model/gryphon.js';
import type { Tiger } from '../../src/model/tiger.js';
import { buildServer } from '../../src/serve/app.js';
import { ANONYMOUS_USER } from '../../src/families/tiger/recommender.js';
import { tinySidModels } from './helpers.js';

const { ds, sp, sids, dirs: trained } = await tinySidModels(['tiger', 'gryphon']);
const dirs = { tiger: trained.tiger!, gryphon: trained.gryphon! };

const idsOf = (items: ArrayLike<number>): string[] => Array.from(items, (i) => ds.itemIds[i]);
const anonymous = (history: Int32Array) => [{ user: ANONYMOUS_USER as UserIndex, history }];

test('TIGER served: the offline beam ranking, real items with their SIDs, exclusions honoured, adds refused', async () => {
  const loaded = openSidModel(dirs.tiger, readManifest(dirs.tiger));
  const decoder = new TigerRecommender(loaded.model as Tiger, loaded.table, { beamWidth: 8 });
  const app = await buildServer({ modelDir: dirs.tiger });
  const info = (await app.inject({ method: 'GET', url: '/v1/model' })).json();
  assert.equal(info.kind, 'tiger');
  assert.equal(info.canAddItems, false);
  assert.match(info.cannotAddItems, /tiger.*cannot add items without retraining/);
  assert.equal(info.tokenizer.digits, 2, 'the tokenize report of the SIDs it was trained on');

  const history = sp.test[3].history;
  const [offline] = decoder.candidates(anonymous(history));
  const want = rankBy(offline.items, offline.beamScores, 5);
  const res = (await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history: idsOf(history), k: 5, excludeHistory: false } })).json();
  assert.deepEqual(
    res.items.map((r: { id: string }) => r.id),
    idsOf(want),
  );
  for (const [j, r] of (res.items as { id: string; score: number; sid: number[] }[]).entries()) {
    const item = ds.itemIds.indexOf(r.id);
    assert.ok(item >= 0, `${r.id} is a catalogue item`);
    assert.deepEqual(r.sid, Array.from(sids.table.codesOf(item)));
    assert.ok(Math.abs(r.score - offline.beamScores[offline.items.indexOf(want[j])]) < 1e-9, 'score = beam log-likelihood');
  }

  // Excluding the best item and the history: the rest of the same candidate order, none of them excluded.
  const top = res.items[0].id as string;
  const ex = (
    await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history: idsOf(history), k: 5, exclude: [top], excludeHistory: true } })
  ).json();
  const banned = new Set([top, ...idsOf(history)]);
  const order = idsOf(rankBy(offline.items, offline.beamScores, offline.items.length)).filter((id) => !banned.has(id));
  assert.deepEqual(
    ex.items.map((r: { id: string }) => r.id),
    order.slice(0, 5),
  );

  // A k above the beam width widens the beam to k: k items, the wider beam's ranking.
  const [wide] = decoder.candidates(anonymous(history), 30);
  const all = (await app.inject({ method: 'POST', url: '/v1/recommend', payload: { history: idsOf(history), k: 30, excludeHistory: false } })).json();
  assert.equal(all.items.length, 30);
  assert.deepEqual(
    all.items.map((r: { id: string }) => r.id),
    idsOf(rankBy(wide.items, wide.beamScores, 30)),
  );

  const add = await app.inject({ method: 'POST', url: '/v1/items', payload: { items: [{ id: 'new', title: 'x' }] } });
  assert.equal(add.statusCode, 409);
  assert.match(add.json().error.message, /cannot add items/);
  await app.close();
});

test('Gryphon served: item-level scores of the resolved candidates, batched as the offline decoder ranks them', async () => {
  const loaded = openSidModel(dirs.gryphon, readManifest(dirs.gryphon));
  const decoder = new GryphonRecommender(loaded.model as Gryphon, loaded.table, { beamWidth: 8 });
  const app = await buildServer({ modelDir: dirs.gryphon });
  assert.equal((await app.inject({ method: 'GET', url: '/v1/model' })).json().kind, 'gryphon');
  const histories = [sp.test[0].history, sp.test[1].history];
  const res = (
    await app.inject({
      method: 'POST',
      url: '/v1/recommend/batch',
      payload: { requests: histories.map((h) => ({ history: idsOf(h), k: 10, excludeHistory: false })) },
    })
  ).json();
  // The reference is the same computation: a fresh server scores the two queries in one encoder pass (B = 2)
  // with the beam widened to k = 10. Decoding each history alone (B = 1) is another GEMM shape, which float32
  // rounds differently (onnxruntime's scores moved by 2.5e-8..3.6e-7), so only the same batch can match exactly.
  const offline = decoder.rank(
    histories.flatMap((h) => anonymous(h)),
    10,
    10,
  );
  histories.forEach((_, r) => {
    const got = res.results[r].items as { id: string; score: number }[];
    assert.deepEqual(
      got.map((x) => x.id),
      idsOf(offline[r].byItemScore),
      `request ${r}`,
    );
    const at = (id: string) => offline[r].candidates.items.indexOf(ds.itemIds.indexOf(id));
    for (const x of got) assert.equal(x.score, offline[r].itemScores[at(x.id)], `request ${r} item ${x.id}: score = item-level score`);
  });
  await app.close();
});

test('sidrec recommend on TIGER and Gryphon directories: a dataset user decodes as in evaluation', () => {
  const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  const u = 5;
  const history = userSequence(ds, u);
  const run = (dir: string, ...extra: string[]) => {
    const out = spawnSync(process.execPath, [cli, 'recommend', '--model', dir, '--user', ds.userIds[u], '--k', '4', '--json', ...extra], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    return JSON.parse(out.stdout) as { visited: number; items: { item: string; score: number }[] };
  };
  const query = [{ user: u as UserIndex, history }];
  // sidrec recommend leaves the user's history out unless --include-history, as HTTP does.
  const seen = new Set(history);
  const top4 = (items: Int32Array, scores: ArrayLike<number>, exclude?: ReadonlySet<number>) =>
    idsOf(Array.from(rankPositions(items, scores, 4, exclude), (p) => items[p]));
  const tiger = openSidModel(dirs.tiger, readManifest(dirs.tiger));
  const [t] = new TigerRecommender(tiger.model as Tiger, tiger.table, { beamWidth: 6 }).candidates(query);
  const viaCli = run(dirs.tiger, '--beam', '6');
  assert.deepEqual(
    viaCli.items.map((r) => r.item),
    top4(t.items, t.beamScores, seen),
  );
  assert.equal(viaCli.visited, t.items.length);
  assert.deepEqual(
    run(dirs.tiger, '--beam', '6', '--include-history').items.map((r) => r.item),
    top4(t.items, t.beamScores),
  );

  const gryphon = openSidModel(dirs.gryphon, readManifest(dirs.gryphon));
  const [g] = new GryphonRecommender(gryphon.model as Gryphon, gryphon.table, { beamWidth: 8 }).rank(query, 4);
  assert.deepEqual(
    run(dirs.gryphon).items.map((r) => r.item),
    top4(g.candidates.items, g.itemScores, seen),
    'default: item-level, the recorded test beam',
  );
  assert.deepEqual(
    run(dirs.gryphon, '--ranking', 'beam').items.map((r) => r.item),
    top4(g.candidates.items, g.candidates.beamScores, seen),
  );
});

test('a wide beam decodes its queries in chunks of bounded rows: the same candidates as one pass', () => {
  const queries = sp.test.slice(0, 10).map((q) => ({ user: q.user, history: q.history }));
  for (const kind of ['tiger', 'gryphon'] as const) {
    const loaded = openSidModel(dirs[kind], readManifest(dirs[kind]));
    if (kind === 'tiger') {
      const whole = new TigerRecommender(loaded.model as Tiger, loaded.table, { beamWidth: 8 }).candidates(queries);
      const chunked = new TigerRecommender(loaded.model as Tiger, loaded.table, { beamWidth: 8, maxRows: 16 }).candidates(queries);
      assert.deepEqual(
        chunked.map((c) => Array.from(c.items)),
        whole.map((c) => Array.from(c.items)),
      );
    } else {
      const whole = new GryphonRecommender(loaded.model as Gryphon, loaded.table, { beamWidth: 8 }).rank(queries, 10);
      const chunked = new GryphonRecommender(loaded.model as Gryphon, loaded.table, { beamWidth: 8, maxRows: 24 }).rank(queries, 10);
      assert.deepEqual(
        chunked.map((r) => Array.from(r.byItemScore)),
        whole.map((r) => Array.from(r.byItemScore)),
      );
    }
  }
});
