// Builds the optional OpenBLAS addon (`npm run build:native`). Uses the headers next to the running node
// (no download) when they are there, and retries without -march=native if the first build fails. Exits non-zero
// when both fail, unless `--optional` (the package's postinstall): then it prints one line and exits 0, since sidrec
// runs without the addon on onnxruntime's kernels.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const prefix = dirname(dirname(process.execPath));
const args = ['rebuild'];
if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);

const optional = process.argv.includes('--optional');

function build(env) {
  const r = spawnSync('node-gyp', args, { cwd: here, stdio: optional ? 'pipe' : 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

if (build({})) process.exit(0);
if (!optional) console.error('build:native: retrying with portable flags (no -march=native)');
if (build({ SIDREC_PORTABLE: '1' })) process.exit(0);
if (!optional) process.exit(1);
console.error('sidrec: optional OpenBLAS kernels not built (needs libopenblas-dev and a C compiler); using onnxruntime kernels');
