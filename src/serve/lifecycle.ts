/**
 * Process lifecycle for a listening server: SIGTERM / SIGINT close gracefully (stop accepting, answer 503 to
 * requests arriving on open connections, let queued queries finish, then resolve), with a deadline after which
 * remaining connections are cut; SIGHUP reloads the current model directory in place.
 */
import type { FastifyInstance } from 'fastify';

export interface LifecycleOptions {
  /** Milliseconds to wait for in-flight work before cutting connections. @default 10000 */
  readonly drainMs: number;
  readonly log: (line: string) => void;
}

/** Installs the handlers; resolves when the server has closed (after a signal or `app.close()`). */
export function runUntilClosed(app: FastifyInstance, options: LifecycleOptions): Promise<void> {
  return new Promise((resolve) => {
    let closing = false;
    const close = (signal: string): void => {
      if (closing) return;
      closing = true;
      options.log(`${signal}: draining (at most ${options.drainMs} ms)`);
      const deadline = setTimeout(() => {
        options.log('drain deadline passed: closing remaining connections');
        app.server.closeAllConnections();
      }, options.drainMs);
      deadline.unref();
      app.close().then(
        () => clearTimeout(deadline),
        (error: unknown) => options.log(`close failed: ${String(error)}`),
      );
    };
    const reload = (): void => {
      app.sidrec.reload().then(
        (r) => options.log(`SIGHUP: reloaded ${r.source} (generation ${r.generation}, ${r.numItems} items, ${r.droppedAddedItems} added items dropped)`),
        (error: unknown) => options.log(`SIGHUP: reload failed, still serving the previous model: ${(error as Error).message}`),
      );
    };
    const onTerm = (): void => close('SIGTERM');
    const onInt = (): void => close('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    process.on('SIGHUP', reload);
    app.addHook('onClose', async () => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      process.off('SIGHUP', reload);
      resolve();
    });
  });
}
