/** A JSON file read whole: a missing file or one that is not JSON is an error naming the file. */
import { readFileSync } from 'node:fs';
import { SidrecError } from './errors.js';

export function readJsonFile(file: string, missing = 'no such file'): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_INPUT';
    throw new SidrecError(code, code === 'E_NOT_FOUND' ? missing : `not JSON: ${(error as Error).message}`, { file });
  }
}
