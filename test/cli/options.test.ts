import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOutputDir, parseCommand, helpText } from '../../src/cli/options.js';
import { SidrecError } from '../../src/core/errors.js';

const spec = {
  name: 'train',
  summary: 'Train a model',
  options: {
    model: { type: 'string', description: 'Architecture', choices: ['sasrec', 'rpg'], default: 'sasrec' },
    epochs: { type: 'number', description: 'Epochs', integer: true, min: 1, default: 10 },
    lr: { type: 'number', description: 'Learning rate', default: 0.001 },
    resume: { type: 'boolean', description: 'Resume', default: false },
    out: { type: 'string', description: 'Output directory' },
  },
} as const;

function configFile(value: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'sidrec-cli-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

test('defaults apply when neither flag nor config file sets an option', () => {
  const o = parseCommand(spec, [])!;
  assert.deepEqual({ ...o }, { model: 'sasrec', epochs: 10, lr: 0.001, resume: false, out: undefined });
});

test('precedence: flags > config file > defaults', () => {
  const path = configFile({ epochs: 5, lr: 0.01 });
  const o = parseCommand(spec, ['--config', path, '--epochs', '7'])!;
  assert.equal(o.epochs, 7, 'flag wins over file');
  assert.equal(o.lr, 0.01, 'file wins over default');
  assert.equal(o.model, 'sasrec', 'default when neither');
});

test('bad values are rejected naming the option', () => {
  assert.throws(
    () => parseCommand(spec, ['--epochs', 'ten']),
    (e: unknown) => e instanceof SidrecError && e.code === 'E_CONFIG' && /--epochs: expected a number/.test(e.message),
  );
  assert.throws(() => parseCommand(spec, ['--epochs', '2.5']), /expected an integer/);
  assert.throws(() => parseCommand(spec, ['--epochs', '0']), /must be >= 1/);
  assert.throws(() => parseCommand(spec, ['--model', 'bert']), /expected one of sasrec, rpg, got "bert"/);
  assert.throws(() => parseCommand(spec, ['--bogus']), /Unknown option '--bogus'/);
});

test('config file errors name the file and the key', () => {
  const unknown = configFile({ epochz: 3 });
  assert.throws(
    () => parseCommand(spec, ['--config', unknown]),
    (e: unknown) => e instanceof SidrecError && e.message.includes(unknown) && e.message.includes('"epochz"'),
  );
  const broken = configFile('{"epochs": ');
  assert.throws(() => parseCommand(spec, ['--config', broken]), /not valid JSON/);
  assert.throws(() => parseCommand(spec, ['--config', configFile({ epochs: 'x' })]), /"epochs": expected a number/);
  assert.throws(
    () => parseCommand(spec, ['--config', '/nonexistent/c.json']),
    (e: unknown) => e instanceof SidrecError && e.code === 'E_NOT_FOUND',
  );
});

test('help lists every option with its default and choices', () => {
  const text = helpText(spec);
  for (const flag of ['--model VALUE', '--epochs N', '--resume', '--config VALUE', '-h, --help']) assert.ok(text.includes(flag), flag);
  assert.ok(text.includes('one of: sasrec, rpg; default: sasrec'));
  assert.ok(text.includes('Precedence: command-line flags > --config file > defaults.'));
});

test('checkOutputDir: a directory or a path where one can be made passes; a file in the way is E_CONFIG naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sidrec-cli-'));
  const file = join(dir, 'f');
  writeFileSync(file, '');
  checkOutputDir(dir);
  checkOutputDir(join(dir, 'new', 'deeper'));
  const refused = (path: string, what: RegExp) => (e: unknown) =>
    e instanceof SidrecError && e.code === 'E_CONFIG' && e.message.startsWith(`${path}, field "out": `) && what.test(e.message);
  assert.throws(() => checkOutputDir(file), refused(file, /exists and is a file/));
  assert.throws(() => checkOutputDir(join(file, 'a', 'b')), refused(join(file, 'a', 'b'), new RegExp(`${file} is a file`)));
});
