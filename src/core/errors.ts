/**
 * One error base class with stable codes. The CLI maps a code to an exit code and the HTTP layer to a status,
 * so callers branch on `code`, never on message text. Messages name the file, line and field where known.
 */

export type ErrorCode =
  | 'E_INPUT' // malformed user input: a file, a line, a field
  | 'E_CONFIG' // bad option or config value
  | 'E_NOT_FOUND' // a file, artifact or id that does not exist
  | 'E_SHAPE' // tensor shapes that do not fit
  | 'E_STATE' // an artifact or checkpoint that does not match what reads it
  | 'E_BACKEND' // a kernel provider that could not load or run
  | 'E_INTERRUPTED' // stopped by SIGINT / SIGTERM (work saved where it could be: the message says how to continue)
  | 'E_INTERNAL';

export interface ErrorLocation {
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
}

export class SidrecError extends Error {
  readonly code: ErrorCode;
  readonly location: ErrorLocation;

  constructor(code: ErrorCode, message: string, location: ErrorLocation = {}, options?: { cause?: unknown }) {
    super(formatMessage(message, location), options);
    this.name = 'SidrecError';
    this.code = code;
    this.location = location;
  }
}

function formatMessage(message: string, { file, line, field }: ErrorLocation): string {
  const where = [file, line === undefined ? undefined : `line ${line}`, field === undefined ? undefined : `field "${field}"`]
    .filter((part) => part !== undefined)
    .join(', ');
  return where === '' ? message : `${where}: ${message}`;
}

/** Malformed input at a known place: `inputError('not an integer: "x1"', { file, line, field: 'item_id' })`. */
export function inputError(message: string, location: ErrorLocation = {}): SidrecError {
  return new SidrecError('E_INPUT', message, location);
}

/** Exit code for the CLI: 2 for the user's input or config, 130 when interrupted (as a shell reports Ctrl-C), 1 otherwise. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof SidrecError && (error.code === 'E_INPUT' || error.code === 'E_CONFIG' || error.code === 'E_NOT_FOUND')) return 2;
  if (error instanceof SidrecError && error.code === 'E_INTERRUPTED') return 130;
  return 1;
}
