// Builds the columnar catalog (catalog.arrow) one movie at a time: numbers into growing typed arrays,
// long texts into one UTF-8 buffer with offsets, repeated names into dictionaries. Memory is the
// columns' bytes, not one object per movie, so transform can feed it while it streams.
import { Bool, Dictionary, Field, Float64, Int32, List, makeData, makeVector, RecordBatch, Schema, Struct, Table, tableToIPC, Utf8, type Data, type DataType } from 'apache-arrow';
import type { Movie } from '../types.js';
import { COLUMNS, DICT_COLUMNS, LIST_COLUMNS, NUMBER_COLUMNS, TEXT_COLUMNS, type ListColumn } from './schema.js';

class Grow<T extends Int32Array | Float64Array | Uint8Array> {
  length = 0;
  constructor(
    private make: (n: number) => T,
    public data: T = make(1024),
  ) {}
  push(v: number): void {
    if (this.length === this.data.length) this.reserve(this.length + 1);
    this.data[this.length++] = v;
  }
  reserve(n: number): void {
    if (n <= this.data.length) return;
    const next = this.make(Math.max(n, this.data.length * 2));
    next.set(this.data.subarray(0, this.length) as never);
    this.data = next;
  }
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
  append(values: ArrayLike<number>, add = 0): void {
    this.reserve(this.length + values.length);
    if (add === 0) this.data.set(values as never, this.length);
    else for (let i = 0; i < values.length; i++) this.data[this.length + i] = values[i] + add;
    this.length += values.length;
  }
}

const int32s = () => new Grow((n) => new Int32Array(n));
const float64s = () => new Grow((n) => new Float64Array(n));

/** Distinct strings in first-seen order, and each value's index. */
class StringDictionary {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  code(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) this.index.set(s, (i = this.values.push(s) - 1));
    return i;
  }
}

class TextColumn {
  private bytes = Buffer.allocUnsafe(1 << 16);
  private used = 0;
  readonly offsets = int32s();
  constructor() {
    this.offsets.push(0);
  }
  push(s: string): void {
    // room for the worst case (3 bytes per UTF-16 unit), so one write encodes it in place
    const need = this.used + s.length * 3;
    if (need > this.bytes.length) {
      const next = Buffer.allocUnsafe(Math.max(need, this.bytes.length * 2));
      this.bytes.copy(next, 0, 0, this.used);
      this.bytes = next;
    }
    this.used += this.bytes.write(s, this.used, 'utf8');
    if (this.used > 0x7fffffff) throw new Error('catalog column text exceeds 2 GB: write it in several record batches');
    this.offsets.push(this.used);
  }
  data(): Data<Utf8> {
    return makeData({ type: new Utf8(), length: this.offsets.length - 1, valueOffsets: this.offsets.view(), data: this.bytes.subarray(0, this.used) });
  }
  snapshot(): TextSnapshot {
    return { bytes: this.bytes.subarray(0, this.used), offsets: this.offsets.view() };
  }
  append(t: TextSnapshot): void {
    const need = this.used + t.bytes.length;
    if (need > 0x7fffffff) throw new Error('catalog column text exceeds 2 GB: write it in several record batches');
    if (need > this.bytes.length) {
      const next = Buffer.allocUnsafe(Math.max(need, this.bytes.length * 2));
      this.bytes.copy(next, 0, 0, this.used);
      this.bytes = next;
    }
    this.bytes.set(t.bytes, this.used);
    this.offsets.append(t.offsets.subarray(1), this.used);
    this.used = need;
  }
}

interface TextSnapshot {
  bytes: Uint8Array;
  offsets: Int32Array;
}

interface DictSnapshot {
  values: string[];
  codes: Int32Array;
}

class DictColumn {
  readonly dict = new StringDictionary();
  readonly codes = int32s();
  readonly type: Dictionary<Utf8, Int32>;
  /** `id`: the dictionary's id in the file, unique per column */
  constructor(id: number) {
    this.type = new Dictionary(new Utf8(), new Int32(), id);
  }
  push(s: string): void {
    this.codes.push(this.dict.code(s));
  }
  snapshot(): DictSnapshot {
    return { values: this.dict.values, codes: this.codes.view() };
  }
  /** Another builder's codes, through this dictionary: its values new here are added in its first-seen order, which is the order they would have been met in one pass over both. */
  append(d: DictSnapshot): void {
    const map = new Int32Array(d.values.length);
    for (let i = 0; i < d.values.length; i++) map[i] = this.dict.code(d.values[i]);
    this.codes.reserve(this.codes.length + d.codes.length);
    for (let i = 0; i < d.codes.length; i++) this.codes.data[this.codes.length + i] = map[d.codes[i]];
    this.codes.length += d.codes.length;
  }
  data(validity?: Uint8Array, nullCount = 0): Data<Dictionary<Utf8, Int32>> {
    const text = new TextColumn();
    for (const v of this.dict.values) text.push(v);
    return makeData({ type: this.type, length: this.codes.length, data: this.codes.view(), dictionary: makeVector(text.data()), nullBitmap: validity, nullCount });
  }
}

class ListBuilder {
  readonly items: DictColumn;
  readonly offsets = int32s();
  constructor(dictId: number) {
    this.items = new DictColumn(dictId);
    this.offsets.push(0);
  }
  push(values: readonly string[]): void {
    for (const v of values) this.items.push(v);
    this.offsets.push(this.items.codes.length);
  }
  snapshot(): ListSnapshot {
    return { items: this.items.snapshot(), offsets: this.offsets.view() };
  }
  append(l: ListSnapshot): void {
    this.offsets.append(l.offsets.subarray(1), this.items.codes.length);
    this.items.append(l.items);
  }
  data(): Data<List<Dictionary<Utf8, Int32>>> {
    const type = new List(new Field('item', this.items.type, false));
    return makeData({ type, length: this.offsets.length - 1, valueOffsets: this.offsets.view(), child: this.items.data() });
  }
}

interface ListSnapshot {
  items: DictSnapshot;
  offsets: Int32Array;
}

interface BitsSnapshot {
  bytes: Uint8Array;
  length: number;
}

/** Bits in Arrow's order (least significant first). */
class Bits {
  private bytes = new Grow((n) => new Uint8Array(n));
  length = 0;
  nulls = 0;
  push(on: boolean): void {
    if ((this.length & 7) === 0) this.bytes.push(0);
    if (on) this.bytes.data[this.length >> 3] |= 1 << (this.length & 7);
    else this.nulls++;
    this.length++;
  }
  view(): Uint8Array {
    return this.bytes.view();
  }
  snapshot(): BitsSnapshot {
    return { bytes: this.bytes.view(), length: this.length };
  }
  append(b: BitsSnapshot): void {
    for (let i = 0; i < b.length; i++) this.push((b.bytes[i >> 3] & (1 << (i & 7))) !== 0);
  }
}

const LIST_OF: Record<ListColumn, (m: Movie) => readonly string[]> = {
  genres: (m) => m.genres,
  production_companies: (m) => m.productionCompanies,
  cast: (m) => m.cast,
  directors: (m) => m.directors,
  keywords: (m) => m.keywords,
  production_country_codes: (m) => m.productionCountries.map((c) => c.code),
  production_country_names: (m) => m.productionCountries.map((c) => c.name),
  spoken_language_codes: (m) => m.spokenLanguages.map((l) => l.code),
  spoken_language_names: (m) => m.spokenLanguages.map((l) => l.name),
};

/**
 * A builder's columns as plain data (typed arrays and the dictionaries' values), for another thread's
 * builder to append: what one built over a later run of ids joins the first's columns as if one
 * builder had seen every movie (the same bytes).
 */
export interface CatalogColumnsSnapshot {
  count: number;
  firstId: number;
  lastId: number;
  numbers: Record<string, Int32Array | Float64Array>;
  texts: Record<string, TextSnapshot>;
  dicts: Record<string, DictSnapshot>;
  lists: Record<string, ListSnapshot>;
  runtimeValid: BitsSnapshot;
  collectionValid: BitsSnapshot;
  hasCredits: BitsSnapshot;
}

const mapValues = <T, U>(o: Record<string, T>, f: (v: T) => U): Record<string, U> => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

export class CatalogColumnsBuilder {
  private readonly numbers = Object.fromEntries(NUMBER_COLUMNS.map((c) => [c.name, c.int ? int32s() : float64s()])) as Record<string, Grow<Int32Array | Float64Array>>;
  private readonly texts = Object.fromEntries(TEXT_COLUMNS.map((c) => [c, new TextColumn()])) as Record<string, TextColumn>;
  private readonly dicts = Object.fromEntries(DICT_COLUMNS.map((c, i) => [c, new DictColumn(i)])) as Record<string, DictColumn>;
  private readonly lists = Object.fromEntries(LIST_COLUMNS.map((c, i) => [c, new ListBuilder(DICT_COLUMNS.length + i)])) as Record<ListColumn, ListBuilder>;
  private readonly runtimeValid = new Bits();
  private readonly collectionValid = new Bits();
  private readonly hasCredits = new Bits();
  private lastId = -Infinity;
  private firstId = Infinity;
  count = 0;

  add(m: Movie): void {
    if (!(m.id > this.lastId)) throw new Error(`catalog columns: movie ids must ascend (${m.id} after ${this.lastId})`);
    this.lastId = m.id;
    if (this.count === 0) this.firstId = m.id;
    const n = this.numbers;
    n.id.push(m.id);
    n.release_year.push(m.releaseYear);
    n.budget.push(m.budget);
    n.revenue.push(m.revenue);
    n.return.push(m.return);
    n.runtime.push(m.runtime ?? 0);
    this.runtimeValid.push(m.runtime !== null);
    n.popularity.push(m.popularity);
    n.vote_average.push(m.voteAverage);
    n.vote_count.push(m.voteCount);
    n.collection_id.push(m.collection?.id ?? 0);
    this.collectionValid.push(m.collection !== null);
    this.dicts.collection_name.push(m.collection?.name ?? '');
    this.texts.title.push(m.title);
    this.texts.overview.push(m.overview);
    this.texts.tagline.push(m.tagline);
    this.dicts.release_date.push(m.releaseDate);
    this.dicts.original_language.push(m.originalLanguage);
    this.dicts.status.push(m.status);
    for (const c of LIST_COLUMNS) this.lists[c].push(LIST_OF[c](m));
    this.hasCredits.push(m.hasCredits);
    this.count++;
  }

  snapshot(): CatalogColumnsSnapshot {
    return {
      count: this.count,
      firstId: this.firstId,
      lastId: this.lastId,
      numbers: mapValues(this.numbers, (g) => g.view()),
      texts: mapValues(this.texts, (t) => t.snapshot()),
      dicts: mapValues(this.dicts, (d) => d.snapshot()),
      lists: mapValues(this.lists, (l) => l.snapshot()),
      runtimeValid: this.runtimeValid.snapshot(),
      collectionValid: this.collectionValid.snapshot(),
      hasCredits: this.hasCredits.snapshot(),
    };
  }

  /** The snapshot's buffers, to move it to another thread without a copy (the builder is unusable after). */
  static buffersOf(s: CatalogColumnsSnapshot): ArrayBuffer[] {
    const out = new Set<ArrayBuffer>();
    const add = (a: ArrayBufferView) => {
      if (a.buffer instanceof ArrayBuffer) out.add(a.buffer);
    };
    Object.values(s.numbers).forEach(add);
    for (const t of Object.values(s.texts)) [t.bytes, t.offsets].forEach(add);
    for (const d of Object.values(s.dicts)) add(d.codes);
    for (const l of Object.values(s.lists)) [l.offsets, l.items.codes].forEach(add);
    [s.runtimeValid, s.collectionValid, s.hasCredits].forEach((b) => add(b.bytes));
    return [...out];
  }

  /** Appends another builder's movies (all after this one's, by id). */
  append(s: CatalogColumnsSnapshot): void {
    if (s.count === 0) return;
    if (!(s.firstId > this.lastId)) throw new Error(`catalog columns: movie ids must ascend (${s.firstId} after ${this.lastId})`);
    for (const [k, g] of Object.entries(this.numbers)) g.append(s.numbers[k]);
    for (const [k, t] of Object.entries(this.texts)) t.append(s.texts[k]);
    for (const [k, d] of Object.entries(this.dicts)) d.append(s.dicts[k]);
    for (const [k, l] of Object.entries(this.lists)) l.append(s.lists[k]);
    this.runtimeValid.append(s.runtimeValid);
    this.collectionValid.append(s.collectionValid);
    this.hasCredits.append(s.hasCredits);
    if (this.count === 0) this.firstId = s.firstId;
    this.lastId = s.lastId;
    this.count += s.count;
  }

  /** The Arrow IPC file bytes: one record batch with every column. */
  finish(): Uint8Array {
    const length = this.count;
    const children: Data[] = [];
    const fields: Field[] = [];
    for (const col of COLUMNS) {
      let d: Data;
      const numeric = NUMBER_COLUMNS.find((c) => c.name === col);
      if (numeric) {
        const values = this.numbers[col].view();
        const valid = col === 'runtime' ? this.runtimeValid : col === 'collection_id' ? this.collectionValid : null;
        const type: DataType = numeric.int ? new Int32() : new Float64();
        d = makeData({ type, length, data: values, nullBitmap: valid?.view(), nullCount: valid?.nulls ?? 0 } as never);
      } else if (col in this.texts) d = this.texts[col].data();
      else if (col in this.dicts) {
        d = col === 'collection_name' ? this.dicts[col].data(this.collectionValid.view(), this.collectionValid.nulls) : this.dicts[col].data();
      } else if (col in this.lists) d = this.lists[col as ListColumn].data();
      else if (col === 'has_credits') d = makeData({ type: new Bool(), length, data: this.hasCredits.view() });
      else throw new Error(`catalog columns: no builder for ${col}`);
      children.push(d);
      fields.push(new Field(col, d.type, d.nullCount > 0 || col === 'runtime' || col === 'collection_id' || col === 'collection_name'));
    }
    const schema = new Schema(fields);
    const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length, nullCount: 0, children }));
    return tableToIPC(new Table([batch]), 'file');
  }
}
