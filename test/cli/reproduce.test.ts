import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSynthetic, writeSyntheticBenchmark } from '../../src/data/index.js';
import { readExperiment, stageArgs } from '../../src/cli/experiment.js';
import { loadSafetensors, saveSafetensors } from '../../src/tensor/index.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'sidrec-repro-'));
writeSyntheticBenchmark(join(root, 'bench-data'), generateSynthetic({ numUsers: 150, numItems: 80, numTopics: 4, seed: 5 }));
mkdirSync(join(root, 'experiments'));
const experiment = {
  description: 'tiny RPG on synthetic data',
  seed: 3,
  prepare: { input: './bench-data' },
  tokenize: { features: 'text,cooccurrence', kind: 'opq', subspaces: 4, 'codebook-size': 8 },
  train: { model: 'rpg', epochs: 3, dim: 16, ffn: 32, 'batch-size': 32, 'warmup-steps': 2, beam: 4, neighbors: 8, steps: 2 },
  transitions: { weights: '0,1,4' },
};
writeFileSync(join(root, 'experiments', 'tiny.json'), JSON.stringify(experiment));
const reproduce = (...args: string[]) => spawnSync(process.execPath, [cli, 'reproduce', ...args, '--quiet'], { cwd: root, encoding: 'utf8' });

test('an experiment file: relative paths from the repository root, the seed handed to every stage that takes one', () => {
  const e = readExperiment('tiny', join(root, 'experiments'));
  assert.equal(e.stages.prepare?.input, join(root, 'bench-data'));
  assert.deepEqual(stageArgs({ a: 1, b: true, c: false, d: 'x y' }), ['--a', '1', '--b', '--d', 'x y']);
});

test('sidrec reproduce: pauses with --stop-after, continues with --resume, writes results/NAME.json; finished stages are skipped', () => {
  const paused = reproduce('tiny', '--stop-after', '1');
  assert.equal(paused.status, 0, paused.stderr);
  assert.match(paused.stdout, /\[prepare\] sidrec prepare --input \S+bench-data --out /);
  assert.match(paused.stdout, /\[tokenize\] sidrec tokenize --features text,cooccurrence --kind opq --subspaces 4 --codebook-size 8 --seed 3 /);
  assert.match(paused.stdout, /paused after epoch 1; interim results -> \S+tiny\.json; continue: sidrec reproduce tiny --resume/);
  assert.match(paused.stdout, /\[so far\] sidrec evaluate --model \S+ --data \S+ --split test --transitions off --json /);
  // biome-ignore lint/suspicious/noExplicitAny: the results file's fields are read ad hoc below
  const interim = JSON.parse(readFileSync(join(root, 'results', 'tiny.json'), 'utf8')) as Record<string, any>;
  assert.deepEqual([interim.inProgress.epochsRun, interim.inProgress.epochsScheduled, interim.bestEpoch], [1, 3, 1]);
  assert.equal(interim.epochs.length, 1);
  assert.deepEqual(interim.valid, interim.epochs[0].valid, "the best epoch's validation figures");
  assert.ok(interim.test['ndcg@10'] >= 0 && interim.test['ndcg@10'] <= 1);
  assert.deepEqual(
    [interim.transitions.modelEpoch, interim.transitions.weights],
    [1, [0, 1, 4]],
    "the experiment's transitions stage, fitted to the best epoch so far",
  );
  assert.match(paused.stdout, /\[so far\] sidrec transitions --weights 0,1,4 --model \S+ --data \S+ --quiet/);
  assert.match(interim.evaluation.test.label, /rpg exact \(no item graph before training ends\), best epoch so far/, 'an RPG run under way is scored exactly');
  const graph = spawnSync(
    process.execPath,
    [cli, 'evaluate', '--model', join(root, 'runs', 'tiny', 'model'), '--decode', 'graph', '--transitions', 'off', '--quiet'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(graph.status, 1, 'graph decoding named explicitly is refused before the item graph exists');
  assert.match(graph.stderr, /no graph\.safetensors \(training did not finish\); use --decode exact/);
  // A prior fitted to the paused run's best epoch: recorded, used by evaluate, left out of the interim test figure.
  const model = join(root, 'runs', 'tiny', 'model');
  const prior = spawnSync(process.execPath, [cli, 'transitions', '--model', model, '--weights', '0,1000', '--quiet'], { encoding: 'utf8' });
  assert.equal(prior.status, 0, prior.stderr);
  assert.match(prior.stdout, /a run under way: the prior is fitted to its best epoch so far \(1\)/);
  const withPrior = spawnSync(process.execPath, [cli, 'evaluate', '--model', model, '--quiet'], { encoding: 'utf8' });
  assert.equal(withPrior.status, 0, withPrior.stderr);
  assert.match(withPrior.stdout, /rpg exact \+ transitions x (0|1000)/);
  // sidrec experiments: the paused run stopped part-way, to resume; a run whose lock a live process holds, training.
  const listed = () => {
    const run = spawnSync(process.execPath, [cli, 'experiments', 'tiny', '--json'], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    return (JSON.parse(run.stdout) as { name: string }[]).find((e) => e.name === 'tiny') as Record<string, unknown>;
  };
  const stopped = listed();
  assert.deepEqual([stopped.state, stopped.epochsRun, stopped.epochsScheduled, stopped.next], ['stopped', 1, 3, 'sidrec reproduce tiny --resume']);
  assert.deepEqual(stopped.test, { ndcg10: interim.test['ndcg@10'], interim: true, epoch: 1 });
  assert.ok((stopped.secondsLeft as number) >= 0 && (stopped.patience as { of: number }).of === 20, "RPG's default patience");
  const lock = join(model, 'train.lock');
  writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
  assert.deepEqual([listed().state, listed().pid, listed().next], ['training', process.pid, 'sidrec reproduce tiny --so-far']);
  rmSync(lock);
  // A second reproduce of the same experiment while a live process holds its run folder: refused before any stage.
  const workLock = join(root, 'runs', 'tiny', 'train.lock');
  writeFileSync(workLock, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
  const second = reproduce('tiny', '--resume');
  assert.equal(second.status, 1, second.stdout);
  assert.match(second.stderr, new RegExp(`runs/tiny.*is being trained by process ${process.pid}`));
  assert.doesNotMatch(second.stdout, /\[(prepare|train)\]/, 'no stage ran');
  rmSync(workLock);
  // A file that does not read as an experiment is listed as invalid, with why; the others are listed all the same.
  writeFileSync(join(root, 'experiments', 'broken.json'), JSON.stringify({ description: 'no stages' }));
  const withBroken = spawnSync(process.execPath, [cli, 'experiments', '--json'], { cwd: root, encoding: 'utf8' });
  assert.equal(withBroken.status, 0, withBroken.stderr);
  const broken = (JSON.parse(withBroken.stdout) as { name: string; state: string; error?: string }[]).find((e) => e.name === 'broken')!;
  assert.equal(broken.state, 'invalid');
  assert.match(broken.error ?? '', /broken\.json, field "prepare"/);
  rmSync(join(root, 'experiments', 'broken.json'));
  // A results file that does not read keeps its row (the run's state from its directory) and says why.
  const resultsFile = join(root, 'results', 'tiny.json');
  const kept = readFileSync(resultsFile, 'utf8');
  writeFileSync(resultsFile, kept.slice(0, 40));
  const cut = listed();
  assert.deepEqual([cut.state, cut.epochsRun, cut.test], ['stopped', 1, undefined]);
  assert.match(String(cut.error), /tiny\.json: not JSON/);
  const cutTable = spawnSync(process.execPath, [cli, 'experiments', 'tiny'], { cwd: root, encoding: 'utf8' });
  assert.equal(cutTable.status, 0, cutTable.stderr);
  assert.match(cutTable.stdout, /not JSON .*; sidrec reproduce tiny --resume/);
  writeFileSync(resultsFile, kept);
  // A checkpoint inside an epoch: listed with the batches of the next epoch it holds.
  const checkpoint = join(model, 'checkpoint.safetensors');
  const whole = loadSafetensors(checkpoint);
  const loop = JSON.parse(whole.metadata.loop);
  saveSafetensors(checkpoint, whole.tensors, { ...whole.metadata, loop: JSON.stringify({ ...loop, partial: { ...loop.partial, epoch: 2, batch: 3 } }) });
  assert.deepEqual(listed().inside, { epoch: 2, batches: 3 });
  assert.match(spawnSync(process.execPath, [cli, 'experiments', 'tiny'], { cwd: root, encoding: 'utf8' }).stdout, /tiny .* 1\/3 \(\+3 batches\)/);
  saveSafetensors(checkpoint, whole.tensors, whole.metadata);
  assert.equal(listed().inside, undefined);
  const both = reproduce('tiny', '--so-far', '--resume');
  assert.equal(both.status, 2);
  assert.match(both.stderr, /--so-far trains nothing: give it without --resume and --stop-after/);
  const soFar = reproduce('tiny', '--so-far');
  assert.equal(soFar.status, 0, soFar.stderr);
  assert.doesNotMatch(soFar.stdout, /\[train\]/, '--so-far trains nothing');
  assert.match(soFar.stdout, /so far after epoch 1; interim results -> /);
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const again1 = JSON.parse(readFileSync(join(root, 'results', 'tiny.json'), 'utf8')) as Record<string, any>;
  assert.deepEqual(again1.test, interim.test, 'the same best epoch ranks the same, the prior left out');
  const refused = reproduce('tiny');
  assert.equal(refused.status, 2, 'an unfinished run is not started over silently');
  assert.match(refused.stderr, /unfinished training run: add --resume/);
  const done = reproduce('tiny', '--resume');
  assert.equal(done.status, 0, done.stderr);
  assert.match(done.stdout, /\[prepare\] done earlier with the same settings/);
  assert.match(done.stdout, /\[tokenize\] done earlier/);
  // biome-ignore lint/suspicious/noExplicitAny: the results file's fields are read ad hoc below
  const results = JSON.parse(readFileSync(join(root, 'results', 'tiny.json'), 'utf8')) as Record<string, any>;
  assert.equal(results.experiment, 'tiny');
  assert.deepEqual(results.settings, experiment);
  assert.equal(results.epochs.length, 3, 'one epoch before the pause, two after');
  assert.equal(results.inProgress, undefined, 'the finished run replaces the interim file');
  assert.ok(results.test['ndcg@10'] >= 0 && results.test['ndcg@10'] <= 1);
  assert.ok(results.testGraph['ndcg@10'] >= 0);
  assert.deepEqual(results.transitions.weights, [0, 1, 4], 'the transitions stage ran after training');
  assert.ok([0, 1, 4].includes(results.transitions.weight));
  assert.deepEqual(results.transitions.decays, [0, 0.25, 0.5, 0.75], 'the default decays');
  assert.deepEqual(
    results.transitions.sweeps.map((s: { part: string; decay: number }) => `${s.part} ${s.decay}`),
    ['valid 0', 'valid 0.25', 'valid 0.5', 'valid 0.75', 'test 0', 'test 0.25', 'test 0.5', 'test 0.75'],
  );
  assert.ok(results.transitions.reach.window >= 1, 'the chosen reach is recorded');
  assert.match(done.stdout, /\[transitions\] sidrec transitions --weights 0,1,4 --model /);
  // The finished directory holds the item graph and the prior: graph decoding named with the prior on is refused
  // (it would rank a subset the prior cannot cover), recommend's graph default gives way to exact scoring.
  const sidrec = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  const graphWithPrior = sidrec('evaluate', '--model', model, '--decode', 'graph', '--quiet');
  assert.equal(graphWithPrior.status, 2);
  assert.match(graphWithPrior.stderr, /--decode graph ranks a subset of the items, and \S+ holds transitions\.safetensors, which needs every item scored/);
  assert.equal(sidrec('recommend', '--model', model, '--user', '1', '--decode', 'graph', '--quiet').status, 2);
  const recommended = sidrec('recommend', '--model', model, '--user', '1', '--json');
  assert.equal(recommended.status, 0, recommended.stderr);
  assert.equal(JSON.parse(recommended.stdout).items.length, 10);
  const graphAlone = sidrec('recommend', '--model', model, '--user', '1', '--decode', 'graph', '--transitions', 'off', '--json');
  assert.equal(graphAlone.status, 0, graphAlone.stderr);
  assert.ok(results.peakRssMiB > 0 && results.wallSeconds >= 0);
  const epochSeconds = results.epochs.reduce((sum: number, e: { seconds: number }) => sum + e.seconds, 0);
  assert.equal(results.trainingSeconds, Math.round(epochSeconds), 'the paused epoch counts in the training time');
  assert.match(results.commit, /^(unknown|[0-9a-f]{40}(\+dirty)?)$/);
  assert.equal(results.engine.denormals, process.env.SIDREC_DENORMALS?.trim().toLowerCase() || 'flush', 'the engine mode is recorded');
  assert.equal(typeof results.engine.gemm, 'string');
  const finished = listed();
  assert.deepEqual([finished.state, finished.epochsRun, finished.next, (finished.test as { interim: boolean }).interim], ['finished', 3, undefined, false]);
  const table = spawnSync(process.execPath, [cli, 'experiments'], { cwd: root, encoding: 'utf8' });
  assert.match(table.stdout, /^experiment\s+model\s+state\s+epochs\s+patience\s+best valid N@10\s+test N@10\s+left \(at most\)\s+next\n/);
  assert.match(table.stdout, /\ntiny\s+rpg\s+finished\s+3\/3\s+\.\d{4} @\d\s+\.\d{4}\n/);
  const again = reproduce('tiny');
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /\[train\] done earlier with the same settings/);
  const late = reproduce('tiny', '--so-far');
  assert.equal(late.status, 2);
  assert.match(late.stderr, /training has finished: its results are \S+tiny\.json/);
});

test("a GRank experiment's results hold the generator alone beside generator + ranker, and the ranker weight serving uses", () => {
  const grank = {
    description: 'tiny GRank on synthetic data',
    seed: 3,
    prepare: { input: './bench-data' },
    tokenize: { features: 'text,cooccurrence', kind: 'opq', subspaces: 4, 'codebook-size': 8 },
    train: { model: 'grank', epochs: 1, dim: 16, heads: 2, ffn: 32, 'batch-size': 32, candidates: 20, 'rank-item-embedding': true, 'rank-targets': 'any' },
  };
  writeFileSync(join(root, 'experiments', 'tiny-grank.json'), JSON.stringify(grank));
  const done = reproduce('tiny-grank');
  assert.equal(done.status, 0, done.stderr);
  // biome-ignore lint/suspicious/noExplicitAny: the results file's fields are read ad hoc below
  const results = JSON.parse(readFileSync(join(root, 'results', 'tiny-grank.json'), 'utf8')) as Record<string, any>;
  assert.ok(results.test['ndcg@10'] >= 0 && results.testGenerator['ndcg@10'] >= 0);
  assert.ok([0, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16].includes(results.rankerWeight), `ranker weight ${results.rankerWeight}`);
  assert.equal(results.rankerWeightChoice, 'chosen on validation');
  if (results.rankerWeight === 0) assert.ok(Math.abs(results.test['ndcg@10'] - results.testGenerator['ndcg@10']) < 1e-6, 'weight 0 is the generator alone');
});

test("a baseline experiment: the sid-neighbours baseline on the tokenize stage's SIDs, ranked on validation and test", () => {
  const { train: _train, transitions: _transitions, ...rest } = experiment;
  writeFileSync(
    join(root, 'experiments', 'tiny-content.json'),
    JSON.stringify({ ...rest, baseline: { model: 'sid-neighbours', metrics: 'ndcg@10,recall@10' } }),
  );
  const done = reproduce('tiny-content');
  assert.equal(done.status, 0, done.stderr);
  assert.match(done.stdout, /\[baseline\] sidrec evaluate --model sid-neighbours --metrics ndcg@10,recall@10 --data \S+ --sids \S+ --split valid/);
  // biome-ignore lint/suspicious/noExplicitAny: the results file's fields are read ad hoc below
  const results = JSON.parse(readFileSync(join(root, 'results', 'tiny-content.json'), 'utf8')) as Record<string, any>;
  assert.deepEqual(Object.keys(results.test).sort(), ['ndcg@10', 'recall@10']);
  // The same figure as the command a user types on the same folders.
  const work = join(root, 'runs', 'tiny-content');
  const direct = spawnSync(
    process.execPath,
    [cli, 'evaluate', '--model', 'sid-neighbours', '--data', join(work, 'data'), '--sids', join(work, 'sids'), '--json', join(root, 'direct.json'), '--quiet'],
    { encoding: 'utf8' },
  );
  assert.equal(direct.status, 0, direct.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(root, 'direct.json'), 'utf8')).metrics['ndcg@10'], results.test['ndcg@10']);
  assert.ok(results.valid['ndcg@10'] > 0, 'the synthetic topics make shared codes informative');
  writeFileSync(join(root, 'experiments', 'both.json'), JSON.stringify({ ...experiment, baseline: { model: 'bigram' } }));
  assert.match(reproduce('both').stderr, /either "train" \(a model\) or "baseline"/);
  writeFileSync(join(root, 'experiments', 'unnamed.json'), JSON.stringify({ ...rest, baseline: {} }));
  assert.match(reproduce('unnamed').stderr, /field "baseline\.model": name the baseline/);
});

test('experiment files are checked: unknown keys, wired options and missing files are named', () => {
  writeFileSync(join(root, 'experiments', 'bad.json'), JSON.stringify({ ...experiment, train: { ...experiment.train, out: 'x' } }));
  const wired = reproduce('bad');
  assert.equal(wired.status, 2);
  assert.match(wired.stderr, /field "train\.out": "out" is set by sidrec reproduce/);
  writeFileSync(join(root, 'experiments', 'typo.json'), JSON.stringify({ ...experiment, trian: {} }));
  const typo = reproduce('typo');
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /typo\.json/);
  assert.match(typo.stderr, /trian/);
  writeFileSync(join(root, 'experiments', 'engine.json'), JSON.stringify({ ...experiment, engine: { denormals: 'off' } }));
  const engine = reproduce('engine');
  assert.equal(engine.status, 2);
  assert.match(engine.stderr, /engine\.json/);
  assert.match(engine.stderr, /engine\.denormals/);
  const missing = reproduce('nope');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no experiments\/nope\.json/);
});

test('a superseded experiment is listed as such with what replaced it; a successor that does not exist is named', () => {
  const why = 'stopped part-way; the whole schedule is in tiny';
  writeFileSync(join(root, 'experiments', 'old-design.json'), JSON.stringify({ ...experiment, superseded: { by: ['tiny'], why } }));
  const listed = spawnSync(process.execPath, [cli, 'experiments', 'old-design', '--json'], { cwd: root, encoding: 'utf8' });
  assert.equal(listed.status, 0, listed.stderr);
  const [status] = JSON.parse(listed.stdout);
  assert.equal(status.state, 'superseded');
  assert.deepEqual(status.superseded, { by: ['tiny'], why });
  assert.equal(status.next, undefined, 'nothing to run');
  const table = spawnSync(process.execPath, [cli, 'experiments', 'old-design'], { cwd: root, encoding: 'utf8' }).stdout;
  assert.match(table, /old-design .* superseded .* superseded by tiny/);
  // Stopped part-way and then superseded: still nothing to resume.
  mkdirSync(join(root, 'runs', 'old-design', 'model'), { recursive: true });
  const epoch = { epoch: 1, loss: 2, seconds: 3, valid: { 'ndcg@10': 0.1 } };
  writeFileSync(join(root, 'runs', 'old-design', 'model', 'epochs.jsonl'), `${JSON.stringify(epoch)}\n`);
  const [stopped] = JSON.parse(spawnSync(process.execPath, [cli, 'experiments', 'old-design', '--json'], { cwd: root, encoding: 'utf8' }).stdout);
  assert.equal(stopped.state, 'superseded');
  assert.equal(stopped.epochsRun, 1);
  assert.equal(stopped.next, undefined);
  rmSync(join(root, 'runs', 'old-design'), { recursive: true });
  writeFileSync(join(root, 'experiments', 'old-design.json'), JSON.stringify({ ...experiment, superseded: { by: ['tiny-v9'], why } }));
  const dangling = reproduce('old-design');
  assert.equal(dangling.status, 2);
  assert.match(dangling.stderr, /old-design\.json/);
  assert.match(dangling.stderr, /field "superseded\.by\.0": "tiny-v9" names no experiment file/);
  rmSync(join(root, 'experiments', 'old-design.json'));
});

test('an experiment pins the subnormal mode and compute threads its figure was made with; the environment wins', () => {
  const pinned = { ...experiment, train: { ...experiment.train, epochs: 1 }, engine: { denormals: 'keep', threads: 1 } };
  delete (pinned as { transitions?: unknown }).transitions;
  writeFileSync(join(root, 'experiments', 'kept.json'), JSON.stringify(pinned));
  const env = { ...process.env };
  delete env.SIDREC_DENORMALS;
  delete env.SIDREC_THREADS;
  const run = (extra: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, [cli, 'reproduce', 'kept', '--quiet', '--work', join(root, `runs-${extra.SIDREC_DENORMALS ?? 'pinned'}`)], {
      cwd: root,
      encoding: 'utf8',
      env: { ...env, ...extra },
    });
  const kept = run({});
  assert.equal(kept.status, 0, kept.stderr);
  assert.match(kept.stdout, /engine: subnormal floats kept, as when this figure was made/);
  assert.match(kept.stdout, /engine: 1 compute thread, as when this figure was made \(engine\.threads\)/);
  assert.deepEqual(pick(JSON.parse(readFileSync(join(root, 'results', 'kept.json'), 'utf8')).engine), { denormals: 'keep', threads: 1 });
  const overridden = run({ SIDREC_DENORMALS: 'flush', SIDREC_THREADS: '2' });
  assert.equal(overridden.status, 0, overridden.stderr);
  assert.match(overridden.stdout, /engine: SIDREC_DENORMALS=flush \(the experiment pins keep; the environment wins\)/);
  assert.match(overridden.stdout, /engine: SIDREC_THREADS=2 \(the experiment pins 1; the environment wins\)/);
  const gemm = JSON.parse(readFileSync(join(root, 'results', 'kept.json'), 'utf8')).engine.gemm;
  assert.deepEqual(pick(JSON.parse(readFileSync(join(root, 'results', 'kept.json'), 'utf8')).engine), {
    denormals: 'flush',
    threads: gemm === 'plain' ? 1 : 2,
  });
  writeFileSync(join(root, 'experiments', 'zero.json'), JSON.stringify({ ...pinned, engine: { threads: 0 } }));
  const zero = spawnSync(process.execPath, [cli, 'reproduce', 'zero', '--quiet'], { cwd: root, encoding: 'utf8', env });
  assert.equal(zero.status, 2);
  assert.match(zero.stderr, /zero\.json.*engine\.threads|engine\.threads.*zero\.json/s);
});

const pick = ({ denormals, threads }: { denormals: string; threads: number }) => ({ denormals, threads });
