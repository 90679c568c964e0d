// Row-level checks shared by the three raw tables: field count, id, literal errors, quarantine records.
import { PyLiteralError, PyShapeError } from '../sources/pyliteral.js';
import type { CsvRecord } from '../sources/csv.js';
import type { QuarantineReason, QuarantineRecord, SourceTable } from '../types.js';

const RAW_MAX = 400;
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}$/;

/** The row as CSV text again (quoted where needed), cut to a bounded length for quarantine.jsonl. */
export function rawRow(fields: string[]): string {
  let out = '';
  for (let i = 0; i < fields.length && out.length < RAW_MAX; i++) {
    const f = fields[i];
    if (i > 0) out += ',';
    out += /[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f;
  }
  return out.length > RAW_MAX ? out.slice(0, RAW_MAX) + '…' : out;
}

export function quarantineRecord(
  table: SourceTable,
  file: string,
  rec: Pick<CsvRecord, 'row' | 'fields'>,
  reason: QuarantineReason,
  detail: string,
  id?: string,
): QuarantineRecord {
  const q: QuarantineRecord = { table, file, row: rec.row, reason, detail };
  if (id !== undefined) q.id = id;
  if (rec.fields.length > 0) q.raw = rawRow(rec.fields);
  return q;
}

export type IdCheck = { ok: true; id: number } | { ok: false; reason: QuarantineReason; detail: string; id?: string };

/**
 * Field count and id. A row whose `id` holds a date is a row whose columns slid over (a broken
 * overview upstream): shifted, not guessed at. Other ragged rows are malformed; a bad id is bad_id.
 */
export function checkRow(rec: CsvRecord, idIndex: number): IdCheck {
  const expected = rec.header.length;
  const idText = rec.fields[idIndex];
  const where = `line ${rec.line}`;
  if (idText !== undefined && DATE_LIKE.test(idText.trim())) {
    return {
      ok: false,
      reason: 'shifted_columns',
      id: idText,
      detail: `id column holds ${JSON.stringify(idText)} (a date): columns are shifted; ${rec.fields.length} fields, header has ${expected} (${where})`,
    };
  }
  if (rec.fields.length !== expected) {
    return {
      ok: false,
      reason: 'malformed_row',
      id: idText,
      detail: `${rec.fields.length} fields, header has ${expected} (${where})`,
    };
  }
  const t = idText.trim();
  const n = /^\d{1,15}$/.test(t) ? Number(t) : NaN;
  if (!(n > 0)) {
    return {
      ok: false,
      reason: 'bad_id',
      id: idText,
      detail: `id ${JSON.stringify(idText)} is not a positive integer (${where})`,
    };
  }
  return { ok: true, id: n };
}

/** Quarantine reason + detail for a literal that failed, naming column, row and offset. */
export function literalFailure(
  e: unknown,
  column: string,
  rec: CsvRecord,
): { reason: QuarantineReason; detail: string } {
  if (e instanceof PyLiteralError) {
    return {
      reason: e instanceof PyShapeError ? 'unexpected_literal' : 'unparsable_literal',
      detail: `column ${column}, row ${rec.row} (line ${rec.line}), position ${e.position}: expected ${e.expected}, found ${e.found}`,
    };
  }
  throw e;
}
