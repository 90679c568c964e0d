// Raw input reading: discovery of table parts, streaming .csv/.csv.gz, digests, awkward rows.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { discoverInputs, tableOf } from '../../pipeline/sources/discover.js';
import { readCsvRecords, type CsvRecord, type CsvSkip, type FileDigest } from '../../pipeline/sources/csv.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'marquee-sources-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function readAll(file: string, content: string | Buffer) {
  const p = path.join(dir, file);
  await writeFile(p, content);
  const digest: FileDigest = { bytes: 0, sha256: '' };
  const skips: CsvSkip[] = [];
  const rows: CsvRecord[] = [];
  for await (const r of readCsvRecords(p, digest, (s) => skips.push(s))) rows.push(r);
  return { rows, digest, skips };
}

describe('discoverInputs', () => {
  test('assigns parts to tables, sorted by name; ignores other files', async () => {
    const d = path.join(dir, 'disc');
    await mkdir(d);
    for (const f of [
      'movies_dataset.partial.csv.gz',
      'movies_dataset.extra-x.98rows.csv.gz',
      'movies_metadata.csv',
      'credits.partial.csv.gz',
      'credits.sample.csv',
      'keywords.csv.gz',
      'links.csv.gz',
      'ratings_small.csv.gz',
      'movies_dataset.csv.bak',
      'README.md',
    ]) {
      await writeFile(path.join(d, f), '');
    }
    const t = await discoverInputs(d);
    expect(t.movies.map((f) => f.file)).toEqual([
      'movies_dataset.extra-x.98rows.csv.gz',
      'movies_dataset.partial.csv.gz',
      'movies_metadata.csv',
    ]);
    expect(t.credits.map((f) => f.file)).toEqual(['credits.partial.csv.gz', 'credits.sample.csv']);
    expect(t.keywords.map((f) => f.file)).toEqual(['keywords.csv.gz']);
    expect(t.movies[0].path).toBe(path.join(d, 'movies_dataset.extra-x.98rows.csv.gz'));
  });

  test('tableOf', () => {
    expect(tableOf('movies_dataset.synth.csv.gz')).toBe('movies');
    expect(tableOf('credits.csv')).toBe('credits');
    expect(tableOf('keywords.part2.csv.gz')).toBe('keywords');
    expect(tableOf('links.csv')).toBeNull();
    expect(tableOf('credits.csv.zip')).toBeNull();
  });

  test('a missing dir or a dir without movies is a clear error', async () => {
    await expect(discoverInputs(path.join(dir, 'nope'))).rejects.toThrow(/cannot be read.*MARQUEE_DATA_DIR/);
    const d = path.join(dir, 'nomovies');
    await mkdir(d);
    await writeFile(path.join(d, 'credits.csv'), 'cast,crew,id\n');
    await expect(discoverInputs(d)).rejects.toThrow(/no movies input.*movies_dataset\*\.csv/);
  });
});

describe('readCsvRecords', () => {
  const csv = 'id,overview,n\n1,"two\nlines, and ""quotes""",x\n2,plain,y\n3,"crlf\r\ninside",z\n';

  test('quoted fields keep embedded newlines; rows and end lines are numbered', async () => {
    const { rows } = await readAll('a.csv', csv);
    expect(rows.map((r) => r.fields)).toEqual([
      ['1', 'two\nlines, and "quotes"', 'x'],
      ['2', 'plain', 'y'],
      ['3', 'crlf\r\ninside', 'z'],
    ]);
    expect(rows.map((r) => r.row)).toEqual([1, 2, 3]);
    expect(rows.slice(0, 2).map((r) => r.line)).toEqual([3, 4]);
    expect(rows[0].header).toEqual(['id', 'overview', 'n']);
  });

  test('.csv.gz gives the same records; the digest is of the file as stored', async () => {
    const gz = gzipSync(Buffer.from(csv));
    const plain = await readAll('b.csv', csv);
    const zipped = await readAll('b.csv.gz', gz);
    expect(zipped.rows.map((r) => r.fields)).toEqual(plain.rows.map((r) => r.fields));
    expect(zipped.digest).toEqual({ bytes: gz.length, sha256: createHash('sha256').update(gz).digest('hex'), invalidUtf8: 0 });
    expect(plain.digest).toEqual({
      bytes: Buffer.byteLength(csv),
      sha256: createHash('sha256').update(csv).digest('hex'),
      invalidUtf8: 0,
    });
  });

  test('no final newline: the last row is still read', async () => {
    const { rows } = await readAll('c.csv.gz', gzipSync(Buffer.from('cast,crew,id\n"[]","[]",1\n"[]","[]",2')));
    expect(rows.map((r) => r.fields[2])).toEqual(['1', '2']);
  });

  test('ragged rows are passed on with their own field count (the caller quarantines them)', async () => {
    const { rows, skips } = await readAll('d.csv', 'a,b,c\n1,2,3\n1,2\n1,2,3,4\n5,6,7\n');
    expect(rows.map((r) => r.fields.length)).toEqual([3, 2, 4, 3]);
    expect(skips).toEqual([]);
  });

  test('a stray quote inside an unquoted field is text (as Python csv reads it)', async () => {
    const { rows } = await readAll('e.csv', 'a,b\n - Written by X",0.5\n');
    expect(rows[0].fields).toEqual([' - Written by X"', '0.5']);
  });

  test('BOM and CRLF line endings', async () => {
    const { rows } = await readAll('f.csv', '\uFEFFid,name\r\n1,x\r\n2,y\r\n');
    expect(rows[0].header).toEqual(['id', 'name']);
    expect(rows.map((r) => r.fields)).toEqual([
      ['1', 'x'],
      ['2', 'y'],
    ]);
  });

  test('UTF-8 split across stream chunks is decoded intact', async () => {
    const name = 'Penélope Cruz 北野武 '.repeat(40_000); // > 1 MiB, so several read chunks
    const { rows } = await readAll('g.csv.gz', gzipSync(Buffer.from(`id,name\n1,"${name}"\n`)));
    expect(rows[0].fields[1]).toBe(name);
  });

  test('an empty file yields nothing; an unterminated quote is reported as an unreadable record', async () => {
    expect((await readAll('h.csv', '')).rows).toEqual([]);
    const { rows, skips } = await readAll('i.csv', 'a,b\n0,ok\n1,"never closed\n2,3\n');
    expect(rows.map((r) => r.fields)).toEqual([['0', 'ok']]);
    expect(skips).toHaveLength(1);
    expect(skips[0].row).toBe(2);
    expect(skips[0].message).toMatch(/quote/i);
  });

  test('a corrupt .gz is an error, not a hang', async () => {
    const gz = gzipSync(Buffer.from('a,b\n1,2\n'.repeat(1000)));
    gz[gz.length >> 1] ^= 0xff;
    await expect(readAll('j.csv.gz', gz)).rejects.toThrow();
  });
});
