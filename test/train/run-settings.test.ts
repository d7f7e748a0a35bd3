import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SidrecError } from '../../src/core/errors.js';
import { DEFAULT_TRAIN_CONFIG } from '../../src/train/config.js';
import { checkResumeSettings, writeRunSettings } from '../../src/train/run-settings.js';

const train = { ...DEFAULT_TRAIN_CONFIG, epochs: 4 };
const dir = mkdtempSync(join(tmpdir(), 'sidrec-run-settings-'));
// A run started before the family gained `extra`.
writeRunSettings(dir, { train, model: { kind: 'k', config: { dim: 8 } } });
const added = { 'config.extra': 0 };

test('a setting added since the run started resumes at its as-before value, with a note saying so', () => {
  const notes = checkResumeSettings(dir, { train, model: { kind: 'k', config: { dim: 8, extra: 0 } } }, added);
  assert.deepEqual(notes, ['model.config.extra: 0 (added since the run started; trains as before)']);
});

test('an added setting at another value, or one the family does not list, is refused by name', () => {
  const refused = (model: Record<string, unknown>, list: Record<string, unknown>, had: RegExp) =>
    assert.throws(
      () => checkResumeSettings(dir, { train, model }, list),
      (e: unknown) => e instanceof SidrecError && e.code === 'E_CONFIG' && had.test(e.message),
    );
  // Listed: the run trained at the as-before value, and the message says so; not listed: the run has nothing.
  refused({ kind: 'k', config: { dim: 8, extra: 3 } }, added, /model\.config\.extra 3 \(the run has 0, from before the setting was recorded\)/);
  refused({ kind: 'k', config: { dim: 8, extra: 3 } }, {}, /model\.config\.extra 3 \(the run has undefined\)/);
  assert.throws(() => checkResumeSettings(dir, { train, model: { kind: 'k', config: { dim: 8, extra: 0 } } }), /model\.config\.extra 0/);
});

test('epochs and patience may change on resume; other training options may not', () => {
  assert.deepEqual(checkResumeSettings(dir, { train: { ...train, epochs: 9 }, model: { kind: 'k', config: { dim: 8 } } }), ['train.epochs: 4 -> 9']);
  assert.throws(() => checkResumeSettings(dir, { train: { ...train, lr: 0.5 }, model: { kind: 'k', config: { dim: 8 } } }), /train\.lr 0\.5/);
});

test("the engine's subnormal mode may change on resume, and the note says so (a run from before it was recorded too)", () => {
  const model = { kind: 'k', config: { dim: 8 } };
  assert.deepEqual(checkResumeSettings(dir, { train, model, engine: { denormals: 'flush' } }), [
    'engine.denormals: "flush" (not recorded when the run started)',
  ]);
  const kept = mkdtempSync(join(tmpdir(), 'sidrec-run-settings-'));
  writeRunSettings(kept, { train, model, engine: { denormals: 'keep' } });
  assert.deepEqual(checkResumeSettings(kept, { train, model, engine: { denormals: 'flush' } }), ['engine.denormals: "keep" -> "flush"']);
  assert.deepEqual(checkResumeSettings(kept, { train, model, engine: { denormals: 'keep' } }), []);
});
