/**
 * `sidrec serve`: serves a trained model over HTTP (recommendations, item search and adds, metrics, OpenAPI,
 * the explorer page at /) until SIGTERM / SIGINT; SIGHUP reloads the model directory. Prints the listening
 * address on stdout as `listening on http://HOST:PORT` (port 0 picks a free one); loading progress on stderr.
 * Safe defaults: writes are refused unless a token is set (or --allow-local-writes, loopback only), and reload
 * only ever loads --model.
 */
import { SidrecError } from '../core/errors.js';
import { buildServer } from '../serve/app.js';
import { DEFAULT_SERVE_LIMITS as L } from '../serve/limits.js';
import { runUntilClosed } from '../serve/lifecycle.js';
import { defineCommand } from './command.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export const serveCommand = defineCommand({
  spec: {
    name: 'serve',
    summary: 'Serve a trained model over HTTP (API, metrics, explorer page)',
    details: `Examples:
  sidrec serve --model runs/beauty/sasrec                 (http://127.0.0.1:8080, explorer at /)
  SIDREC_TOKEN=secret sidrec serve --model DIR --port 0   (writes need "Authorization: Bearer secret")
  sidrec serve --model DIR --allow-local-writes           (writes without a token, from loopback clients only)
  sidrec serve --model DIR --data runs/shop/data-moved    (read the catalogue from a moved dataset)
Endpoints: POST /v1/recommend, POST /v1/recommend/batch, GET /v1/items?q=, GET /v1/items/:id, POST /v1/items,
GET /v1/model, GET /healthz, GET /metrics, GET /openapi.json, POST /admin/reload.
Safe defaults: the write endpoints (POST /v1/items, POST /admin/reload) answer 403 unless --token (or
SIDREC_TOKEN) is set, or --allow-local-writes admits clients on the loopback interface without one (refused
with a non-loopback --host). Reload, by POST /admin/reload or SIGHUP, loads only --model: a body naming another
directory is refused with 403; to deploy a new model, replace the contents of --model and reload.
The model directory carries its catalogue and SIDs (sidrec train copies them), so it serves after being moved;
--data reads the catalogue from a dataset directory instead, refused unless it is the one the model was trained
on (its fingerprint is pinned in manifest.json). Directories trained by older sidrec versions need the dataset
at the recorded path, or --data.`,
    options: {
      model: { type: 'string', description: 'Trained model directory (from sidrec train)' },
      data: { type: 'string', description: "Dataset directory for the catalogue (default: the model directory's own copy); must be the one trained on" },
      export: { type: 'string', description: 'A sidrec export of this model: the explorer can then rank in the browser (needs npm install onnxruntime-web)' },
      host: { type: 'string', description: 'Address to listen on', default: '127.0.0.1' },
      port: { type: 'number', integer: true, min: 0, max: 65535, description: 'Port (0 = any free port)', default: 8080 },
      token: { type: 'string', description: 'Bearer token for write endpoints (default: $SIDREC_TOKEN; none = writes refused)' },
      'allow-local-writes': {
        type: 'boolean',
        description: 'Without a token, accept writes from loopback clients (only with a loopback --host)',
        default: false,
      },
      'max-pending': { type: 'number', integer: true, min: 1, description: 'Queued + running queries before shedding with 503', default: L.maxPending },
      'max-wait-ms': { type: 'number', integer: true, min: 1, description: 'Queue wait after which a query is shed with 503', default: L.maxWaitMs },
      'score-batch': { type: 'number', integer: true, min: 1, description: 'Queries scored per model call', default: L.scoreBatch },
      'score-batch-ms': {
        type: 'number',
        integer: true,
        min: 1,
        description: 'Estimated ms of work per model call (slow models score fewer queries per call)',
        default: L.scoreBatchMs,
      },
      'max-k': { type: 'number', integer: true, min: 1, description: 'Largest k', default: L.maxK },
      'max-history': { type: 'number', integer: true, min: 1, description: 'Most history items per query', default: L.maxHistory },
      'body-limit': { type: 'number', integer: true, min: 1, description: 'Largest request body in bytes', default: L.bodyLimitBytes },
      'drain-ms': { type: 'number', integer: true, min: 0, description: 'Graceful-shutdown deadline', default: 10_000 },
      log: { type: 'boolean', description: 'Log every request (JSON lines on stdout)', default: false },
    },
  },
  async run(o) {
    if (!o.model) throw new SidrecError('E_CONFIG', 'missing --model (a model directory from sidrec train)', { field: 'model' });
    const token = o.token ?? process.env.SIDREC_TOKEN;
    const allowLocalWrites = o['allow-local-writes'] && !token;
    if (allowLocalWrites && !LOOPBACK_HOSTS.has(o.host)) {
      throw new SidrecError(
        'E_CONFIG',
        `--allow-local-writes needs a loopback --host (127.0.0.1, ::1, localhost), not "${o.host}"; set --token to accept writes on other interfaces`,
        { field: 'allow-local-writes' },
      );
    }
    const log = (line: string): void => void process.stderr.write(`sidrec serve: ${line}\n`);
    const app = await buildServer({
      modelDir: o.model,
      ...(o.data !== undefined ? { dataDir: o.data } : {}),
      ...(o.export !== undefined ? { exportDir: o.export } : {}),
      ...(token ? { token } : {}),
      allowLocalWrites,
      log,
      logger: o.log,
      limits: {
        maxPending: o['max-pending'],
        maxWaitMs: o['max-wait-ms'],
        scoreBatch: o['score-batch'],
        scoreBatchMs: o['score-batch-ms'],
        maxK: o['max-k'],
        maxHistory: o['max-history'],
        bodyLimitBytes: o['body-limit'],
      },
    });
    const closed = runUntilClosed(app, { drainMs: o['drain-ms'], log });
    const address = await app.listen({ host: o.host, port: o.port });
    const { model } = app.sidrec.state;
    if (!token)
      log(
        allowLocalWrites
          ? 'no --token: write endpoints accept loopback clients only (--allow-local-writes)'
          : 'no --token: write endpoints (POST /v1/items, /admin/reload) answer 403; set --token to enable them',
      );
    process.stdout.write(`listening on ${address} (${model.recommender.kind}, ${model.catalog.size} items)\n`);
    await closed;
    log('stopped');
  },
});
