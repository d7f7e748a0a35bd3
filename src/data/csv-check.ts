/**
 * The CSV/TSV side of reading a log with DuckDB: the header (read here, so DuckDB gets explicit columns and no
 * sniffing) and, when DuckDB rejects the file, a streaming RFC 4180 pass of our own that finds the first bad
 * record and names its line and column. DuckDB's own message is a dump of reader options that points at line 1
 * whenever its sniffer fails (a ragged row, a truncated last line or mixed line endings in the first ~20k rows)
 * and cannot locate mixed line endings at all.
 * The pass mirrors DuckDB's strict reader: blank lines are skipped, a quote inside an unquoted field is a literal
 * character, '\r\n' and '\n' ends may not be mixed, and a record may not exceed MAX_CSV_LINE_BYTES.
 * It runs byte by byte over 1 MiB chunks and allocates nothing per byte or per field.
 */
import { createReadStream } from 'node:fs';
import { inputError, type SidrecError } from '../core/errors.js';
import { readCsvRecords } from './csv.js';

/** Longest record (bytes, line end excluded) read; passed to DuckDB as `max_line_size` so both agree. */
export const MAX_CSV_LINE_BYTES = 2_000_000;

/**
 * Column names from the first record, made unique the way DuckDB's sniffer names them (empty -> `column<k>`,
 * a repeat -> `name_1`), so `--user-column` etc. mean what they meant before the header was read here.
 */
export async function readCsvHeader(path: string, delimiter: string): Promise<string[]> {
  let header: readonly string[] | undefined;
  for await (const record of readCsvRecords(path, delimiter)) {
    header = record.fields;
    break;
  }
  if (header === undefined) throw inputError('empty file: no header line', { file: path, line: 1 });
  const seen = new Set<string>();
  return header.map((raw, k) => {
    let name = raw.trim() === '' ? `column${k}` : raw;
    for (let n = 1; seen.has(name); n++) name = `${raw}_${n}`;
    seen.add(name);
    return name;
  });
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/**
 * The first malformed record of a delimiter-separated file as an E_INPUT error naming file, line and column,
 * or undefined when the pass finds none. `header` names the columns (from `readCsvHeader`).
 */
export async function findCsvProblem(path: string, delimiter: string, header: readonly string[]): Promise<SidrecError | undefined> {
  const delim = delimiter.charCodeAt(0);
  const columns = header.length;
  const fieldName = (k: number): string => (k < columns ? header[k] : `(column ${k + 1}; the header has ${columns})`);
  let line = 1; // physical line of the current byte
  let recordLine = 1; // line the current record started on
  let field = 0; // index of the current field in its record
  let recordBytes = 0;
  let fieldEmpty = true; // nothing read yet in this field (a quote here opens a quoted field)
  let inQuotes = false;
  let afterQuote = false; // just closed a quoted field: a delimiter, a line end or a doubled quote may follow
  let pendingCR = false; // a '\r' whose '\n' may be in the next chunk
  let firstRecord = true;
  let ending: 'LF' | 'CRLF' | undefined; // line ends of the header line
  let skipBom = true;
  let problem: SidrecError | undefined;

  /** Ends a record at a line end (`crlf`) or at the end of the file (`crlf` undefined). */
  const endRecord = (crlf: boolean | undefined): SidrecError | undefined => {
    const blank = field === 0 && fieldEmpty && !afterQuote;
    if (crlf !== undefined) {
      const style = crlf ? 'CRLF' : 'LF';
      if (ending === undefined) ending = style;
      else if (style !== ending) {
        return inputError(
          `mixed line endings: this line ends with ${style === 'CRLF' ? '\\r\\n (Windows)' : '\\n (Unix)'} but the header with ${ending === 'CRLF' ? '\\r\\n (Windows)' : '\\n (Unix)'}; convert the file to one style (e.g. dos2unix or unix2dos)`,
          { file: path, line, field: fieldName(blank ? columns - 1 : field) },
        );
      }
    }
    if (!blank) {
      const found = field + 1;
      if (firstRecord) firstRecord = false;
      else if (found > columns) {
        return inputError(`${found} fields where the header has ${columns} (an unquoted delimiter in a value?)`, {
          file: path,
          line: recordLine,
          field: fieldName(columns),
        });
      } else if (found < columns) {
        const hint = crlf === undefined ? ' (truncated last line?)' : '';
        return inputError(`${found} field(s) where the header has ${columns}: ${header.join(', ')}${hint}`, {
          file: path,
          line: recordLine,
          field: fieldName(found),
        });
      }
    }
    field = 0;
    recordBytes = 0;
    fieldEmpty = true;
    afterQuote = false;
    return undefined;
  };

  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const raw of stream) {
      const chunk = raw as Buffer;
      let k = 0;
      if (skipBom) {
        skipBom = false;
        if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) k = 3;
      }
      for (; k < chunk.length; k++) {
        const b = chunk[k];
        if (pendingCR) {
          pendingCR = false;
          if (b === LF) {
            problem = endRecord(true);
            if (problem) return problem;
            line++;
            recordLine = line;
            continue;
          }
          return inputError('a carriage return (\\r) not followed by a line feed (\\n) outside quotes', { file: path, line, field: fieldName(field) });
        }
        if (inQuotes) {
          if (b === QUOTE) {
            inQuotes = false;
            afterQuote = true;
          } else if (b === LF) line++;
          recordBytes++;
        } else if (b === delim) {
          field++;
          fieldEmpty = true;
          afterQuote = false;
          recordBytes++;
        } else if (b === LF) {
          problem = endRecord(false);
          if (problem) return problem;
          line++;
          recordLine = line;
          continue;
        } else if (b === CR) {
          pendingCR = true;
          continue;
        } else if (b === QUOTE && (fieldEmpty || afterQuote)) {
          inQuotes = true; // opens a quoted field, or a doubled quote inside one
          afterQuote = false;
          fieldEmpty = false;
          recordBytes++;
        } else if (afterQuote) {
          return inputError('characters after the closing quote of a quoted field (double a quote inside a quoted value: "")', {
            file: path,
            line,
            field: fieldName(field),
          });
        } else {
          fieldEmpty = false;
          recordBytes++;
        }
        if (recordBytes > MAX_CSV_LINE_BYTES) {
          const why = inQuotes ? ' (a quoted field that never closes?)' : '';
          return inputError(`record longer than ${MAX_CSV_LINE_BYTES} bytes${why}`, { file: path, line: recordLine, field: fieldName(field) });
        }
      }
    }
    if (pendingCR) return inputError('a carriage return (\\r) at the end of the file without a line feed (\\n)', { file: path, line, field: fieldName(field) });
    if (inQuotes) return inputError('unterminated quoted field (truncated last line?)', { file: path, line: recordLine, field: fieldName(field) });
    return endRecord(undefined);
  } finally {
    stream.destroy();
  }
}
