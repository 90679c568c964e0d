import { describe, expect, test } from 'vitest';
import {
  parseDictList,
  parsePyLiteral,
  PyLiteralError,
  PyShapeError,
  type PyValue,
} from '../../pipeline/sources/pyliteral.js';

/** The error a malformed literal throws (fails the test when nothing is thrown). */
function errorOf(text: string, parse: (t: string) => unknown = parsePyLiteral): PyLiteralError {
  try {
    parse(text);
  } catch (e) {
    expect(e).toBeInstanceOf(PyLiteralError);
    return e as PyLiteralError;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

describe('strings', () => {
  test('single and double quotes; apostrophes inside double quotes', () => {
    expect(parsePyLiteral(`'Drama'`)).toBe('Drama');
    expect(parsePyLiteral(`"O'Brien"`)).toBe("O'Brien");
    expect(parsePyLiteral(`"based on children's book"`)).toBe("based on children's book");
    expect(parsePyLiteral(`'say "hi"'`)).toBe('say "hi"');
    expect(parsePyLiteral(`''`)).toBe('');
    expect(parsePyLiteral(`""`)).toBe('');
  });

  test('escaped quotes and backslashes', () => {
    expect(parsePyLiteral(String.raw`'It\'s'`)).toBe("It's");
    expect(parsePyLiteral(String.raw`"a \"b\""`)).toBe('a "b"');
    expect(parsePyLiteral(String.raw`'back\\slash'`)).toBe('back\\slash');
    expect(parsePyLiteral(String.raw`'ends with \\'`)).toBe('ends with \\');
  });

  test('escape sequences as Python decodes them', () => {
    expect(parsePyLiteral(String.raw`'a\nb\tc\rd'`)).toBe('a\nb\tc\rd');
    expect(parsePyLiteral(String.raw`'\x41\xe9'`)).toBe('Aé');
    expect(parsePyLiteral(String.raw`'\u00e9\u5317'`)).toBe('é北');
    expect(parsePyLiteral(String.raw`'\U0001F600'`)).toBe('😀');
    expect(parsePyLiteral(String.raw`'\101\0'`)).toBe('A\0');
    expect(parsePyLiteral(String.raw`'\a\b\f\v'`)).toBe('\x07\b\f\v');
    // unknown escapes keep their backslash, as in Python
    expect(parsePyLiteral(String.raw`'C:\path\q'`)).toBe(String.raw`C:\path\q`);
    // backslash-newline continues the line
    expect(parsePyLiteral("'a\\\nb'")).toBe('ab');
  });

  test('non-ASCII text passes through', () => {
    expect(parsePyLiteral(`'Penélope Cruz'`)).toBe('Penélope Cruz');
    expect(parsePyLiteral(`'北野武'`)).toBe('北野武');
    expect(parsePyLiteral(`"Tiếng Việt"`)).toBe('Tiếng Việt');
    expect(parsePyLiteral(`'\u00a0'`)).toBe('\u00a0');
  });

  test('prefixes, triple quotes and implicit concatenation', () => {
    expect(parsePyLiteral(`u'x'`)).toBe('x');
    expect(parsePyLiteral(String.raw`r'a\nb'`)).toBe(String.raw`a\nb`);
    expect(parsePyLiteral(`'''a'b\nc'''`)).toBe("a'b\nc");
    expect(parsePyLiteral(`'a' "b"  'c'`)).toBe('abc');
  });
});

describe('numbers and names', () => {
  test.each([
    ['0', 0],
    ['42', 42],
    ['-7', -7],
    ['+3', 3],
    ['- 5', -5],
    ['3.25', 3.25],
    ['-0.5', -0.5],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['2.5E-2', 0.025],
    ['-1.5e+3', -1500],
    ['1_000_000', 1000000],
    ['0x1F', 31],
    ['21.946943', 21.946943],
  ])('%s', (text, value) => {
    expect(parsePyLiteral(text)).toBe(value);
  });

  test('None, True, False', () => {
    expect(parsePyLiteral('None')).toBeNull();
    expect(parsePyLiteral('True')).toBe(true);
    expect(parsePyLiteral('False')).toBe(false);
    expect(parsePyLiteral('  None  ')).toBeNull();
  });
});

describe('containers', () => {
  test('empty list, dict, tuple', () => {
    expect(parsePyLiteral('[]')).toEqual([]);
    expect(parsePyLiteral('{}')).toEqual({});
    expect(parsePyLiteral('()')).toEqual([]);
    expect(parsePyLiteral('[ ]')).toEqual([]);
  });

  test('tuples: (x) is x, (x,) is a 1-tuple', () => {
    expect(parsePyLiteral('(1, 2)')).toEqual([1, 2]);
    expect(parsePyLiteral('(1,)')).toEqual([1]);
    expect(parsePyLiteral('(1)')).toBe(1);
    expect(parsePyLiteral("('a', (None, True))")).toEqual(['a', [null, true]]);
  });

  test('trailing commas', () => {
    expect(parsePyLiteral('[1, 2,]')).toEqual([1, 2]);
    expect(parsePyLiteral("{'a': 1,}")).toEqual({ a: 1 });
  });

  test('sets become arrays', () => {
    expect(parsePyLiteral('{1, 2}')).toEqual([1, 2]);
  });

  test('a TMDB cast entry: nested dicts in a list with None and quotes', () => {
    const text = `[{'cast_id': 14, 'character': 'Woody (voice)', 'credit_id': '52fe4284c3a36847f8024f95', 'gender': 2, 'id': 31, 'name': 'Tom Hanks', 'order': 0, 'profile_path': None}, {'cast_id': 1, 'character': "Andy's Mom", 'gender': 1, 'id': 7, 'name': 'Laurie Metcalf', 'order': 7, 'profile_path': '/x.jpg'}]`;
    expect(parsePyLiteral(text)).toEqual([
      {
        cast_id: 14,
        character: 'Woody (voice)',
        credit_id: '52fe4284c3a36847f8024f95',
        gender: 2,
        id: 31,
        name: 'Tom Hanks',
        order: 0,
        profile_path: null,
      },
      { cast_id: 1, character: "Andy's Mom", gender: 1, id: 7, name: 'Laurie Metcalf', order: 7, profile_path: '/x.jpg' },
    ]);
  });

  test('deep nesting and non-string keys', () => {
    expect(parsePyLiteral("{'a': [{'b': {'c': [1, (2, 3), {}]}}], 1: 'one', None: 0, True: 1}")).toEqual({
      a: [{ b: { c: [1, [2, 3], {}] } }],
      '1': 'one',
      None: 0,
      True: 1,
    });
  });

  test("a '__proto__' key is plain data", () => {
    const v = parsePyLiteral("{'__proto__': 1}") as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  });

  test('whitespace and newlines between tokens', () => {
    expect(parsePyLiteral("[\n  {'a' :1 ,\n 'b':\t2}\n]")).toEqual([{ a: 1, b: 2 }]);
  });
});

describe('malformed input: position and what was expected', () => {
  test.each([
    // [text, position, expected (substring)]
    ["[{'a': 1,}", 10, "',' or ']'"],
    ["{'a' 1}", 5, "':'"],
    ["'abc", 4, "closing '"],
    ['"abc', 4, 'closing "'],
    ['[1 2]', 3, "',' or ']'"],
    ['nan', 0, 'a value'],
    ['null', 0, 'a value'],
    ["[{'a': 1}] x", 11, 'end of input'],
    ["'\\x4'", 3, '2 hex digits'],
    ["'\\u12'", 3, '4 hex digits'],
    ['012', 0, 'leading zeros'],
    ['', 0, 'a value'],
    ['[', 1, 'a value'],
    ["{'a': }", 6, 'a value'],
    ["'line\nbreak'", 5, 'before the end of the line'],
    ['1.5j', 3, 'separator'],
    ["b'bytes'", 0, 'bytes'],
    ['-', 1, 'a number'],
  ])('%j fails at %i', (text, position, expected) => {
    const e = errorOf(text);
    expect(e.position).toBe(position);
    expect(e.expected).toContain(expected);
    expect(e.message).toContain(`at position ${position}`);
  });

  test('the message names what was found', () => {
    expect(errorOf("[{'a': 1} {'b': 2}]").message).toBe(`expected ',' or ']' at position 10, found "{'b': 2}]"`);
    expect(errorOf("[{'a': 1}").message).toContain('found end of input');
  });
});

describe('parseDictList (fast path)', () => {
  const keys = new Set(['name', 'job']);

  test('keeps only the requested keys, validates the rest', () => {
    const text = `[{'credit_id': '5', 'department': 'Directing', 'id': 7879, 'job': 'Director', 'name': 'John Lasseter', 'x': [1, {'y': (2, 3)}]}, {'job': "Writer's Assistant", 'name': "O'Neil"}, {}]`;
    expect(parseDictList(text, keys)).toEqual([
      { job: 'Director', name: 'John Lasseter' },
      { job: "Writer's Assistant", name: "O'Neil" },
      {},
    ]);
  });

  test('agrees with the full parser on random lists of dicts', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    const strs = ['', "O'Brien", 'say "hi"', 'Penélope', '北野武', 'back\\slash', 'tab\there', 'a\nb', "both ' and \""];
    const scalar = (): PyValue => pick<() => PyValue>([() => null, () => rand() < 0.5, () => Math.floor(rand() * 1e6) - 5e5, () => Math.round(rand() * 1e6) / 1e3, () => pick(strs)])();
    const value = (d: number): PyValue =>
      d > 2 || rand() < 0.5 ? scalar() : rand() < 0.5 ? Array.from({ length: Math.floor(rand() * 4) }, () => value(d + 1)) : dict(d + 1);
    const dict = (d: number): { [k: string]: PyValue } => {
      const o: { [k: string]: PyValue } = {};
      for (const k of ['name', 'job', 'id', 'extra', 'order'].filter(() => rand() < 0.7)) o[k] = value(d);
      return o;
    };
    for (let i = 0; i < 300; i++) {
      const list = Array.from({ length: Math.floor(rand() * 5) }, () => dict(0));
      const text = pyRepr(list);
      const full = parsePyLiteral(text) as { [k: string]: PyValue }[];
      expect(full).toEqual(list);
      const projected = full.map((o) => Object.fromEntries(Object.entries(o).filter(([k]) => keys.has(k))));
      expect(parseDictList(text, keys)).toEqual(projected);
    }
  });

  test('a valid literal of another shape is a PyShapeError; a broken one is a syntax error', () => {
    expect(errorOf('5', (t) => parseDictList(t, keys))).toBeInstanceOf(PyShapeError);
    expect(errorOf("[{'a': 1}, 2]", (t) => parseDictList(t, keys))).toBeInstanceOf(PyShapeError);
    expect(errorOf("{'a': 1}", (t) => parseDictList(t, keys))).toBeInstanceOf(PyShapeError);
    const broken = errorOf("[{'job': 'Director', 'name': 'Broken", (t) => parseDictList(t, keys));
    expect(broken).not.toBeInstanceOf(PyShapeError);
    expect(broken.position).toBe(36);
    const skippedBroken = errorOf("[{'x': [1, 2", (t) => parseDictList(t, keys));
    expect(skippedBroken).not.toBeInstanceOf(PyShapeError);
    expect(skippedBroken.position).toBe(12);
  });
});

/** Python's repr() of a value, written independently of the parser (single quotes unless the text has ' and no "). */
function pyRepr(v: PyValue): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v).includes('.') ? String(v) : `${v}.0`;
  if (typeof v === 'string') {
    const q = v.includes("'") && !v.includes('"') ? '"' : "'";
    let body = '';
    for (const ch of v) {
      if (ch === '\\') body += '\\\\';
      else if (ch === q) body += '\\' + q;
      else if (ch === '\n') body += '\\n';
      else if (ch === '\t') body += '\\t';
      else body += ch;
    }
    return q + body + q;
  }
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  return '{' + Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ') + '}';
}
