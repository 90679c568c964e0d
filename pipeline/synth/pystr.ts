// Python `repr()` of a str, as the TMDB dump writes strings inside its nested literals:
// single quotes, unless the text holds an apostrophe and no double quote ("O'Brien").

export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  if (quote === "'") body = body.replace(/'/g, "\\'");
  return quote + body + quote;
}

/** The text of a quoted literal string; only the simple escapes the names use (others are left as is). */
export function pyUnquote(lit: string): string {
  return lit.slice(1, -1).replace(/\\(['"\\])/g, '$1');
}

/** A quoted Python string literal (either quote style), for building regexes over literal text. */
export const PY_STR = String.raw`'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"`;
