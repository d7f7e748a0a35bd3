// The command line's hygiene, through the real binary: --version, one coded line per error (a stack trace only
// under SIDREC_DEBUG=1), --out at an existing file for every command with --out, prepare refusing empty input and
// reporting duplicates, train validating before it writes and refusing to overwrite a run, synth's accepted values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSynthetic, saveDataset, syntheticDataset } from '../../src/data/index.js';
import { asSidrecError, errorLine } from '../../src/cli/report.js';
import { exitCodeFor } from '../../src/core/errors.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'sidrec-cli-'));
const sidrec = (args: readonly string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, SIDREC_DEBUG: '', ...env } });

/** Exit code 2, one stderr line naming the command, the code and `what`; no stack trace. */
function refused(r: ReturnType<typeof sidrec>, command: string, code: string, what: RegExp): void {
  assert.equal(r.status, 2, `exit code: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0].startsWith(`sidrec ${command} [${code}]: `), r.stderr);
  assert.match(lines[0], what);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
}

test("sidrec --version and -v print package.json's version", () => {
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-v']) {
    const r = sidrec([flag]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${version}\n`);
  }
  assert.match(sidrec(['--help']).stdout, /sidrec --version/);
});

test('--out at an existing file is refused naming the path, for every command with --out', () => {
  const file = join(work, 'a-file');
  writeFileSync(file, 'not a directory');
  const data = join(work, 'data-for-out');
  saveDataset(data, syntheticDataset(generateSynthetic({ numUsers: 40, numItems: 30, numTopics: 3, seed: 1 })));
  const commands: [string, string[]][] = [
    ['synth', []],
    ['prepare', ['--input', data]],
    ['train', ['--data', data]],
    ['tokenize', ['--data', data]],
    ['quickstart', []],
  ];
  for (const [command, args] of commands) {
    refused(sidrec([command, ...args, '--out', file]), command, 'E_CONFIG', new RegExp(`${file}, field "out": exists and is a file`));
    refused(sidrec([command, ...args, '--out', join(file, 'sub')]), command, 'E_CONFIG', new RegExp(`${file} is a file, so no directory can be made under it`));
  }
  assert.equal(readFileSync(file, 'utf8'), 'not a directory');
});

test('a raw Node error becomes one coded line naming the path; SIDREC_DEBUG=1 adds the stack trace', () => {
  const log = join(work, 'log.csv');
  writeFileSync(log, 'user_id,item_id,timestamp\nu1,a,1\nu1,b,2\n');
  const args = ['prepare', '--input', log, '--catalog', work, '--out', join(work, 'never')]; // a directory as the catalogue (was a raw EISDIR)
  refused(sidrec(args), 'prepare', 'E_INPUT', new RegExp(`${work}: is a directory, not a file`));
  const debug = sidrec(args, { SIDREC_DEBUG: '1' });
  assert.match(debug.stderr, /^\s+at /m);
  assert.equal(existsSync(join(work, 'never')), false);
});

test('errorLine: an unexpected exception is one E_INTERNAL line with a hint; file-system errors map to codes', () => {
  const saved = process.env.SIDREC_DEBUG;
  try {
    delete process.env.SIDREC_DEBUG;
    assert.equal(
      errorLine('sidrec x', new TypeError('boom\n  more')),
      'sidrec x [E_INTERNAL]: unexpected error: TypeError: boom; more (SIDREC_DEBUG=1 shows the stack trace)',
    );
    const eexist = Object.assign(new Error("EEXIST: file already exists, mkdir 'a'"), { code: 'EEXIST', syscall: 'mkdir', path: 'a' });
    assert.equal(errorLine('sidrec y', eexist), 'sidrec y [E_CONFIG]: a: mkdir: already exists (EEXIST)');
    assert.equal(exitCodeFor(asSidrecError(eexist)), 2);
    assert.equal(exitCodeFor(asSidrecError(new RangeError('x'))), 1);
    process.env.SIDREC_DEBUG = '1';
    assert.match(errorLine('sidrec x', new TypeError('boom')), /^sidrec x \[E_INTERNAL\]: unexpected error: TypeError: boom\nTypeError: boom\n\s+at /);
  } finally {
    if (saved === undefined) delete process.env.SIDREC_DEBUG;
    else process.env.SIDREC_DEBUG = saved;
  }
});

test('prepare: a header-only log is refused with exit code 2 and nothing written', () => {
  const log = join(work, 'header-only.csv');
  writeFileSync(log, 'user_id,item_id,timestamp\n');
  const out = join(work, 'empty-data');
  refused(sidrec(['prepare', '--input', log, '--out', out]), 'prepare', 'E_INPUT', /line 2: no interactions: the file has a header line but no data rows/);
  assert.equal(existsSync(out), false);
  const seqs = join(work, 'empty-bench');
  mkdirSync(seqs);
  writeFileSync(join(seqs, 'sequences.txt'), '\n');
  refused(sidrec(['prepare', '--input', seqs, '--out', out]), 'prepare', 'E_INPUT', /no users/);
  refused(sidrec(['prepare', '--input', join(work, 'log-with-dups.csv'), '--out', out]), 'prepare', 'E_NOT_FOUND', /no such file/);
  assert.equal(existsSync(out), false);
});

test('prepare reports dropped duplicates (stdout and dataset.json); --keep-duplicates keeps them', () => {
  const log = join(work, 'dups.csv');
  writeFileSync(log, 'user_id,item_id,timestamp\nu1,a,1\nu1,a,1\nu1,b,2\nu1,c,3\nu1,c,3\n');
  const out = join(work, 'dups-data');
  const r = sidrec(['prepare', '--input', log, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /1 users, 3 items, 3 interactions; 2 duplicate event\(s\) dropped \(same user, item and timestamp\)/);
  assert.deepEqual((JSON.parse(readFileSync(join(out, 'dataset.json'), 'utf8')) as { duplicates: unknown }).duplicates, {
    policy: 'drop',
    rule: 'user-item-time',
    found: 2,
    dropped: 2,
  });
  const kept = sidrec(['prepare', '--input', log, '--out', join(work, 'dups-kept'), '--keep-duplicates']);
  assert.equal(kept.status, 0, kept.stderr);
  assert.match(kept.stdout, /5 interactions; 2 duplicate event\(s\) kept/);
});

test('train validates the dataset before writing into --out', () => {
  // An artifact with no users (what prepare wrote for a header-only log before it refused them).
  const empty = join(work, 'no-users');
  saveDataset(empty, {
    ...syntheticDataset(generateSynthetic({ numUsers: 1, numItems: 10, numTopics: 1 })),
    numUsers: 0,
    numItems: 0,
    offsets: new Int32Array(1),
    items: new Int32Array(0),
    userIds: [],
    itemIds: [],
    catalog: { itemIds: [], texts: [], attributes: [] },
  });
  const out = join(work, 'never-trained');
  for (const model of ['sasrec', 'rpg', 'tiger']) {
    refused(sidrec(['train', '--model', model, '--data', empty, '--out', out]), 'train', 'E_INPUT', /dataset\.json.*the dataset has no interactions/);
  }
  assert.equal(existsSync(out), false);
  // Users, but none with the 3 interactions a leave-one-out split needs.
  const short = join(work, 'short');
  const two = syntheticDataset(generateSynthetic({ numUsers: 10, numItems: 10, numTopics: 1, minLength: 2, maxLength: 2 }));
  saveDataset(short, two);
  refused(sidrec(['train', '--data', short, '--out', out]), 'train', 'E_INPUT', /no user has 3 or more interactions/);
  assert.equal(existsSync(out), false);
});

test('train refuses a --out that holds a run unless --resume or --overwrite', () => {
  const data = join(work, 'small');
  saveDataset(data, syntheticDataset(generateSynthetic({ numUsers: 60, numItems: 30, numTopics: 3, seed: 4 })));
  const out = join(work, 'model');
  const args = ['train', '--data', data, '--out', out, '--epochs', '1', '--dim', '8', '--heads', '1', '--ffn', '16', '--batch-size', '32', '--quiet'];
  const first = sidrec(args);
  assert.equal(first.status, 0, first.stderr);
  const before = readFileSync(join(out, 'best.safetensors'));
  refused(
    sidrec(args),
    'train',
    'E_CONFIG',
    /already holds a training run \(run\.json, checkpoint\.safetensors, best\.safetensors, epochs\.jsonl, manifest\.json[^)]*\); continue it with --resume, replace it with --overwrite/,
  );
  assert.ok(readFileSync(join(out, 'best.safetensors')).equals(before), 'the refused run left the old one alone');
  refused(sidrec([...args, '--resume', '--overwrite']), 'train', 'E_CONFIG', /give one/);
  const again = sidrec([...args, '--overwrite', '--seed', '9']);
  assert.equal(again.status, 0, again.stderr);
  assert.equal((JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { seed: number }).seed, 9);
  assert.deepEqual(
    readdirSync(out).filter((f) => f.endsWith('.tmp')),
    [],
  );
});

test("train --model tiger --head-dim: heads that do not divide --dim, with their own width (T5's d_kv); without it they are refused", () => {
  const data = join(work, 'small-tiger');
  saveDataset(data, syntheticDataset(generateSynthetic({ numUsers: 60, numItems: 30, numTopics: 3, seed: 4 })));
  const out = join(work, 'tiger-head-dim');
  const args = ['train', '--model', 'tiger', '--data', data, '--out', out, '--epochs', '1', '--dim', '16', '--heads', '3', '--layers', '1', '--ffn', '32'];
  const tail = ['--batch-size', '64', '--levels', '2', '--sid-codebook-size', '8', '--valid-users', '20', '--test-beam', '5', '--quiet'];
  refused(sidrec([...args, ...tail]), 'train', 'E_CONFIG', /--heads 3 must divide --dim 16/);
  const run = sidrec([...args, '--head-dim', '8', ...tail]);
  assert.equal(run.status, 0, run.stderr);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { modelConfig: { heads: number; headDim: number } };
  assert.deepEqual([manifest.modelConfig.heads, manifest.modelConfig.headDim], [3, 8]);
  const evaluated = sidrec(['evaluate', '--model', out, '--quiet']);
  assert.equal(evaluated.status, 0, evaluated.stderr);
});

test('synth: every --items the flag accepts works (40 items over the default 20 topics); --topics above --items is refused', () => {
  const out = join(work, 'synth40');
  const r = sidrec(['synth', '--items', '40', '--users', '50', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(out, 'items.jsonl'), 'utf8').trim().split('\n').length, 40);
  refused(sidrec(['synth', '--items', '10', '--topics', '11', '--out', join(work, 'synth-bad')]), 'synth', 'E_CONFIG', /--topics 11 exceeds --items 10/);
});

test('sidrec evaluate --metrics: any recall@K / ndcg@K list (candidate recall), and a bad one named', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'sidrec-metrics-')), 'data');
  saveDataset(dir, syntheticDataset(generateSynthetic({ numUsers: 200, numItems: 80, numTopics: 4, seed: 2 })));
  const ok = spawnSync(process.execPath, [cli, 'evaluate', '--model', 'bigram', '--data', dir, '--metrics', 'recall@50,recall@70', '--quiet'], {
    encoding: 'utf8',
  });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /recall@50 +recall@70/);
  const bad = spawnSync(process.execPath, [cli, 'evaluate', '--model', 'bigram', '--data', dir, '--metrics', 'hits@5'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown metric "hits@5"/);
  // --users: a seeded sample of the queries, the same each time.
  const sample = () =>
    spawnSync(process.execPath, [cli, 'evaluate', '--model', 'bigram', '--data', dir, '--users', '60', '--quiet', '--json', join(dir, '..', 's.json')], {
      encoding: 'utf8',
    });
  const first = sample();
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /bigram \(test\) +all +60 /);
  assert.equal(sample().stdout, first.stdout);
});

test("a family's own training defaults (RPG: the paper's schedule) apply to the flags not given; given flags win", () => {
  const data = join(work, 'defaults-data');
  saveDataset(data, syntheticDataset(generateSynthetic({ numUsers: 60, numItems: 30, numTopics: 3, seed: 6 })));
  const tiny = ['--dim', '8', '--heads', '1', '--ffn', '16', '--batch-size', '32', '--stop-after', '1', '--quiet'];
  const schedule = (model: string, extra: string[]): Record<string, number> => {
    const out = join(work, `defaults-${model}-${extra.length}`);
    const rpgTiny = model === 'rpg' ? ['--digits', '4', '--sid-codebook-size', '8', '--sid-features', 'cooccurrence'] : [];
    const r = sidrec(['train', '--model', model, '--data', data, '--out', out, ...tiny, ...rpgTiny, ...extra]);
    assert.equal(r.status, 0, r.stderr);
    const { epochs, lr, warmupSteps, patience } = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).train;
    return { epochs, lr, warmupSteps, patience };
  };
  assert.deepEqual(schedule('rpg', []), { epochs: 150, lr: 0.01, warmupSteps: 10000, patience: 20 });
  assert.deepEqual(schedule('rpg', ['--lr', '0.003', '--epochs', '40']), { epochs: 40, lr: 0.003, warmupSteps: 10000, patience: 20 });
  assert.deepEqual(schedule('sasrec', []), { epochs: 100, lr: 0.001, warmupSteps: 100, patience: 10 });
});
