/**
 * A small RFC 4180 CSV/TSV record reader over `readLines`, for item catalogues: quoted fields, doubled quotes,
 * quoted newlines. Each record carries the line it starts on so errors can name it. (Interaction logs go
 * through DuckDB instead; see `log.ts`.)
 */
import { inputError } from '../core/errors.js';
import { readLines } from './lines.js';

export interface CsvRecord {
  readonly line: number;
  readonly fields: readonly string[];
}

/** Yields records (the header too) of a delimiter-separated file. Blank lines are skipped. */
export async function* readCsvRecords(path: string, delimiter = ','): AsyncGenerator<CsvRecord> {
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let startLine = 0;
  for await (const { line, text } of readLines(path)) {
    if (!inQuotes) {
      if (text === '') continue;
      startLine = line;
    } else {
      field += '\n';
    }
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (inQuotes) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i++;
          } else inQuotes = false;
        } else field += c;
      } else if (c === '"' && field === '') inQuotes = true;
      else if (c === delimiter) {
        fields.push(field);
        field = '';
      } else field += c;
    }
    if (!inQuotes) {
      fields.push(field);
      yield { line: startLine, fields };
      fields = [];
      field = '';
    }
  }
  if (inQuotes) throw inputError('unterminated quoted field (truncated record)', { file: path, line: startLine });
}
