/**
 * `sidrec serve`: serves a trained model over HTTP (recommendations, item search and adds, metrics, OpenAPI,
 * the explorer page at /) until SIGTERM / SIGINT; SIGHUP reloads the model directory. Prints the listening
 * address on stdout as `listening on http://HOST:PORT` (port 0 picks a free one).
 */
import { SidrecError } from '../core/errors.js';
import { buildServer } from '../serve/app.js';
import { DEFAULT_SERVE_LIMITS as L } from '../serve/limits.js';
import { runUntilClosed } from '../serve/lifecycle.js';
import { defineCommand } from './command.js';

export const serveCommand = defineCommand({
  spec: {
    name: 'serve',
    summary: 'Serve a trained model over HTTP (API, metrics, explorer page)',
    details: `Examples:
  sidrec serve --model runs/beauty/sasrec                 (http://127.0.0.1:8080, explorer at /)
  SIDREC_TOKEN=secret sidrec serve --model DIR --port 0   (writes need "Authorization: Bearer secret")
Endpoints: POST /v1/recommend, POST /v1/recommend/batch, GET /v1/items?q=, GET /v1/items/:id, POST /v1/items,
GET /v1/model, GET /healthz, GET /metrics, GET /openapi.json, POST /admin/reload. SIGHUP reloads --model.`,
    options: {
      model: { type: 'string', description: 'Trained model directory (from sidrec train)' },
      host: { type: 'string', description: 'Address to listen on', default: '127.0.0.1' },
      port: { type: 'number', integer: true, min: 0, max: 65535, description: 'Port (0 = any free port)', default: 8080 },
      token: { type: 'string', description: 'Bearer token for write endpoints (default: $SIDREC_TOKEN; none = writes open)' },
      'max-pending': { type: 'number', integer: true, min: 1, description: 'Queued + running queries before shedding with 503', default: L.maxPending },
      'max-wait-ms': { type: 'number', integer: true, min: 1, description: 'Queue wait after which a query is shed with 503', default: L.maxWaitMs },
      'score-batch': { type: 'number', integer: true, min: 1, description: 'Queries scored per model call', default: L.scoreBatch },
      'score-batch-ms': { type: 'number', integer: true, min: 1, description: 'Estimated ms of work per model call (slow models score fewer queries per call)', default: L.scoreBatchMs },
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
    const app = await buildServer({
      modelDir: o.model,
      ...(token ? { token } : {}),
      logger: o.log,
      limits: { maxPending: o['max-pending'], maxWaitMs: o['max-wait-ms'], scoreBatch: o['score-batch'], scoreBatchMs: o['score-batch-ms'], maxK: o['max-k'], maxHistory: o['max-history'], bodyLimitBytes: o['body-limit'] },
    });
    const log = (line: string): void => void process.stderr.write(`sidrec serve: ${line}\n`);
    const closed = runUntilClosed(app, { drainMs: o['drain-ms'], log });
    const address = await app.listen({ host: o.host, port: o.port });
    const { model } = app.sidrec.state;
    if (!token) log('no --token: write endpoints (POST /v1/items, /admin/reload) are open to anyone who can connect');
    process.stdout.write(`listening on ${address} (${model.recommender.kind}, ${model.catalog.size} items)\n`);
    await closed;
    log('stopped');
  },
});
