import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agrees, checkHistories, checkRankings } from '../../src/families/export-check.js';
import { checkSasRecExport } from '../../src/families/sasrec/export.js';
import { sasRecGraph } from '../../src/families/sasrec/onnx.js';
import { openSasRecModel } from '../../src/families/sasrec/recommender.js';
import { readManifest } from '../../src/model/manifest.js';
import { saveTransitions } from '../../src/model/transitions.js';
import { SasRec } from '../../src/model/sasrec.js';
import { encodeModel } from '../../src/tensor/kernels/onnx-proto.js';
import { tempDir, tinySasRecDir, tinySidGenerativeDir } from '../serve/helpers.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('sidrec export: SASRec as ONNX whose scores match the engine (checked before writing), with items and a description', async () => {
  const dir = await tinySasRecDir(3);
  const out = join(tempDir('export'), 'onnx');
  const run = spawnSync(process.execPath, [cli, 'export', '--model', dir, '--out', out], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /top-10 agreement 100%/);
  for (const file of ['model.onnx', 'items.json', 'export.json']) assert.ok(existsSync(join(out, file)), file);
  const description = JSON.parse(readFileSync(join(out, 'export.json'), 'utf8'));
  assert.equal(description.kind, 'sasrec');
  assert.equal(description.check.top10Agreement, 1);
  assert.ok(description.check.maxAbsDiff < 1e-4, `largest difference ${description.check.maxAbsDiff}`);
  const items = JSON.parse(readFileSync(join(out, 'items.json'), 'utf8'));
  assert.equal(items.ids.length, description.numItems);
  // float16 weights: a smaller file, its agreement measured and recorded.
  const half = join(tempDir('export16'), 'onnx');
  const run16 = spawnSync(process.execPath, [cli, 'export', '--model', dir, '--out', half, '--precision', 'float16'], { encoding: 'utf8' });
  assert.equal(run16.status, 0, run16.stderr);
  const d16 = JSON.parse(readFileSync(join(half, 'export.json'), 'utf8'));
  assert.equal(d16.precision, 'float16');
  assert.ok(d16.check.top10Agreement >= 0.9);
  assert.ok(statSync(join(half, 'model.onnx')).size < 0.7 * statSync(join(out, 'model.onnx')).size, 'float16 weights shrink the file');
  // int8 weights (per-row scales, DequantizeLinear in the graph): a quarter of the float32 tables.
  const quarter = join(tempDir('export8'), 'onnx');
  const run8 = spawnSync(process.execPath, [cli, 'export', '--model', dir, '--out', quarter, '--precision', 'int8'], { encoding: 'utf8' });
  assert.equal(run8.status, 0, run8.stderr);
  const d8 = JSON.parse(readFileSync(join(quarter, 'export.json'), 'utf8'));
  assert.equal(d8.precision, 'int8');
  assert.ok(d8.check.top10Overlap >= 0.9, `int8 keeps ${d8.check.top10Overlap} of each top 10`);
  assert.ok(statSync(join(quarter, 'model.onnx')).size < statSync(join(half, 'model.onnx')).size, 'int8 weights shrink the file below float16');
});

test("sidrec export: a Gryphon whose attention heads are wider than dim / heads (T5's d_kv) ranks in ONNX as the engine does", async () => {
  const dir = await tinySidGenerativeDir('gryphon', { heads: 3, headDim: 16 }); // 48 wide on d 32; 3 heads do not divide 32
  assert.equal((readManifest(dir).modelConfig as { headDim?: number }).headDim, 16, 'the head width is recorded with the model');
  const out = join(tempDir('export-gryphon-heads'), 'onnx');
  const run = spawnSync(process.execPath, [cli, 'export', '--model', dir, '--out', out], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(JSON.parse(readFileSync(join(out, 'export.json'), 'utf8')).check.top10Agreement, 1);
});

test('sidrec export: TIGER as an encoder and a decoder step whose beam search (in TypeScript) ranks as the engine does', async () => {
  const dir = await tinySidGenerativeDir('tiger');
  const out = join(tempDir('export-tiger'), 'onnx');
  const run = spawnSync(process.execPath, [cli, 'export', '--model', dir, '--out', out], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  for (const file of ['model.onnx', 'decoder.onnx', 'sids.bin', 'items.json', 'export.json']) assert.ok(existsSync(join(out, file)), file);
  const description = JSON.parse(readFileSync(join(out, 'export.json'), 'utf8'));
  assert.equal(description.kind, 'tiger');
  assert.equal(description.check.top10Agreement, 1);
  assert.equal(description.tiger.ranking, 'beam');
  assert.equal(description.tiger.beamWidth, 8, 'the recorded test beam');
  assert.equal(statSync(join(out, 'sids.bin')).size, 4 * description.numItems * description.tiger.digits);
  assert.ok(description.inputs.prefix && description.outputs.logits, 'the decoder step is described');
  // A transition prior needs every item scored: the beam-search export refuses it, as the served model does.
  const manifest = readManifest(dir);
  const report = { weights: [1], valid: [0], metric: 'ndcg@10', data: 'test' };
  const counts = { start: new Int32Array(manifest.numItems + 1), next: new Int32Array(0), count: new Float32Array(0) };
  saveTransitions(dir, { numItems: manifest.numItems, table: counts, weight: 1, report });
  const refused = spawnSync(process.execPath, [cli, 'export', '--model', dir, '--out', `${out}-prior`], { encoding: 'utf8' });
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /holds a transition prior, which needs every item scored; a tiger export ranks candidate lists: use --transitions off/);
  assert.ok(!existsSync(`${out}-prior`), 'nothing written');
});

test('the ranking check of beam-search exports: the same lists agree; a reordered or different list does not', () => {
  const want = [{ items: [3, 1, 2], scores: [-1, -2, -3] }];
  assert.deepEqual(checkRankings(want, want), { histories: 1, maxAbsDiff: 0, scoreRange: 2, top10Agreement: 1, top10Overlap: 1 });
  const swapped = checkRankings(want, [{ items: [1, 3, 2], scores: [-1.5, -1.5, -3] }]);
  assert.equal(swapped.top10Agreement, 0);
  assert.equal(swapped.top10Overlap, 1);
  assert.equal(swapped.maxAbsDiff, 0.5);
  const other = checkRankings(want, [{ items: [7, 8, 2], scores: [0, 0, -3] }]);
  assert.ok(Math.abs(other.top10Overlap - 1 / 3) < 1e-12);
  assert.equal(agrees(other, 'int8'), false);
});

test('int8 quantization: per-row symmetric codes reconstruct each weight within half a step of its row', async () => {
  const { quantizeRows } = await import('../../src/families/onnx-graph.js');
  const values = Float32Array.of(0.5, -1, 0.25, 0, 0, 0, 3, 1.5, -3);
  const { codes, scales } = quantizeRows(values, 3);
  assert.deepEqual(Array.from(codes.subarray(0, 3)), [64, -127, 32]);
  assert.deepEqual(Array.from(codes.subarray(3, 6)), [0, 0, 0], 'an all-zero row stays zero');
  values.forEach((v, i) => assert.ok(Math.abs(codes[i] * scales[Math.floor(i / 3)] - v) <= scales[Math.floor(i / 3)] / 2 + 1e-7));
});

test('the export check catches a graph that is not the model (the refusal rule); the Markov chain exports too', async () => {
  const dir = await tinySasRecDir(4);
  const model = openSasRecModel(dir, readManifest(dir));
  const other = new SasRec(model.numItems, model.config, 99); // same shape, other weights
  const histories = checkHistories(model.numItems, model.config.maxLen, 16);
  const right = checkSasRecExport(model, encodeModel(sasRecGraph(model)), histories);
  assert.equal(right.top10Agreement, 1);
  const wrong = checkSasRecExport(model, encodeModel(sasRecGraph(other)), histories);
  assert.ok(wrong.top10Agreement < 1 && wrong.maxAbsDiff > 1e-3 * Math.max(1, wrong.scoreRange), JSON.stringify(wrong));

  // The Markov chain exports as the other full scorers do: the newest item's embedding against every item's.
  const root = tempDir('export-markov');
  const dataDir = join(root, 'data');
  const synth = spawnSync(process.execPath, [cli, 'synth', '--out', join(root, 'raw'), '--users', '100', '--items', '40'], { encoding: 'utf8' });
  assert.equal(synth.status, 0, synth.stderr);
  const prepared = spawnSync(process.execPath, [cli, 'prepare', '--input', join(root, 'raw'), '--out', dataDir], { encoding: 'utf8' });
  assert.equal(prepared.status, 0, prepared.stderr);
  const markovDir = join(root, 'markov');
  const trained = spawnSync(
    process.execPath,
    [cli, 'train', '--model', 'markov', '--data', dataDir, '--out', markovDir, '--epochs', '1', '--dim', '8', '--quiet'],
    { encoding: 'utf8' },
  );
  assert.equal(trained.status, 0, trained.stderr);
  const exported = spawnSync(process.execPath, [cli, 'export', '--model', markovDir, '--out', join(root, 'onnx')], { encoding: 'utf8' });
  assert.equal(exported.status, 0, exported.stderr);
  const description = JSON.parse(readFileSync(join(root, 'onnx', 'export.json'), 'utf8'));
  assert.deepEqual([description.kind, Object.keys(description.inputs), description.check.top10Agreement], ['markov', ['ids', 'rows'], 1]);
  assert.ok(description.check.maxAbsDiff < 1e-4, JSON.stringify(description.check));
});
