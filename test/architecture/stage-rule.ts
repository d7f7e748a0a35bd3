/**
 * The stage rule of ARCHITECTURE.md, checked on source text: a file in one stage folder of src/ may import from
 * its own stage and from the stages below it, never from one above. The low stages form a strict order
 * (core -> tensor -> data -> features -> tokenize -> model); decode, eval, train, families, serve, cli and browser
 * sit above them in the order listed, each importing only stages before it. Relative imports and `import()` are read; package
 * imports are not stages.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

/** Bottom to top: a stage may import the ones before it. */
export const STAGE_ORDER: readonly string[] = Object.freeze([
  'core',
  'tensor',
  'data',
  'features',
  'tokenize',
  'model',
  'decode',
  'eval',
  'train',
  'families',
  'serve',
  'cli',
  'browser',
]);

export interface StageViolation {
  /** The importing file, relative to the source root. */
  readonly file: string;
  readonly from: string;
  readonly to: string;
  readonly specifier: string;
}

const IMPORT = /(?:import|export)[^'"`;]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (name.endsWith('.ts')) yield path;
  }
}

/** Every import under `root` (a src/ folder) that runs against STAGE_ORDER; also imports of unknown stages. */
export function stageViolations(root: string): StageViolation[] {
  const out: StageViolation[] = [];
  for (const path of sourceFiles(root)) {
    const from = relative(root, path).split(sep)[0];
    if (from.endsWith('.ts')) continue; // files directly in src/ (index.ts) sit above every stage
    const text = readFileSync(path, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const specifier = m[1] ?? m[2];
      const to = relative(root, normalize(join(dirname(path), specifier))).split(sep)[0];
      if (to === from || to.startsWith('..') || to.endsWith('.js') || to.endsWith('.ts')) continue;
      const a = STAGE_ORDER.indexOf(from);
      const b = STAGE_ORDER.indexOf(to);
      if (a < 0 || b < 0 || b > a) out.push({ file: relative(root, path), from, to, specifier });
    }
  }
  return out;
}
