/**
 * Load test of `sidrec serve` on loopback: starts the server as a child process (its own event loop, as in
 * production), sends real histories from the model's dataset (the last 20 items of sampled users, k = 10) with
 * autocannon at each concurrency, then an overload run, and prints requests/s and p50/p99 latency of accepted
 * (200) requests as the client sees them (kernel queueing included) and as the server measures them (from its
 * /metrics histogram: receipt to response, bucket upper bounds), plus the share shed with 503. Bounded:
 * `--duration` seconds per run.
 *   npm run bench:serve -- --model runs/beauty/sasrec [--duration 10] [--connections 1,16,64] [--overload 256]
 *                          [--max-pending 128] [--json out.json]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng } from '../src/core/rng.js';
import { loadDataset, userSequence } from '../src/data/index.js';
import { readManifest } from '../src/model/manifest.js';

interface AutocannonResult {
  readonly requests: { readonly total: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}
interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
  then: Promise<AutocannonResult>['then'];
}
type Autocannon = (options: Record<string, unknown>) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '1,16,64' },
    overload: { type: 'string', default: '256' },
    'max-pending': { type: 'string' },
    json: { type: 'string' },
  },
});
if (!args.model) throw new Error('usage: serve-load --model DIR [--duration S] [--connections 1,16,64] [--overload N] [--max-pending N] [--json FILE]');
const duration = Number(args.duration);

function sampleBodies(modelDir: string, count: number): string[] {
  const ds = loadDataset(readManifest(modelDir).dataDir);
  const rng = new Rng(7);
  return Array.from({ length: count }, () => {
    const seq = userSequence(ds, rng.int(ds.numUsers));
    const history = Array.from(seq.subarray(Math.max(0, seq.length - 21), seq.length - 1), (i) => ds.itemIds[i]);
    return JSON.stringify({ history, k: 10 });
  });
}

async function startServer(modelDir: string): Promise<{ child: ChildProcess; url: string }> {
  const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const extra = args['max-pending'] ? ['--max-pending', args['max-pending']] : [];
  const child = spawn(process.execPath, [main, 'serve', '--model', modelDir, '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, url };
}

interface RunFigures {
  readonly connections: number;
  readonly seconds: number;
  readonly requests: number;
  readonly acceptedPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly shedShare: number;
  readonly errors: number;
  /** Server-side p50 / p99 of 200 answers: upper bounds of the /metrics histogram buckets, in ms. */
  readonly serverP50: number;
  readonly serverP99: number;
  /** Answers other than 200 and 503, by status. */
  readonly otherStatuses: Readonly<Record<string, number>>;
}

const quantile = (sorted: Float64Array, q: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);

/** Cumulative bucket counts (le -> count) of answered POST /v1/recommend requests in the server's /metrics. */
async function serverBuckets(url: string): Promise<Map<number, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<number, number>();
  for (const m of text.matchAll(/_bucket\{method="POST",route="\/v1\/recommend",status_class="2xx",le="([^"]+)"\} (\d+)/g)) {
    out.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]));
  }
  return out;
}

function bucketQuantile(before: Map<number, number>, after: Map<number, number>, q: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  for (const le of bounds) if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= q * total) return le * 1000;
  return NaN;
}

async function run(url: string, bodies: readonly string[], connections: number, seconds: number): Promise<RunFigures> {
  const bucketsBefore = await serverBuckets(url);
  let next = 0;
  const accepted: number[] = [];
  let shed = 0;
  let other = 0;
  const otherStatuses: Record<string, number> = {};
  const instance = autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/v1/recommend',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req: object) => ({ ...req, body: bodies[next++ % bodies.length] }),
      },
    ],
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status === 200) accepted.push(ms);
    else if (status === 503) shed++;
    else {
      other++;
      otherStatuses[status] = (otherStatuses[status] ?? 0) + 1;
    }
  });
  const result = await instance;
  const bucketsAfter = await serverBuckets(url);
  const sorted = Float64Array.from(accepted).sort();
  const total = accepted.length + shed + other;
  return {
    connections,
    seconds,
    requests: total,
    acceptedPerSecond: accepted.length / seconds,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    shedShare: total ? shed / total : 0,
    errors: result.errors + result.timeouts + other,
    serverP50: bucketQuantile(bucketsBefore, bucketsAfter, 0.5),
    serverP99: bucketQuantile(bucketsBefore, bucketsAfter, 0.99),
    otherStatuses,
  };
}

const bodies = sampleBodies(args.model, 2000);
const { child, url } = await startServer(args.model);
try {
  await run(url, bodies, 8, 2); // warm-up
  const figures: RunFigures[] = [];
  for (const c of args.connections.split(',').map(Number)) figures.push(await run(url, bodies, c, duration));
  if (Number(args.overload) > 0) figures.push(await run(url, bodies, Number(args.overload), duration));
  const f = (x: number, d = 1, w = 8) => x.toFixed(d).padStart(w);
  process.stdout.write(`model ${args.model}, ${bodies.length} distinct histories (last 20 items), k = 10, ${duration} s per run\n`);
  process.stdout.write('connections  answered  accepted/s    p50 ms    p99 ms    max ms  server p50/p99 <= ms  503 share  errors\n');
  for (const r of figures) {
    const other = Object.keys(r.otherStatuses).length ? ` ${JSON.stringify(r.otherStatuses)}` : '';
    process.stdout.write(
      `${String(r.connections).padStart(11)}  ${String(r.requests).padStart(8)}  ${f(r.acceptedPerSecond, 1, 10)}  ${f(r.p50, 2)}  ${f(r.p99, 2)}  ${f(r.max, 1)}  ${`${r.serverP50} / ${r.serverP99}`.padStart(20)}  ${(100 * r.shedShare).toFixed(1).padStart(8)}%  ${String(r.errors).padStart(6)}${other}\n`,
    );
  }
  if (args.json) writeFileSync(args.json, `${JSON.stringify({ model: args.model, figures }, null, 2)}\n`);
} finally {
  child.kill('SIGTERM');
}
