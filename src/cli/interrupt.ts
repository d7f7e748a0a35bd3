/**
 * Ctrl-C and SIGTERM for long-running commands: the first one asks the work to stop at its next safe point (training:
 * the next batch boundary, with a checkpoint to resume from) through an AbortSignal; a second Ctrl-C quits at once.
 */
export interface Interrupt {
  readonly signal: AbortSignal;
  /** The signal that asked to stop ('SIGINT' or 'SIGTERM'), once one has. */
  readonly reason: () => string | undefined;
  /** Removes the handlers (the process's default behaviour returns). */
  dispose(): void;
}

export function interruptOnSignals(what: string, quiet = false): Interrupt {
  const controller = new AbortController();
  let reason: string | undefined;
  const onSignal = (name: NodeJS.Signals): void => {
    if (reason !== undefined) {
      if (name === 'SIGINT') process.exit(130); // asked twice: quit now
      return;
    }
    reason = name;
    if (!quiet) process.stderr.write(`\n${name}: stopping ${what} at the next safe point (Ctrl-C again quits at once)\n`);
    controller.abort(name);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    reason: () => reason,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
