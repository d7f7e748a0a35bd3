/**
 * How the CLI reports a failure: every error becomes a SidrecError with a stable code (Node's file-system errors
 * by their errno, anything else E_INTERNAL) and prints as one line, `sidrec <command> [CODE]: message`; the stack
 * trace only when SIDREC_DEBUG=1.
 */
import { SidrecError, type ErrorCode } from '../core/errors.js';

/** Node's file-system errors on a path the user gave become coded errors naming the path. */
const SYSTEM_CODES: Readonly<Record<string, [ErrorCode, string]>> = {
  ENOENT: ['E_NOT_FOUND', 'no such file or directory'],
  EEXIST: ['E_CONFIG', 'already exists'],
  ENOTDIR: ['E_CONFIG', 'a path component is a file, not a directory'],
  EISDIR: ['E_CONFIG', 'is a directory, not a file'],
  EACCES: ['E_CONFIG', 'permission denied'],
  EPERM: ['E_CONFIG', 'operation not permitted'],
  EROFS: ['E_CONFIG', 'read-only file system'],
  ENOSPC: ['E_INTERNAL', 'no space left on the device'],
};

export function asSidrecError(error: unknown): SidrecError {
  if (error instanceof SidrecError) return error;
  const e = error as NodeJS.ErrnoException | undefined;
  const known = typeof e?.code === 'string' ? SYSTEM_CODES[e.code] : undefined;
  if (known !== undefined) {
    const [code, what] = known;
    return new SidrecError(code, `${e?.syscall ? `${e.syscall}: ` : ''}${what} (${e?.code})`, e?.path ? { file: e.path } : {}, { cause: error });
  }
  const message = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  return new SidrecError('E_INTERNAL', `unexpected error: ${message}`, {}, { cause: error });
}

/** One line (the message's own line breaks kept only for coded errors); the stack too under SIDREC_DEBUG=1. */
export function errorLine(prefix: string, error: unknown): string {
  const coded = asSidrecError(error);
  let message = coded.message;
  if (!(error instanceof SidrecError)) {
    message = message.replace(/\s*\n\s*/g, '; ');
    if (message.length > 500) message = `${message.slice(0, 500)}…`;
  }
  const debug = process.env.SIDREC_DEBUG === '1';
  const hint = coded.code === 'E_INTERNAL' && !debug ? ' (SIDREC_DEBUG=1 shows the stack trace)' : '';
  const stack = debug && error instanceof Error && error.stack ? `\n${error.stack}` : '';
  return `${prefix} [${coded.code}]: ${message}${hint}${stack}`;
}
