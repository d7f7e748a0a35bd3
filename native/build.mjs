// Builds the optional OpenBLAS addon (`npm run build:native`). Uses the headers next to the running node
// (no download) when they are there, and retries without -march=native if the first build fails. Exits non-zero
// when both fail; callers treat the addon as optional (`npm run build:native || echo ...`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const prefix = dirname(dirname(process.execPath));
const args = ['rebuild'];
if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);

function build(env) {
  const r = spawnSync('node-gyp', args, { cwd: here, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

if (build({})) process.exit(0);
console.error('build:native: retrying with portable flags (no -march=native)');
process.exit(build({ SIDREC_PORTABLE: '1' }) ? 0 : 1);
