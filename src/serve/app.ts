/**
 * The app factory: `buildServer({ modelDir })` loads the model and returns a ready Fastify instance (tests use
 * `app.inject()` or `app.listen({ host: '127.0.0.1', port: 0 })`). It wires the shared context (model state,
 * bounded scheduler, metrics, limits, write guard), the routes, one error handler, metrics on every response,
 * and a close hook that lets queued queries finish (Fastify answers 503 to new requests while closing).
 * Hot reload: `app.sidrec.reload()` or POST /admin/reload reloads the configured model directory (replace its
 * contents, then reload); any other directory is refused, so a write token cannot swap in an arbitrary path.
 * The CLI adds SIGHUP and SIGTERM (lifecycle.ts). Writes are refused unless a token is set or
 * `allowLocalWrites` admits loopback clients (context.ts).
 */
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { SidrecError } from '../core/errors.js';
import { writeGuard, type ModelState, type ReloadResult, type ServeContext } from './context.js';
import { errorHandler, HttpError } from './errors.js';
import { resolveLimits, type ServeLimits } from './limits.js';
import { Metrics } from './metrics.js';
import { openModelDir, type ServingModel } from './model.js';
import { itemRoutes } from './routes-items.js';
import { checkExportFor, exportRoutes } from './routes-export.js';
import { opsRoutes } from './routes-ops.js';
import { recommendRoutes } from './routes-recommend.js';
import { Scheduler } from './scheduler.js';
import { requestSchemas } from './schemas.js';

export interface ServerOptions {
  /** Trained model directory (manifest.json + weights); the only directory reload loads. */
  readonly modelDir: string;
  /** Dataset directory to read the catalogue from instead of the model's own copy (checked against its pin). */
  readonly dataDir?: string;
  /** Bearer token required on write endpoints (POST /v1/items, /admin/reload). */
  readonly token?: string;
  /** Without a token, accept writes from loopback clients (otherwise they are refused with 403). @default false */
  readonly allowLocalWrites?: boolean;
  /** Loading progress lines. @default none */
  readonly log?: (line: string) => void;
  readonly limits?: Partial<ServeLimits>;
  /** How a directory becomes a served model. @default openModelDir (the adapter registered for its kind, with dataDir and log) */
  readonly open?: (dir: string) => ServingModel | Promise<ServingModel>;
  /** A `sidrec export` directory of the served model: the explorer can then rank in the browser (routes-export.ts). */
  readonly exportDir?: string;
  /** Fastify logger setting. @default false */
  readonly logger?: FastifyServerOptions['logger'];
}

/** What the app exposes beyond Fastify: reload, and the live state for the CLI and tests. */
export interface ServerControl {
  /** Reloads the configured model directory; `dir` may only name that one (else E_FORBIDDEN). */
  reload(dir?: string): Promise<ReloadResult>;
  readonly state: ModelState;
  readonly scheduler: Scheduler;
  readonly limits: ServeLimits;
}

declare module 'fastify' {
  interface FastifyInstance {
    sidrec: ServerControl;
  }
}

/** A directory's identity for the reload check: its real path when it exists. */
function canonical(dir: string): string {
  const abs = resolve(dir);
  return existsSync(abs) ? realpathSync(abs) : abs;
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const limits = resolveLimits(options.limits);
  const open =
    options.open ??
    ((dir: string) =>
      openModelDir(dir, { ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}), ...(options.log ? { log: options.log } : {}) }));
  const state: ModelState = { model: await open(options.modelDir), generation: 1 };
  const scheduler = new Scheduler({ maxPending: limits.maxPending, maxBatch: limits.scoreBatch, maxBatchMs: limits.scoreBatchMs, maxWaitMs: limits.maxWaitMs });
  const metrics = new Metrics(() => ({
    pending_queries: { help: 'Recommendation queries queued or running.', value: scheduler.pending },
    items: { help: 'Items the served model can recommend.', value: state.model.catalog.size },
    added_items: { help: 'Items added through the API since the model was loaded.', value: state.model.catalog.addedItems },
    model_generation: { help: 'Model loads so far (1 + successful reloads).', value: state.generation },
  }));

  let reloading: Promise<ReloadResult> | undefined;
  const reload = (dir?: string): Promise<ReloadResult> => {
    if (dir !== undefined && canonical(dir) !== canonical(options.modelDir)) {
      // now: a symlink --model may be repointed
      return Promise.reject(
        new HttpError(
          'E_FORBIDDEN',
          `reload loads only the configured model directory ${options.modelDir}; to serve ${dir}, start sidrec serve --model ${dir} (or replace the contents of ${options.modelDir} and reload)`,
          'modelDir',
        ),
      );
    }
    if (reloading) return Promise.reject(new SidrecError('E_STATE', 'a reload is already in progress'));
    reloading = (async () => {
      const next = await open(options.modelDir);
      const dropped = state.model.catalog.addedItems;
      state.model = next;
      state.generation++;
      return { generation: state.generation, source: next.source, numItems: next.catalog.size, droppedAddedItems: dropped };
    })().finally(() => {
      reloading = undefined;
    });
    return reloading;
  };

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: limits.bodyLimitBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  const ctx: ServeContext = {
    state,
    scheduler,
    metrics,
    limits,
    schemas: requestSchemas(limits),
    reload,
    requireWriteAccess: writeGuard(options.token, options.allowLocalWrites === true),
  };
  app.decorate('sidrec', { reload, state, scheduler, limits } satisfies ServerControl);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request) => {
    throw new HttpError('E_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`);
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.observe(request.method, request.routeOptions.url ?? '(unmatched)', reply.statusCode, reply.elapsedTime / 1000);
    if (reply.statusCode === 503) metrics.shed();
  });
  // While closing, answer in-flight requests with `Connection: close`, so their keep-alive sockets end with
  // the response instead of holding close() open until the keep-alive timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onClose', async () => {
    await scheduler.idle();
    metrics.stop();
  });
  recommendRoutes(app, ctx);
  itemRoutes(app, ctx);
  opsRoutes(app, ctx);
  if (options.exportDir !== undefined) checkExportFor(options.exportDir, state.model.recommender.kind, state.model.recommender.numItems);
  exportRoutes(app, options.exportDir);
  await app.ready();
  return app;
}
