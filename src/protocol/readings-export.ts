import type { LedgerEntry } from './request-ledger.js';
import type { RequestFacts, UsageFrame, UsageLevel, UsageReading, UsageSource } from './usage-readings.js';

/**
 * CSV and JSON export of readings and requests, and the import that reads them back: importing an
 * export gives the same figures, field for field. The frame a reading was read from (`message`) is
 * not exported: a metrics row carries a preview of the prompt, which must not leave the page in a
 * file. Columns (README, "Export"): see `READING_COLUMNS` and `REQUEST_COLUMNS`.
 */

/** A reading as exported: every field but `message`. */
export type ExportedReading = Omit<UsageReading, 'message'>;
/** A request as exported. */
export type ExportedRequest = LedgerEntry;
export type ExportFormat = 'csv' | 'json';

type Cell = string | number | boolean | null;
type Kind = 'number' | 'string' | 'boolean';

/** Column, kind, and where it lives in a reading or request. */
const REQUEST_FIELDS: readonly (readonly [column: string, kind: Kind, field: keyof RequestFacts])[] = [
  ['model', 'string', 'model'],
  ['status', 'number', 'status'],
  ['ttft_ms', 'number', 'ttftMs'],
  ['duration_ms', 'number', 'durationMs'],
  ['started_at', 'number', 'startedAt'],
  ['ended_at', 'number', 'endedAt'],
  ['prompt_tokens', 'number', 'promptTokens'],
  ['completion_tokens', 'number', 'completionTokens'],
  ['cached_tokens', 'number', 'cachedTokens'],
  ['request_estimated', 'boolean', 'estimated'],
];
const READING_FIELDS: readonly (readonly [string, Kind, keyof ExportedReading])[] = [
  ['time', 'number', 'time'],
  ['session_id', 'string', 'sessionId'],
  ['source', 'string', 'source'],
  ['tokens', 'number', 'tokens'],
  ['window', 'number', 'window'],
  ['percentage', 'number', 'percentage'],
  ['level', 'string', 'level'],
  ['metric_id', 'number', 'metricId'],
  ['estimated', 'boolean', 'estimated'],
  ['origin', 'string', 'origin'],
  ['frame', 'string', 'frame'],
];
const ENTRY_FIELDS: readonly (readonly [string, Kind, keyof LedgerEntry])[] = [
  ['time', 'number', 'time'],
  ['session_id', 'string', 'sessionId'],
  ['metric_id', 'number', 'metricId'],
  ['failed', 'boolean', 'failed'],
];

/** Reading columns, in order. `time_iso` (UTC) is for people; import reads `time` (epoch ms). */
export const READING_COLUMNS: readonly string[] = [...READING_FIELDS.map((f) => f[0]), 'time_iso', ...REQUEST_FIELDS.map((f) => f[0])];
/** Request columns, in order. */
export const REQUEST_COLUMNS: readonly string[] = [...ENTRY_FIELDS.map((f) => f[0]), 'time_iso', ...REQUEST_FIELDS.map((f) => f[0])];

const FORMAT = { readings: 'kimi-realtime/readings', requests: 'kimi-realtime/requests' } as const;

export class ImportProblem extends Error {}

const iso = (t: number): string => (Number.isFinite(t) ? new Date(t).toISOString() : '');

function readingRow(r: UsageReading | ExportedReading): Record<string, Cell> {
  const row: Record<string, Cell> = {};
  for (const [column, , field] of READING_FIELDS) row[column] = r[field] as Cell;
  row['time_iso'] = iso(r.time);
  for (const [column, , field] of REQUEST_FIELDS) row[column] = r.request ? r.request[field] : null;
  return row;
}

function requestRow(e: LedgerEntry): Record<string, Cell> {
  const row: Record<string, Cell> = {};
  for (const [column, , field] of ENTRY_FIELDS) row[column] = e[field] as Cell;
  row['time_iso'] = iso(e.time);
  for (const [column, , field] of REQUEST_FIELDS) row[column] = e.request[field];
  return row;
}

/** Readings as CSV (RFC 4180, header line, CRLF) or JSON (`{ format, version, rows }`). */
export function exportReadings(readings: readonly (UsageReading | ExportedReading)[], format: ExportFormat): string {
  return serialize(readings.map(readingRow), READING_COLUMNS, FORMAT.readings, format);
}

/** Requests (the ledger of `<kimi-model-table>` / `<kimi-cost-meter>`) as CSV or JSON. */
export function exportRequests(entries: readonly LedgerEntry[], format: ExportFormat): string {
  return serialize(entries.map(requestRow), REQUEST_COLUMNS, FORMAT.requests, format);
}

function serialize(rows: Record<string, Cell>[], columns: readonly string[], name: string, format: ExportFormat): string {
  if (format === 'json') return JSON.stringify({ format: name, version: 1, rows });
  const lines = [columns.join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvCell(row[c] ?? null)).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** A text cell a spreadsheet would run as a formula gets a leading `'` (removed again on import). */
const FORMULA = /^[=+\-@\t\r]/;

function csvCell(value: Cell): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const text = FORMULA.test(value) || value.startsWith("'") ? `'${value}` : value;
  return /[",\r\n]/.test(text) || text === '' ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 records; a quoted empty field is the empty string, an unquoted one is null. */
function parseCsv(text: string): (string | null)[][] {
  const records: (string | null)[][] = [];
  let record: (string | null)[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    let value: string | null;
    if (text[i] === '"') {
      let out = '';
      i++;
      for (;;) {
        if (i >= n) throw new ImportProblem('unterminated quoted field');
        const c = text[i]!;
        if (c === '"') {
          if (text[i + 1] === '"') {
            out += '"';
            i += 2;
          } else {
            i++;
            break;
          }
        } else {
          out += c;
          i++;
        }
      }
      value = out;
    } else {
      let j = i;
      while (j < n && text[j] !== ',' && text[j] !== '\r' && text[j] !== '\n') j++;
      value = j > i ? text.slice(i, j) : null;
      i = j;
    }
    record.push(value);
    if (text[i] === ',') {
      i++;
      if (i >= n) record.push(null);
      continue;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    records.push(record);
    record = [];
  }
  if (record.length) records.push(record);
  return records;
}

function cellValue(raw: unknown, kind: Kind, column: string, csv: boolean): Cell {
  if (raw === null || raw === undefined) return null;
  if (!csv) {
    if (typeof raw !== kind) throw new ImportProblem(`${column}: a ${kind} or null expected`);
    return raw as Cell;
  }
  const text = raw as string;
  if (kind === 'number') {
    const n = Number(text);
    if (!text.trim() || !Number.isFinite(n)) throw new ImportProblem(`${column}: "${text.slice(0, 40)}" is not a number`);
    return n;
  }
  if (kind === 'boolean') {
    if (text !== 'true' && text !== 'false') throw new ImportProblem(`${column}: true or false expected`);
    return text === 'true';
  }
  return text.startsWith("'") && (FORMULA.test(text.slice(1)) || text[1] === "'") ? text.slice(1) : text;
}

/** Rows of an export, as objects keyed by column (values still raw: text for CSV). */
function rowsOf(text: string, columns: readonly string[], name: string): { rows: Record<string, unknown>[]; csv: boolean } {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new ImportProblem('not valid JSON');
    }
    const body = parsed as { format?: unknown; version?: unknown; rows?: unknown };
    if (body.format !== name || body.version !== 1 || !Array.isArray(body.rows)) throw new ImportProblem(`not a ${name} export (version 1)`);
    return { rows: body.rows as Record<string, unknown>[], csv: false };
  }
  const [header, ...records] = parseCsv(text);
  if (!header || header.join(',') !== columns.join(',')) throw new ImportProblem(`the header is not ${columns.join(',')}`);
  return {
    rows: records.map((record, i) => {
      if (record.length !== columns.length) throw new ImportProblem(`line ${i + 2}: ${record.length} fields, ${columns.length} expected`);
      return Object.fromEntries(columns.map((c, j) => [c, record[j]]));
    }),
    csv: true,
  };
}

function requestFrom(row: Record<string, unknown>, csv: boolean): RequestFacts {
  const request: Record<string, Cell> = {};
  for (const [column, kind, field] of REQUEST_FIELDS) request[field] = cellValue(row[column], kind, column, csv);
  request['estimated'] = request['estimated'] === true;
  return request as unknown as RequestFacts;
}

/** Reads back `exportReadings` output (CSV or JSON); throws `ImportProblem` naming what is wrong. */
export function importReadings(text: string): ExportedReading[] {
  const { rows, csv } = rowsOf(text, READING_COLUMNS, FORMAT.readings);
  return rows.map((row) => {
    if (!row || typeof row !== 'object') throw new ImportProblem('a row is not an object');
    const out: Record<string, unknown> = {};
    for (const [column, kind, field] of READING_FIELDS) out[field] = cellValue(row[column], kind, column, csv);
    if (typeof out['time'] !== 'number' || typeof out['tokens'] !== 'number' || typeof out['source'] !== 'string')
      throw new ImportProblem('time, tokens and source are required');
    out['estimated'] = out['estimated'] === true;
    // A reading without request facts (log frames) exported every request column empty.
    const hasRequest = REQUEST_FIELDS.some(([column]) => row[column] !== null && row[column] !== undefined);
    out['request'] = hasRequest ? requestFrom(row, csv) : null;
    return out as unknown as ExportedReading & { source: UsageSource; level: UsageLevel; frame: UsageFrame };
  });
}

/** Reads back `exportRequests` output (CSV or JSON). */
export function importRequests(text: string): ExportedRequest[] {
  const { rows, csv } = rowsOf(text, REQUEST_COLUMNS, FORMAT.requests);
  return rows.map((row) => {
    if (!row || typeof row !== 'object') throw new ImportProblem('a row is not an object');
    const out: Record<string, unknown> = {};
    for (const [column, kind, field] of ENTRY_FIELDS) out[field] = cellValue(row[column], kind, column, csv);
    if (typeof out['time'] !== 'number') throw new ImportProblem('time is required');
    out['failed'] = out['failed'] === true;
    out['request'] = requestFrom(row, csv);
    return out as unknown as LedgerEntry;
  });
}
