// Bytes a field takes in the CSV as csv-stringify writes it with its defaults (the same rules
// as Python's csv QUOTE_MINIMAL, which wrote the real files): quoted when it holds a comma,
// a quote or a line break, with inner quotes doubled.

const NEEDS_QUOTES = /[",\r\n]/;

export function csvFieldBytes(s: string): number {
  const n = Buffer.byteLength(s, 'utf8');
  if (!NEEDS_QUOTES.test(s)) return n;
  let quotes = 0;
  for (let i = s.indexOf('"'); i !== -1; i = s.indexOf('"', i + 1)) quotes++;
  return n + 2 + quotes;
}

export function csvRowBytes(fields: readonly string[]): number {
  let n = fields.length; // commas + the final newline
  for (const f of fields) n += csvFieldBytes(f);
  return n;
}
