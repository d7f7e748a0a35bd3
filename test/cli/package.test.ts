/**
 * What `npm pack` ships and what an install of it runs, checked against this build: package.json's main, types
 * and bin name files the build produces (dist/ here is whatever folder these compiled tests sit in), `files`
 * ships them plus the addon's sources and no tests, benches or CI files, the bin is an executable ESM script, and
 * every locked runtime dependency accepts the oldest Node that `engines` promises. CI packs and installs the
 * tarball for real (.ci/run); this test keeps the declarations honest on every `npm test`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const outDir = fileURLToPath(new URL('../..', import.meta.url)); // dist/ (or dist-*/) holding test/cli/
const root = join(outDir, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  main: string;
  types: string;
  bin: Record<string, string>;
  files: string[];
  engines: { node: string };
  scripts: Record<string, string>;
};
const entryPoints = (): string[] => [pkg.main, pkg.types, ...Object.values(pkg.bin)];
const shipped = (path: string): boolean => pkg.files.some((f) => (f.endsWith('/') ? path.startsWith(f) : path === f));

test('package.json: main, types and bin name files the build produces, and files ships them', () => {
  for (const path of entryPoints()) {
    assert.match(path, /^dist\//, `${path}: entry points live in the build output`);
    const built = join(outDir, path.slice('dist/'.length));
    assert.ok(existsSync(built), `${path}: not produced by the build (looked for ${built})`);
    assert.ok(shipped(path), `${path}: not in package.json files [${pkg.files.join(', ')}]`);
  }
  assert.match(pkg.scripts.prepack ?? '', /build:package/, 'npm pack builds dist/ first (a fresh clone has none)');
});

test('package.json files: the library, the CLI, the browser bundle and the addon sources; no tests, benches, CI or notes', () => {
  for (const f of pkg.files) assert.match(f, /^(dist\/src\/|dist\/browser\/|native\/)/, `files entry ${f}`);
  // sidrec/browser: the bundle npm run build:browser writes, which prepack's build:package makes.
  assert.ok(shipped('dist/browser/sidrec-browser.js'), 'the browser bundle is shipped');
  assert.match(pkg.scripts['build:package'] ?? '', /build:browser/, 'the packed build bundles the browser module');
  // The postinstall builds the optional addon from these.
  assert.match(pkg.scripts.postinstall ?? '', /native\/build\.mjs --optional/);
  for (const path of ['native/build.mjs', 'native/binding.gyp']) assert.ok(shipped(path), path);
  const gyp = readFileSync(join(root, 'native/binding.gyp'), 'utf8');
  const sources = [...gyp.matchAll(/"(src\/[^"]+)"/g)].map((m) => `native/${m[1]}`);
  assert.ok(sources.length > 0, 'binding.gyp lists its sources');
  for (const source of sources) assert.ok(existsSync(join(root, source)) && shipped(source), `${source} shipped`);
  const build = JSON.parse(readFileSync(join(root, 'tsconfig.package.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { include: string[] };
  assert.deepEqual(build.include, ['src/**/*.ts'], 'the packed build compiles src only');
});

test('the bin is a node script: shebang, ESM, runs from the build', () => {
  const bin = join(outDir, Object.values(pkg.bin)[0].slice('dist/'.length));
  assert.match(readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/);
  assert.equal((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { type: string }).type, 'module');
});

/** Whether Node `major`.0.0 satisfies an engines range of the forms npm packages use (>=, >, <, ^, x-ranges, ||). */
function nodeSatisfies(range: string, major: number): boolean {
  return range.split('||').some((clause) => {
    const parts = [...clause.matchAll(/(>=|<=|>|<|\^|~|=)?\s*v?(\d+)(?:\.(\d+|x))?(?:\.(\d+|x))?/g)];
    return parts.every(([, op = '=', maj, min, patch]) => {
      const want = [Number(maj), min === undefined || min === 'x' ? 0 : Number(min), patch === undefined || patch === 'x' ? 0 : Number(patch)];
      const cmp = major !== want[0] ? major - want[0] : -(want[1] * 1000 + want[2]);
      if (op === '>=') return cmp >= 0;
      if (op === '>') return cmp > 0;
      if (op === '<') return cmp < 0;
      if (op === '<=') return cmp <= 0;
      return major === want[0] && (op === '^' || op === '~' || min === undefined || min === 'x' || cmp === 0);
    });
  });
}

test('engines: every locked runtime dependency accepts the oldest Node sidrec supports', () => {
  const oldest = Number(/^>=\s*(\d+)$/.exec(pkg.engines.node)?.[1]);
  assert.ok(oldest >= 20, `engines.node ${pkg.engines.node}`);
  assert.ok(nodeSatisfies('^18 || ^20 || >= 21', 20) && nodeSatisfies('>= 10.x', 20) && !nodeSatisfies('>=22', 20) && !nodeSatisfies('>=20.19', 20));
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; engines?: unknown }> };
  const refused = Object.entries(lock.packages)
    .filter(([path, p]) => path !== '' && !p.dev && typeof (p.engines as { node?: unknown } | undefined)?.node === 'string')
    .filter(([, p]) => !nodeSatisfies((p.engines as { node: string }).node, oldest))
    .map(([path, p]) => `${path.replace(/^.*node_modules\//, '')} (node ${(p.engines as { node: string }).node})`);
  assert.deepEqual(refused, [], `these want a newer Node than engines.node ${pkg.engines.node}`);
});
