import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stageViolations } from './stage-rule.js';

// dist/test/architecture -> the repository's src/ (TypeScript sources)
const src = fileURLToPath(new URL('../../../src/', import.meta.url));

test('every import in src/ follows the stage order of ARCHITECTURE.md', () => {
  const bad = stageViolations(src);
  assert.deepEqual(
    bad.map((v) => `${v.file} (${v.from}) imports ${v.specifier} (${v.to})`),
    [],
  );
});

test('the check fails on a reversed import, a dynamic one and an unknown stage', () => {
  const root = mkdtempSync(join(tmpdir(), 'sidrec-stages-'));
  for (const dir of ['model', 'serve', 'tensor', 'extra']) mkdirSync(join(root, dir));
  writeFileSync(join(root, 'serve', 'app.ts'), "import { Rpg } from '../model/rpg.js';\n");
  writeFileSync(join(root, 'model', 'rpg.ts'), "import { Tensor } from '../tensor/tensor.js';\nimport type { App } from '../serve/app.js';\n");
  writeFileSync(join(root, 'tensor', 'ops.ts'), "export async function f() { return import('../model/rpg.js'); }\n");
  writeFileSync(join(root, 'extra', 'x.ts'), "import { Rpg } from '../model/rpg.js';\n");
  const bad = stageViolations(root)
    .map((v) => `${v.from}->${v.to}`)
    .sort();
  assert.deepEqual(bad, ['extra->model', 'model->serve', 'tensor->model']);
});
