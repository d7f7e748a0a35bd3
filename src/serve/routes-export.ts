/**
 * Ranking in the browser: with `sidrec serve --export DIR` (a `sidrec export` directory of the served model), the
 * explorer can download the ONNX export and run it locally with onnxruntime-web (WebAssembly, one thread), beside
 * the server's ranking. GET /v1/export describes it (404 without one), GET /export/{model.onnx,items.json} serve its
 * files, GET /vendor/sidrec-browser.js the ranking module (browser/local-ranker.ts, bundled), GET /vendor/ort/{file}
 * serves onnxruntime-web's browser build from this install (404 when the optional
 * package is not installed: `npm install onnxruntime-web`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { SidrecError } from '../core/errors.js';
import { TRANSITIONS_EXPORT_FILE } from '../model/transition-counts.js';
import { GRANK_COUNTS_FILE } from '../decode/grank-runtime.js';

/** The files of onnxruntime-web's dist the page needs (one-thread WebAssembly build). */
const ORT_FILES: Readonly<Record<string, string>> = Object.freeze({
  'ort.wasm.min.js': 'application/javascript',
  'ort-wasm-simd-threaded.mjs': 'application/javascript',
  'ort-wasm-simd-threaded.wasm': 'application/wasm',
});
const EXPORT_FILES: Readonly<Record<string, string>> = Object.freeze({
  'model.onnx': 'application/octet-stream',
  'items.json': 'application/json',
  'graph.bin': 'application/octet-stream',
  'tokens.bin': 'application/octet-stream',
  'decoder.onnx': 'application/octet-stream',
  'sids.bin': 'application/octet-stream',
  [TRANSITIONS_EXPORT_FILE]: 'application/octet-stream',
  [GRANK_COUNTS_FILE]: 'application/octet-stream',
});

/** onnxruntime-web's dist folder in this install (its package.json is not exported, its main entry lives in dist/). */
export function ortWebDist(): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  } catch {
    return undefined;
  }
}

/** This install's browser bundle (dist/browser/sidrec-browser.js, built by npm run build:browser), if built. */
export function browserBundle(): string | undefined {
  const path = fileURLToPath(new URL('../../browser/sidrec-browser.js', import.meta.url)); // dist/src/serve -> dist/browser
  return existsSync(path) ? path : undefined;
}

/** Refuses an export of another model: its kind and item count must be the served model's. */
export function checkExportFor(exportDir: string, kind: string, numItems: number): void {
  const path = join(exportDir, 'export.json');
  if (!existsSync(path))
    throw new SidrecError('E_NOT_FOUND', 'not a sidrec export (no export.json; make one with sidrec export)', { file: exportDir, field: 'export' });
  const description = JSON.parse(readFileSync(path, 'utf8')) as { kind?: string; numItems?: number };
  if (description.kind !== kind || description.numItems !== numItems) {
    throw new SidrecError(
      'E_CONFIG',
      `the export is of a ${description.kind} model with ${description.numItems} items, the served model is ${kind} with ${numItems}`,
      { file: path, field: 'export' },
    );
  }
}

export function exportRoutes(app: FastifyInstance, exportDir: string | undefined): void {
  const ort = ortWebDist();
  app.get('/v1/export', async () => {
    if (!exportDir) throw new SidrecError('E_NOT_FOUND', 'no export is served (sidrec serve --export DIR, from sidrec export)');
    const description = JSON.parse(readFileSync(join(exportDir, 'export.json'), 'utf8')) as Record<string, unknown>;
    return { ...description, runtime: ort ? '/vendor/ort/' : null };
  });
  app.get<{ Params: { file: string } }>('/export/:file', async (request, reply) => {
    const type = EXPORT_FILES[request.params.file];
    if (!exportDir || !type || !existsSync(join(exportDir, request.params.file)))
      throw new SidrecError('E_NOT_FOUND', `no export file "${request.params.file}"`);
    reply.type(type);
    return readFileSync(join(exportDir, request.params.file));
  });
  app.get('/vendor/sidrec-browser.js', async (_request, reply) => {
    const path = browserBundle();
    if (!path) throw new SidrecError('E_NOT_FOUND', 'the browser bundle is not built (npm run build:browser)');
    reply.type('application/javascript');
    return readFileSync(path);
  });
  app.get<{ Params: { file: string } }>('/vendor/ort/:file', async (request, reply) => {
    const type = ORT_FILES[request.params.file];
    const path = ort && type ? join(ort, request.params.file) : undefined;
    if (!path || !existsSync(path))
      throw new SidrecError('E_NOT_FOUND', `onnxruntime-web file "${request.params.file}" is not available (npm install onnxruntime-web)`);
    reply.type(type);
    reply.header('cache-control', 'public, max-age=86400');
    return readFileSync(path);
  });
}
