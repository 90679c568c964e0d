// A parser for Python literals as `ast.literal_eval` reads them (the nested TMDB columns are
// `repr()` output, not JSON). Hand-written for speed: credits.csv is ~190 MB of these.
//
// Values map to JS as: str -> string, int/float -> number, None -> null, True/False -> boolean,
// list/tuple/set -> array, dict -> plain object (keys as strings).

export type PyValue = null | boolean | number | string | PyValue[] | { [key: string]: PyValue };

/** A malformed literal: `position` is the 0-based offset in the text where parsing failed. */
export class PyLiteralError extends Error {
  constructor(
    readonly position: number,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`expected ${expected} at position ${position}, found ${found}`);
    this.name = 'PyLiteralError';
  }
}

// Character codes used by the scanner.
const SQ = 39; // '
const DQ = 34; // "
const BS = 92; // \
const LBRACK = 91;
const RBRACK = 93;
const LBRACE = 123;
const RBRACE = 125;
const LPAREN = 40;
const RPAREN = 41;
const COMMA = 44;
const COLON = 58;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;

function isWs(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 12 || c === 11;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}

/** Describe what is at `i` for an error message. */
function describe(s: string, i: number): string {
  if (i >= s.length) return 'end of input';
  const snippet = s.slice(i, i + 12);
  return JSON.stringify(snippet.length < s.length - i ? snippet + '…' : snippet);
}

/** The text is a valid literal, but not of the shape asked for (parseDictList). */
export class PyShapeError extends PyLiteralError {
  constructor(position: number, expected: string, found: string) {
    super(position, expected, found);
    this.name = 'PyShapeError';
  }
}

const SKIP: unique symbol = Symbol('skip');

class Scanner {
  i = 0;
  /** Offset of the next backslash at or after the last lookup (text.length when none): keeps string scanning linear. */
  private nextBs = -1;
  /** Same for the next line break (a plain string may not contain one). */
  private nextNl = -1;
  constructor(readonly s: string) {}

  fail(expected: string, at = this.i): never {
    throw new PyLiteralError(at, expected, describe(this.s, at));
  }

  ws(): void {
    const s = this.s;
    let i = this.i;
    while (i < s.length && isWs(s.charCodeAt(i))) i++;
    this.i = i;
  }

  /** Parse one value (whitespace already skipped). */
  value(): PyValue {
    const s = this.s;
    const c = s.charCodeAt(this.i);
    if (c === SQ || c === DQ) return this.strings();
    if (c === LBRACK) return this.list();
    if (c === LBRACE) return this.dictOrSet();
    if (c === LPAREN) return this.tupleOrGroup();
    if (isDigit(c) || c === MINUS || c === PLUS || c === DOT) return this.number();
    if (c === 78 && s.startsWith('None', this.i) && !isIdentPart(s.charCodeAt(this.i + 4))) {
      this.i += 4;
      return null;
    }
    if (isIdentStart(c)) return this.name();
    return this.fail('a value');
  }

  /** Like value(), but builds nothing: validates the same grammar and moves past it. */
  skip(): void {
    const c = this.s.charCodeAt(this.i);
    if (c === SQ || c === DQ) {
      this.strings(true);
      return;
    }
    if (c === LBRACK) return this.seq(RBRACK, ']', true) as undefined;
    if (c === LBRACE || c === LPAREN) {
      // rare in skipped fields: correctness over speed
      this.value();
      return;
    }
    this.value();
  }

  name(): PyValue {
    const s = this.s;
    const start = this.i;
    let i = start + 1;
    while (i < s.length && isIdentPart(s.charCodeAt(i))) i++;
    // string prefixes: r'..', u'..', b'..' (and combinations)
    const next = s.charCodeAt(i);
    if ((next === SQ || next === DQ) && i - start <= 2) {
      return this.strings();
    }
    const word = s.slice(start, i);
    this.i = i;
    if (word === 'None') return null;
    if (word === 'True') return true;
    if (word === 'False') return false;
    return this.fail('a value (None, True, False, a number, a string, a list, a tuple or a dict)', start);
  }

  /** One or more adjacent string literals (Python concatenates them). */
  strings(skipOnly = false): string {
    let out = this.string(skipOnly);
    const next = this.s.charCodeAt(this.i);
    // the usual case: a separator follows, no adjacent literal to concatenate
    if (next === COMMA || next === RBRACE || next === RBRACK || next === COLON || next === RPAREN) return out;
    for (;;) {
      const save = this.i;
      this.ws();
      const c = this.s.charCodeAt(this.i);
      if (c === SQ || c === DQ || ((c === 114 || c === 117 || c === 82 || c === 85) && this.isPrefixedString())) {
        out += this.string(skipOnly);
      } else {
        this.i = save;
        return out;
      }
    }
  }

  private isPrefixedString(): boolean {
    const c = this.s.charCodeAt(this.i + 1);
    return c === SQ || c === DQ;
  }

  /** One string literal, with optional r/u prefix, single/double/triple quoted. */
  string(skipOnly = false): string {
    const s = this.s;
    // Fast path, nearly every string here: plain quotes, no backslash or line break before the close.
    const i0 = this.i;
    const end = this.plainEnd(i0);
    if (end !== -1) {
      this.i = end + 1;
      return skipOnly ? '' : s.slice(i0 + 1, end);
    }
    return this.stringGeneral(skipOnly);
  }

  /**
   * When a plain string literal starts at i0 ('...' or "...", not triple-quoted, no backslash or
   * line break inside), the offset of its closing quote; else -1 (the general path decides).
   */
  private plainEnd(i0: number): number {
    const s = this.s;
    const q = s.charCodeAt(i0);
    if ((q !== SQ && q !== DQ) || s.charCodeAt(i0 + 1) === q) return -1;
    const end = s.indexOf(q === SQ ? "'" : '"', i0 + 1);
    if (end === -1) return -1;
    if (this.nextBs <= i0) {
      const b = s.indexOf('\\', i0 + 1);
      this.nextBs = b === -1 ? s.length : b;
    }
    if (this.nextNl <= i0) {
      const n = s.indexOf('\n', i0 + 1);
      const r = s.indexOf('\r', i0 + 1);
      this.nextNl = Math.min(n === -1 ? s.length : n, r === -1 ? s.length : r);
    }
    return this.nextBs > end && this.nextNl > end ? end : -1;
  }

  /**
   * A dict key for the fast path: the matching entry of `keep`, or SKIP for a key not wanted.
   * Plain string keys are matched in place, without building a string.
   */
  keyOf(keep: readonly string[]): string | typeof SKIP {
    const s = this.s;
    const i0 = this.i;
    const end = this.plainEnd(i0);
    if (end !== -1 && s.charCodeAt(end + 1) === COLON) {
      this.i = end + 1;
      const len = end - i0 - 1;
      for (const k of keep) if (k.length === len && s.startsWith(k, i0 + 1)) return k;
      return SKIP;
    }
    const k = keyString(this.value());
    return keep.includes(k) ? k : SKIP;
  }

  private stringGeneral(skipOnly: boolean): string {
    const s = this.s;
    let raw = false;
    const start = this.i;
    // prefixes
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (c === 114 || c === 82) raw = true;
      else if (c === 117 || c === 85) {
        // u'' is a plain str
      } else if (c === 98 || c === 66) {
        return this.fail('a str literal (bytes literals are not supported)', start);
      } else if (c === 102 || c === 70) {
        return this.fail('a literal (f-strings are not literals)', start);
      } else break;
      this.i++;
      if (this.i - start > 2) return this.fail('a value', start);
    }
    const q = s.charCodeAt(this.i);
    if (q !== SQ && q !== DQ) return this.fail('a quote', this.i);
    const quote = q === SQ ? "'" : '"';
    const triple = s.charCodeAt(this.i + 1) === q && s.charCodeAt(this.i + 2) === q;
    const bodyStart = this.i + (triple ? 3 : 1);
    const close = triple ? quote + quote + quote : quote;
    // Fast path: find the closing quote; escapes only matter when a backslash comes first.
    const end = s.indexOf(close, bodyStart);
    if (this.nextBs < bodyStart) {
      const b = s.indexOf('\\', bodyStart);
      this.nextBs = b === -1 ? s.length : b;
    }
    if (end !== -1 && this.nextBs > end) {
      const body = s.slice(bodyStart, end);
      if (!triple && (body.includes('\n') || body.includes('\r'))) {
        const nl = bodyStart + body.search(/[\r\n]/);
        return this.fail(`closing ${quote} before the end of the line (string opened at ${this.i})`, nl);
      }
      this.i = end + close.length;
      return skipOnly ? '' : body;
    }
    // Slow path: walk the body decoding escapes.
    const opened = this.i;
    let out = '';
    let i = bodyStart;
    let chunk = i;
    for (;;) {
      if (i >= s.length) return this.fail(`closing ${quote} of the string opened at ${opened}`, s.length);
      const c = s.charCodeAt(i);
      if (c === q && (!triple || (s.charCodeAt(i + 1) === q && s.charCodeAt(i + 2) === q))) {
        out += s.slice(chunk, i);
        this.i = i + close.length;
        return out;
      }
      if (!triple && (c === 10 || c === 13)) {
        return this.fail(`closing ${quote} before the end of the line (string opened at ${opened})`, i);
      }
      if (c !== BS) {
        i++;
        continue;
      }
      out += s.slice(chunk, i);
      const e = s.charCodeAt(i + 1);
      if (Number.isNaN(e)) return this.fail(`closing ${quote} of the string opened at ${opened}`, s.length);
      if (raw) {
        // raw strings keep the backslash; it only stops the next char from closing the string
        out += s.slice(i, i + 2);
        i += 2;
        chunk = i;
        continue;
      }
      i += 2;
      switch (e) {
        case 10: // backslash-newline: line continuation
          break;
        case 13:
          if (s.charCodeAt(i) === 10) i++;
          break;
        case BS:
          out += '\\';
          break;
        case SQ:
          out += "'";
          break;
        case DQ:
          out += '"';
          break;
        case 97: // a
          out += '\x07';
          break;
        case 98: // b
          out += '\b';
          break;
        case 102: // f
          out += '\f';
          break;
        case 110: // n
          out += '\n';
          break;
        case 114: // r
          out += '\r';
          break;
        case 116: // t
          out += '\t';
          break;
        case 118: // v
          out += '\v';
          break;
        case 120: // x
          out += String.fromCodePoint(this.hex(i, 2, '\\x'));
          i += 2;
          break;
        case 117: // u
          out += String.fromCodePoint(this.hex(i, 4, '\\u'));
          i += 4;
          break;
        case 85: {
          // U
          const cp = this.hex(i, 8, '\\U');
          if (cp > 0x10ffff) return this.fail('a code point up to \\U0010ffff', i - 2);
          out += String.fromCodePoint(cp);
          i += 8;
          break;
        }
        case 78: // N{name}
          return this.fail('a supported escape (\\N{...} named escapes are not supported)', i - 2);
        default:
          if (e >= 48 && e <= 55) {
            // octal: up to 3 digits
            let v = e - 48;
            let k = 0;
            while (k < 2 && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 55) {
              v = v * 8 + (s.charCodeAt(i) - 48);
              i++;
              k++;
            }
            out += String.fromCodePoint(v);
          } else {
            // unknown escape: Python keeps the backslash and the character
            out += '\\' + String.fromCharCode(e);
          }
      }
      chunk = i;
    }
  }

  private hex(at: number, len: number, what: string): number {
    const h = this.s.slice(at, at + len);
    if (h.length !== len || !/^[0-9a-fA-F]+$/.test(h)) {
      return this.fail(`${len} hex digits after ${what}`, at);
    }
    return parseInt(h, 16);
  }

  number(): number {
    // Fast path: a plain non-negative integer (ids, orders, genders) accumulated without a slice.
    const s = this.s;
    let i = this.i;
    let c = s.charCodeAt(i);
    if (c >= 49 && c <= 57) {
      let v = 0;
      do {
        v = v * 10 + (c - 48);
        c = s.charCodeAt(++i);
      } while (c >= 48 && c <= 57);
      if (i - this.i < 16 && c !== DOT && c !== 101 && c !== 69 && c !== 95 && !isIdentPart(c)) {
        this.i = i;
        return v;
      }
    }
    return this.numberGeneral();
  }

  private numberGeneral(): number {
    const s = this.s;
    const start = this.i;
    let i = start;
    let sign = 1;
    // unary signs (Python allows `- 5` and `--5`)
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === MINUS) sign = -sign;
      else if (c !== PLUS && !isWs(c)) break;
      i++;
    }
    const numStart = i;
    const c0 = s.charCodeAt(i);
    if (c0 === 48 && /[xXoObB]/.test(s[i + 1] ?? '')) {
      const base = /[xX]/.test(s[i + 1]) ? 16 : /[oO]/.test(s[i + 1]) ? 8 : 2;
      const re = base === 16 ? /^[0-9a-fA-F_]+/ : base === 8 ? /^[0-7_]+/ : /^[01_]+/;
      const m = re.exec(s.slice(i + 2, i + 80));
      if (!m || m[0].startsWith('_') || m[0].endsWith('_')) return this.fail(`digits in base ${base}`, i + 2);
      this.i = i + 2 + m[0].length;
      this.noTrailingName();
      return sign * parseInt(m[0].replace(/_/g, ''), base);
    }
    let sawDigit = false;
    let isFloat = false;
    let underscores = false;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (isDigit(c)) sawDigit = true;
      else if (c === 95 && isDigit(s.charCodeAt(i - 1)) && isDigit(s.charCodeAt(i + 1))) underscores = true;
      else break;
      i++;
    }
    if (s.charCodeAt(i) === DOT) {
      isFloat = true;
      i++;
      for (;;) {
        const c = s.charCodeAt(i);
        if (isDigit(c)) sawDigit = true;
        else if (c === 95 && isDigit(s.charCodeAt(i - 1)) && isDigit(s.charCodeAt(i + 1))) underscores = true;
        else break;
        i++;
      }
    }
    if (!sawDigit) return this.fail('a number', numStart);
    const ce = s.charCodeAt(i);
    if (ce === 101 || ce === 69) {
      let j = i + 1;
      const cs = s.charCodeAt(j);
      if (cs === PLUS || cs === MINUS) j++;
      if (!isDigit(s.charCodeAt(j))) return this.fail('digits of the exponent', j);
      while (j < s.length && isDigit(s.charCodeAt(j))) j++;
      isFloat = true;
      i = j;
    }
    let text = s.slice(numStart, i);
    if (underscores) text = text.replace(/_/g, '');
    if (!isFloat && text.length > 1 && text.charCodeAt(0) === 48 && /[1-9]/.test(text)) {
      return this.fail('a number without leading zeros (Python rejects 0-prefixed integers)', numStart);
    }
    this.i = i;
    this.noTrailingName();
    return sign * Number(text);
  }

  /** `12abc` / `1.5j` are not literals we accept. */
  private noTrailingName(): void {
    const c = this.s.charCodeAt(this.i);
    if (isIdentPart(c) || c === DOT) this.fail('a separator after the number');
  }

  list(): PyValue[] {
    return this.seq(RBRACK, ']', false) as PyValue[];
  }

  /** Comma-separated values up to `close`, trailing comma allowed. */
  seq(close: number, closeCh: string, skipOnly: boolean): PyValue[] | undefined {
    const s = this.s;
    this.i++; // opening bracket
    const out: PyValue[] | undefined = skipOnly ? undefined : [];
    this.ws();
    if (s.charCodeAt(this.i) === close) {
      this.i++;
      return out;
    }
    for (;;) {
      if (skipOnly) this.skip();
      else out!.push(this.value());
      this.ws();
      const c = s.charCodeAt(this.i);
      if (c === COMMA) {
        this.i++;
        this.ws();
        if (s.charCodeAt(this.i) === close) {
          this.i++;
          return out;
        }
        continue;
      }
      if (c === close) {
        this.i++;
        return out;
      }
      return this.fail(`',' or '${closeCh}'`);
    }
  }

  tupleOrGroup(): PyValue {
    const s = this.s;
    const open = this.i;
    this.i++;
    this.ws();
    if (s.charCodeAt(this.i) === RPAREN) {
      this.i++;
      return [];
    }
    const first = this.value();
    this.ws();
    const c = s.charCodeAt(this.i);
    if (c === RPAREN) {
      this.i++;
      return first; // (x) is just x
    }
    if (c !== COMMA) return this.fail("',' or ')'");
    // a tuple: re-read from the opening paren as a sequence
    this.i = open;
    return this.seq(RPAREN, ')', false) as PyValue[];
  }

  dictOrSet(): PyValue {
    const s = this.s;
    const open = this.i;
    this.i++;
    this.ws();
    if (s.charCodeAt(this.i) === RBRACE) {
      this.i++;
      return {};
    }
    const firstKey = this.value();
    this.ws();
    if (s.charCodeAt(this.i) !== COLON) {
      const c = s.charCodeAt(this.i);
      if (c === COMMA || c === RBRACE) {
        // a set literal: returned as an array
        this.i = open;
        return this.seq(RBRACE, '}', false) as PyValue[];
      }
      return this.fail("':'");
    }
    return this.dictBody(firstKey, null);
  }

  /**
   * The rest of a dict whose first key was read, positioned at the ':'.
   * With `keep`, keys come from keyOf() and only those in `keep` are built (the others are validated and skipped).
   */
  dictBody(firstKey: PyValue | typeof SKIP, keep: readonly string[] | null): { [key: string]: PyValue } {
    const s = this.s;
    const out: { [key: string]: PyValue } = {};
    let key = firstKey;
    for (;;) {
      // at ':'
      this.i++;
      this.ws();
      if (key === SKIP) this.skip();
      else {
        const k = keep === null ? keyString(key) : (key as string);
        const v = this.value();
        if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
        else out[k] = v;
      }
      this.ws();
      let c = s.charCodeAt(this.i);
      if (c === COMMA) {
        this.i++;
        this.ws();
        c = s.charCodeAt(this.i);
      } else if (c !== RBRACE) {
        return this.fail("',' or '}'");
      }
      if (c === RBRACE) {
        this.i++;
        return out;
      }
      key = keep === null ? this.value() : this.keyOf(keep);
      this.ws();
      if (s.charCodeAt(this.i) !== COLON) return this.fail("':'");
    }
  }
}

/** Python's name for the type of a parsed value, for messages. */
export function pyTypeName(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return 'a bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an int' : 'a float';
  if (typeof v === 'string') return 'a str';
  if (Array.isArray(v)) return 'a list';
  return 'a dict';
}

function keyString(k: PyValue): string {
  if (typeof k === 'string') return k;
  if (k === null) return 'None';
  if (typeof k === 'boolean') return k ? 'True' : 'False';
  if (typeof k === 'number') return String(k);
  return JSON.stringify(k);
}

/** Parse a whole Python literal. Throws PyLiteralError on malformed input. */
export function parsePyLiteral(text: string): PyValue {
  const sc = new Scanner(text);
  sc.ws();
  const v = sc.value();
  sc.ws();
  if (sc.i !== text.length) sc.fail('end of input');
  return v;
}

/**
 * Fast path for the shape every nested TMDB column has: a list of dicts. Validates the whole
 * literal with the same grammar as parsePyLiteral, but builds only the keys in `fields`
 * (credits rows carry ~10 keys per person; we need 2). Throws PyLiteralError when the text is
 * not a valid literal, or is a valid literal but not a list of dicts (with `expected` saying so).
 */
export function parseDictList(text: string, fields: ReadonlySet<string>): { [key: string]: PyValue }[] {
  const keep = [...fields];
  const sc = new Scanner(text);
  const s = text;
  sc.ws();
  if (s.charCodeAt(sc.i) !== LBRACK) {
    // Valid literal of another shape, or garbage: let the full parser say which.
    const v = parsePyLiteral(text);
    throw new PyShapeError(sc.i, 'a list of dicts', `${pyTypeName(v)} ${describe(text, sc.i)}`);
  }
  const out: { [key: string]: PyValue }[] = [];
  sc.i++;
  sc.ws();
  if (s.charCodeAt(sc.i) === RBRACK) {
    sc.i++;
  } else {
    for (;;) {
      if (s.charCodeAt(sc.i) !== LBRACE) {
        const at = sc.i;
        const v = sc.value(); // throws if malformed
        parsePyLiteral(text); // the rest must be valid too, else it is a syntax error, not a shape one
        throw new PyShapeError(at, 'a dict (the value is a list of dicts)', `${pyTypeName(v)} ${describe(text, at)}`);
      }
      const open = sc.i;
      sc.i++;
      sc.ws();
      if (s.charCodeAt(sc.i) === RBRACE) {
        sc.i++;
        out.push({});
      } else {
        const key = sc.keyOf(keep);
        sc.ws();
        if (s.charCodeAt(sc.i) !== COLON) {
          const c = s.charCodeAt(sc.i);
          if (c === COMMA || c === RBRACE) {
            sc.i = open;
            sc.value();
            parsePyLiteral(text);
            throw new PyShapeError(open, 'a dict (the value is a list of dicts)', `a set ${describe(text, open)}`);
          }
          return sc.fail("':'");
        }
        out.push(sc.dictBody(key, keep));
      }
      sc.ws();
      const c = s.charCodeAt(sc.i);
      if (c === COMMA) {
        sc.i++;
        sc.ws();
        if (s.charCodeAt(sc.i) === RBRACK) {
          sc.i++;
          break;
        }
        continue;
      }
      if (c === RBRACK) {
        sc.i++;
        break;
      }
      return sc.fail("',' or ']'");
    }
  }
  sc.ws();
  if (sc.i !== text.length) sc.fail('end of input');
  return out;
}
