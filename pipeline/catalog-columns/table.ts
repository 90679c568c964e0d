// The catalog as columns over one buffer (catalog.arrow): typed arrays for numbers, offsets into
// UTF-8 bytes for texts, dictionary codes for shared names. A few large buffers instead of an object
// per movie, so garbage collection has little to walk; `movie(row)` builds a Movie when a reply needs one.
import { closeSync } from 'node:fs';
import type { Hash } from 'node:crypto';
import { readFullySync } from '../artifacts/files.js';
import { tableFromIPC, type Data, type Table } from 'apache-arrow';
import { nextTurn } from '../runtime/turns.js';
import type { Movie } from '../types.js';
import { COLUMNS, LIST_COLUMNS, TEXT_COLUMNS, type ListColumn } from './schema.js';
import { Utf8Strings } from './strings.js';
import { keyHash, normalizeKey, plainKeyHash } from '../normalize.js';

interface Text {
  offsets: Int32Array;
  bytes: Buffer;
}
/** A text column left in the file: its offsets in memory, its bytes read when a row is asked for. */
interface FileText {
  offsets: Int32Array;
  fd: number;
  /** where the column's bytes start in the file */
  position: number;
}

/** How a MovieColumns built over a file's bytes keeps them. */
export interface FileBacking {
  /** an open descriptor of the file the bytes were read from; closed by close() */
  fd: number;
  /** text columns read from the file on demand instead of held (the long, rarely asked ones) */
  onDisk: readonly (typeof TEXT_COLUMNS)[number][];
}
interface Dict {
  codes: Int32Array;
  values: Utf8Strings;
}
interface Lists {
  offsets: Int32Array;
  codes: Int32Array;
  values: Utf8Strings;
}

const EMPTY: readonly string[] = Object.freeze([]);
const NO_STRINGS = new Utf8Strings(new Int32Array(1), Buffer.alloc(0));

export type MovieBrief = Pick<Movie, 'id' | 'title' | 'releaseDate' | 'releaseYear' | 'popularity' | 'voteAverage' | 'voteCount' | 'runtime'>;

function text(d: Data): Text {
  const v = d.values as Uint8Array;
  return { offsets: d.valueOffsets as Int32Array, bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength) };
}

/** Copies of a table's buffers made ahead of the constructor (MovieColumns.load), by the original. */
type Copies = Map<ArrayBufferView, Int32Array | Float64Array | Uint8Array>;

/** The buffers the constructor keeps of a column (list items and dictionaries included). */
function buffersOf(d: Data, offsetsOnly: boolean): (Int32Array | Float64Array | Uint8Array)[] {
  const out: (Int32Array | Float64Array | Uint8Array)[] = [];
  const add = (a: unknown) => {
    if (a instanceof Int32Array || a instanceof Float64Array || a instanceof Uint8Array) out.push(a);
  };
  add(d.valueOffsets);
  add(d.nullBitmap);
  if (!offsetsOnly) add(d.values);
  for (const c of d.children) out.push(...buffersOf(c, false));
  if (d.dictionary) out.push(...buffersOf(d.dictionary.data[0], false));
  return out;
}

function isSet(bitmap: Uint8Array | undefined, row: number): boolean {
  return !bitmap || bitmap.length === 0 || (bitmap[row >> 3] & (1 << (row & 7))) !== 0;
}

export class MovieColumns {
  readonly length: number;
  readonly id: Int32Array;
  readonly releaseYear: Int32Array;
  readonly budget: Float64Array;
  readonly revenue: Float64Array;
  readonly returnRatio: Float64Array;
  readonly popularity: Float64Array;
  readonly voteAverage: Float64Array;
  readonly voteCount: Float64Array;
  private readonly runtimeValues: Float64Array;
  private readonly runtimeValid: Uint8Array | undefined;
  private readonly collectionIds: Int32Array;
  private readonly collectionValid: Uint8Array | undefined;
  private readonly texts: Record<(typeof TEXT_COLUMNS)[number], Text | FileText>;
  private fd: number | null = null;
  readonly releaseDates: Dict;
  readonly languages: Dict;
  private readonly statuses: Dict;
  readonly collectionNames: Dict;
  readonly lists: Record<ListColumn, Lists>;
  private readonly credits: Uint8Array;

  /**
   * Like the constructor, but with `file` the copies of the columns run one buffer per event-loop turn
   * (hundreds of MB, which took over a second at once while a swap doubled the memory in use).
   * A load beside a served version must not stall its calls.
   */
  static async load(bytes: Uint8Array, file?: FileBacking): Promise<MovieColumns> {
    const table: Table = tableFromIPC(bytes);
    const copies: Copies = new Map();
    if (file) {
      for (const field of table.schema.fields) {
        const offsetsOnly = (file.onDisk as readonly string[]).includes(field.name);
        for (const d of table.getChild(field.name)?.data ?? []) {
          for (const a of buffersOf(d, offsetsOnly)) {
            if (copies.has(a)) continue;
            copies.set(a, a.slice());
            await nextTurn();
          }
        }
      }
    }
    return new MovieColumns(bytes, file, { table, copies });
  }

  /**
   * Without `file`, every column is a view into `bytes`, which stays referenced. With it, the
   * columns are copied out of `bytes` (so the caller can drop the file-sized buffer) except the
   * `onDisk` texts, which are read from `file.fd` when a reply needs them: at 10^6 movies the
   * overviews are half the file and only GetMovie shows them.
   */
  constructor(bytes: Uint8Array, file?: FileBacking, prepared?: { table: Table; copies?: Copies }) {
    const table: Table = prepared?.table ?? tableFromIPC(bytes);
    const missing = COLUMNS.filter((c) => !table.getChild(c));
    if (missing.length > 0) throw new Error(`catalog columns: missing ${missing.join(', ')}`);
    if (table.batches.length > 1) throw new Error(`catalog columns: expected one record batch, found ${table.batches.length}`);
    const col = (name: string): Data => {
      const v = table.getChild(name)!;
      return v.data[0];
    };
    this.length = table.numRows;
    const n = this.length;
    // views into `bytes`, or copies when the buffer is to be dropped
    const keep = <T extends Int32Array | Float64Array | Uint8Array>(a: T): T => (file ? ((prepared?.copies?.get(a) as T | undefined) ?? (a.slice() as T)) : a);
    const nums = <T extends Int32Array | Float64Array>(name: string, empty: () => T): T => (n === 0 ? empty() : keep(col(name).values as T));
    const ints = (name: string) => nums(name, () => new Int32Array(0));
    const floats = (name: string) => nums(name, () => new Float64Array(0));
    const bits = (name: string, of: 'nullBitmap' | 'values') => {
      const b = n ? (col(name)[of] as Uint8Array | undefined) : undefined;
      return b && keep(b);
    };
    this.id = ints('id');
    this.releaseYear = ints('release_year');
    this.budget = floats('budget');
    this.revenue = floats('revenue');
    this.returnRatio = floats('return');
    this.popularity = floats('popularity');
    this.voteAverage = floats('vote_average');
    this.voteCount = floats('vote_count');
    this.runtimeValues = floats('runtime');
    this.collectionIds = ints('collection_id');
    this.runtimeValid = bits('runtime', 'nullBitmap');
    this.collectionValid = bits('collection_id', 'nullBitmap');
    this.credits = bits('has_credits', 'values') ?? new Uint8Array(0);
    this.fd = file?.fd ?? null;
    const textOf = (c: (typeof TEXT_COLUMNS)[number]): Text | FileText => {
      if (!n) return { offsets: new Int32Array(1), bytes: Buffer.alloc(0) };
      const t = text(col(c));
      if (!file) return t;
      if (file.onDisk.includes(c)) return { offsets: keep(t.offsets), fd: file.fd, position: t.bytes.byteOffset - bytes.byteOffset };
      const kept = keep(col(c).values as Uint8Array);
      return { offsets: keep(t.offsets), bytes: Buffer.from(kept.buffer, kept.byteOffset, kept.byteLength) };
    };
    this.texts = Object.fromEntries(TEXT_COLUMNS.map((c) => [c, textOf(c)])) as MovieColumns['texts'];
    // a dictionary's strings stay UTF-8 (copied out of `bytes` with the rest when it is to be dropped)
    const dict = (d: Data): Dict => {
      if (!d.dictionary) throw new Error('catalog columns: a dictionary column has no dictionary');
      const v = d.dictionary.data[0];
      const bytes = keep(v.values as Uint8Array);
      return {
        codes: keep(d.values as Int32Array),
        values: new Utf8Strings(keep(v.valueOffsets as Int32Array).subarray(0, v.length + 1), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
      };
    };
    const dictOf = (name: string): Dict => (n ? dict(col(name)) : { codes: new Int32Array(0), values: NO_STRINGS });
    this.releaseDates = dictOf('release_date');
    this.languages = dictOf('original_language');
    this.statuses = dictOf('status');
    this.collectionNames = dictOf('collection_name');
    this.lists = Object.fromEntries(
      LIST_COLUMNS.map((c) => {
        if (!n) return [c, { offsets: new Int32Array(1), codes: new Int32Array(0), values: NO_STRINGS }];
        const d = col(c);
        return [c, { offsets: keep(d.valueOffsets as Int32Array), ...dict(d.children[0]) }];
      }),
    ) as Record<ListColumn, Lists>;
    for (let i = 1; i < n; i++) if (this.id[i] <= this.id[i - 1]) throw new Error('catalog columns: ids are not ascending');
  }

  /** The row of a movie id, or -1 (ids ascend: a binary search). */
  rowOf(id: number): number {
    let lo = 0;
    let hi = this.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.id[mid];
      if (v === id) return mid;
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  textAt(c: (typeof TEXT_COLUMNS)[number], row: number): string {
    const t = this.texts[c];
    const from = t.offsets[row];
    const to = t.offsets[row + 1];
    if ('bytes' in t) return t.bytes.toString('utf8', from, to);
    if (from === to) return '';
    // a closed descriptor's number may already belong to another file
    if (this.fd === null) throw new Error('catalog columns: read after close()');
    // a positioned read of a few hundred bytes, from the page cache once the file is warm
    const buf = Buffer.allocUnsafe(to - from);
    readFullySync(t.fd, buf, t.position + from);
    return buf.toString('utf8');
  }

  /** Closes the file the on-disk texts are read from (once no call uses this version). */
  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }

  title(row: number): string {
    return this.textAt('title', row);
  }

  /** Feeds the titles and the keyword and cast lists (codes and dictionaries) to a hash: what the similar lists' rerank reads, without decoding it. */
  hashRerankInputs(h: Hash): void {
    const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const t = this.texts.title;
    h.update(bytes(t.offsets));
    if ('bytes' in t) h.update(t.bytes);
    else for (let row = 0; row < this.length; row++) h.update(this.title(row));
    for (const c of ['keywords', 'cast'] as const) {
      const l = this.lists[c];
      h.update(`${c}\n`);
      h.update(bytes(l.offsets));
      h.update(bytes(l.codes));
      l.values.hashInto(h);
    }
  }
  /** keyHash(normalizeKey(title(row))), from the title's bytes when they are plain ASCII (no string made). */
  titleKeyHash(row: number): number {
    const t = this.texts.title;
    const h = 'bytes' in t ? plainKeyHash(t.bytes, t.offsets[row], t.offsets[row + 1]) : -1;
    return h >= 0 ? h : keyHash(normalizeKey(this.title(row)));
  }
  releaseDate(row: number): string {
    return this.releaseDates.values.get(this.releaseDates.codes[row]);
  }
  language(row: number): string {
    return this.languages.values.get(this.languages.codes[row]);
  }
  runtime(row: number): number | null {
    return isSet(this.runtimeValid, row) ? this.runtimeValues[row] : null;
  }
  hasCredits(row: number): boolean {
    return (this.credits[row >> 3] & (1 << (row & 7))) !== 0;
  }
  /** The collection's id, or -1 when the movie is in none. */
  collectionId(row: number): number {
    return isSet(this.collectionValid, row) ? this.collectionIds[row] : -1;
  }
  collectionName(row: number): string {
    return this.collectionNames.values.get(this.collectionNames.codes[row]);
  }

  /** The names of one list column of a row (a fresh array), the first `limit` of them. */
  list(c: ListColumn, row: number, limit = Infinity): string[] {
    const l = this.lists[c];
    const from = l.offsets[row];
    const to = Math.min(l.offsets[row + 1], from + limit);
    if (from === to) return EMPTY as string[];
    const out = new Array<string>(to - from);
    for (let i = from; i < to; i++) out[i - from] = l.values.get(l.codes[i]);
    return out;
  }

  /** The scalar fields of a row (no lists, no file reads): what most answers show of a movie. */
  brief(row: number): MovieBrief {
    return {
      id: this.id[row],
      title: this.title(row),
      releaseDate: this.releaseDate(row),
      releaseYear: this.releaseYear[row],
      popularity: this.popularity[row],
      voteAverage: this.voteAverage[row],
      voteCount: this.voteCount[row],
      runtime: this.runtime(row),
    };
  }

  /** The full record of one row, built on demand. */
  movie(row: number): Movie {
    const countryCodes = this.list('production_country_codes', row);
    const countryNames = this.list('production_country_names', row);
    const langCodes = this.list('spoken_language_codes', row);
    const langNames = this.list('spoken_language_names', row);
    const cid = this.collectionId(row);
    return {
      id: this.id[row],
      title: this.title(row),
      overview: this.textAt('overview', row),
      tagline: this.textAt('tagline', row),
      releaseDate: this.releaseDate(row),
      releaseYear: this.releaseYear[row],
      budget: this.budget[row],
      revenue: this.revenue[row],
      return: this.returnRatio[row],
      runtime: this.runtime(row),
      popularity: this.popularity[row],
      voteAverage: this.voteAverage[row],
      voteCount: this.voteCount[row],
      originalLanguage: this.language(row),
      status: this.statuses.values.get(this.statuses.codes[row]),
      collection: cid < 0 ? null : { id: cid, name: this.collectionName(row) },
      genres: this.list('genres', row),
      productionCompanies: this.list('production_companies', row),
      productionCountries: countryCodes.map((code, i) => ({ code, name: countryNames[i] })),
      spokenLanguages: langCodes.map((code, i) => ({ code, name: langNames[i] })),
      cast: this.list('cast', row),
      directors: this.list('directors', row),
      keywords: this.list('keywords', row),
      hasCredits: this.hasCredits(row),
    };
  }

  /** Every row's Movie, one at a time. */
  *movies(): Generator<Movie> {
    for (let row = 0; row < this.length; row++) yield this.movie(row);
  }
}
