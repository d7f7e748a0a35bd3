/**
 * In-browser ranking cost (issue 19, item 2): serves a model with its `sidrec export`, opens the explorer in headless
 * Chromium, enables local ranking (onnxruntime-web, WebAssembly, one thread) and times, for the same histories, the
 * page's local ranking and a POST /v1/recommend from the same page (network on loopback included), with the load
 * time of the export and the top-10 agreement of the two.
 * Usage: node dist/bench/browser-latency.js --model DIR --export DIR [--histories 100] [--decode exact|graph] [--json out.json]
 * (--decode graph: RPG's graph-constrained decoding in the page; the server still scores exactly, so agreement is not 1.)
 */
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { writeJsonAtomic } from '../src/core/atomic.js';
import { Rng } from '../src/core/rng.js';
import { loadDataset, userSequence } from '../src/data/index.js';
import { readManifest } from '../src/model/manifest.js';
import { buildServer } from '../src/serve/app.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    export: { type: 'string' },
    histories: { type: 'string', default: '100' },
    decode: { type: 'string', default: 'exact' },
    json: { type: 'string' },
  },
});
if (!args.model || !args.export) throw new Error('usage: browser-latency --model DIR --export DIR [--histories N] [--json FILE]');
const ds = loadDataset(readManifest(args.model).dataDir);
const rng = new Rng(7);
const histories = Array.from({ length: Number(args.histories) }, () => {
  const seq = userSequence(ds, rng.int(ds.numUsers));
  return Array.from(seq.subarray(Math.max(0, seq.length - 21), seq.length - 1), (i) => ds.itemIds[i]);
});
const app = await buildServer({ modelDir: args.model, exportDir: args.export });
await app.listen({ host: '127.0.0.1', port: 0 });
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
const context = await chromium.launchPersistentContext('', {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
try {
  const page = await context.newPage();
  await page.goto(base);
  await page.locator('#local').waitFor({ state: 'visible' });
  const result = (await page.evaluate(
    async ([hs, decode]) => {
      type Local = {
        enable: () => Promise<{ loadMs: number }>;
        rank: (h: string[], k: number, decode: string) => Promise<{ items: { id: string }[]; ms: number }>;
      };
      const w = globalThis as unknown as { sidrecLocal: Local };
      const loaded = await w.sidrecLocal.enable();
      const local: number[] = [];
      const server: number[] = [];
      let same = 0;
      for (const h of hs) {
        const t0 = performance.now();
        const mine = await w.sidrecLocal.rank(h, 10, decode);
        local.push(performance.now() - t0);
        const t1 = performance.now();
        const r = await fetch('/v1/recommend', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ history: h, k: 10 }),
        });
        const theirs = (await r.json()) as { items: { id: string }[] };
        server.push(performance.now() - t1);
        if (mine.items.map((i) => i.id).join() === theirs.items.map((i) => i.id).join()) same++;
      }
      return { loadMs: loaded.loadMs, local, server, agreement: same / hs.length };
    },
    [histories, args.decode] as const,
  )) as { loadMs: number; local: number[]; server: number[]; agreement: number };
  const q = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  const out = {
    histories: histories.length,
    decode: args.decode,
    loadMs: result.loadMs,
    local: { p50Ms: q(result.local, 0.5), p99Ms: q(result.local, 0.99) },
    server: { p50Ms: q(result.server, 0.5), p99Ms: q(result.server, 0.99) },
    top10Agreement: result.agreement,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  if (args.json) writeJsonAtomic(args.json, out);
} finally {
  await context.close();
  await app.close();
}
