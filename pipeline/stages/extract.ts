// Extract: raw CSV(.gz) parts -> validated rows with their Python literals parsed, under <version>/extract/.
// Bad rows go to extract/quarantine.jsonl with a reason; nothing is dropped silently.
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { timedStage, type StageContext } from './context';
import { FILES } from '../artifacts/store';
import { JsonlWriter } from '../artifacts/files';
import { discoverInputs, type SourceFile } from '../sources/discover';
import { readCsvRecords, type CsvRecord, type FileDigest } from '../sources/csv';
import { parseDictList, parsePyLiteral, pyTypeName, type PyValue } from '../sources/pyliteral';
import { checkRow, literalFailure, quarantineRecord } from '../etl/rows';
import {
  CAST_KEYS,
  CREW_KEYS,
  EXTRACT_FILES,
  KEYWORD_KEYS,
  MOVIE_NESTED_COLUMNS,
  type ExtractedCredits,
  type ExtractedKeywords,
  type ExtractedMovie,
  type MovieNestedColumn,
} from '../etl/extracted';
import { ProgressThrottle } from '../etl/progress';
import type { InputFile, QuarantineReason, QuarantineRecord, StageResult, Table } from '../types';

const REQUIRED_COLUMNS: Record<Table, string[]> = {
  movies: ['id', 'title', 'release_date'],
  credits: ['id', 'cast', 'crew'],
  keywords: ['id', 'keywords'],
};

const NESTED = new Set<string>(MOVIE_NESTED_COLUMNS);

/** Where the first kept row of an id came from, and a fingerprint to tell exact repeats from conflicts. */
interface Seen {
  file: string;
  row: number;
  fingerprint: string;
}

function fingerprint(fields: string[]): string {
  const h = createHash('md5');
  for (const f of fields) h.update(f).update('\u0000');
  return h.digest('base64');
}

class ExtractRun {
  readonly counts: Record<string, number> = {};
  readonly quarantineByReason: Record<string, number> = {};
  readonly inputs: InputFile[] = [];
  rowsRead = 0;

  constructor(
    private readonly ctx: StageContext,
    private readonly quarantine: JsonlWriter<QuarantineRecord>,
    private readonly progress: ProgressThrottle,
  ) {}

  add(key: string, n = 1): void {
    this.counts[key] = (this.counts[key] ?? 0) + n;
  }

  async reject(q: QuarantineRecord): Promise<void> {
    this.quarantineByReason[q.reason] = (this.quarantineByReason[q.reason] ?? 0) + 1;
    this.add(`${q.table}_quarantined`);
    await this.quarantine.write(q);
  }

  /**
   * Streams every part of a table, checking header, field count and id, and hands good rows to
   * `onRow` (which returns a quarantine verdict or null). Records each file's digest.
   */
  async readTable(
    table: Table,
    files: SourceFile[],
    onRow: (rec: CsvRecord, id: number, file: string) => Promise<void>,
  ): Promise<void> {
    this.add(`${table}_rows_read`, 0);
    for (const src of files) {
      const digest: FileDigest = { bytes: 0, sha256: '' };
      const skipped: QuarantineRecord[] = [];
      let idIndex = -1;
      let headerChecked: string[] | null = null;
      for await (const rec of readCsvRecords(src.path, digest, (s) =>
        skipped.push({
          table,
          file: src.file,
          row: s.row,
          reason: 'malformed_row',
          detail: `unreadable CSV record (line ${s.line}): ${s.message}`,
        }),
      )) {
        if (headerChecked !== rec.header) {
          const missing = REQUIRED_COLUMNS[table].filter((c) => !rec.header.includes(c));
          if (missing.length > 0) {
            throw new Error(`${src.file}: header lacks column(s) ${missing.join(', ')} (header: ${rec.header.join(',')})`);
          }
          idIndex = rec.header.indexOf('id');
          headerChecked = rec.header;
        }
        while (skipped.length > 0) await this.reject(skipped.shift()!);
        this.rowsRead++;
        this.add(`${table}_rows_read`);
        if ((this.rowsRead & 1023) === 0) {
          this.ctx.signal?.throwIfAborted();
          this.progress.report(this.rowsRead, `${table}: ${src.file}`);
        }
        const check = checkRow(rec, idIndex);
        if (!check.ok) {
          await this.reject(quarantineRecord(table, src.file, rec, check.reason, check.detail, check.id));
          continue;
        }
        await onRow(rec, check.id, src.file);
      }
      for (const q of skipped) await this.reject(q);
      if (headerChecked === null) this.ctx.log.warn({ file: src.file }, 'input file has no header row: skipped');
      this.inputs.push({ table, file: src.file, path: src.path, bytes: digest.bytes, sha256: digest.sha256 });
    }
    this.progress.report(this.rowsRead, `${table} done`, true);
  }

  /**
   * Duplicate ids: the first kept row wins. `exactRepeatsAreCounted`: an exact repeat of a kept row
   * is counted and skipped (keywords, credits); otherwise every repeat is quarantined (movies).
   */
  async duplicate(
    table: Table,
    seen: Map<number, Seen>,
    id: number,
    rec: CsvRecord,
    file: string,
    fp: string,
    exactRepeatsAreCounted: boolean,
  ): Promise<boolean> {
    const first = seen.get(id);
    if (!first) return false;
    const identical = first.fingerprint === fp;
    if (identical && exactRepeatsAreCounted) {
      this.add(`${table}_duplicate_rows`);
      return true;
    }
    await this.reject(
      quarantineRecord(
        table,
        file,
        rec,
        'duplicate_id',
        `id ${id} already kept from ${first.file} row ${first.row} (${identical ? 'identical row' : 'row differs'}); the first is kept`,
        String(id),
      ),
    );
    return true;
  }
}

async function extractMovies(run: ExtractRun, files: SourceFile[], out: JsonlWriter<ExtractedMovie>): Promise<void> {
  const seen = new Map<number, Seen>();
  await run.readTable('movies', files, async (rec, id, file) => {
    const fp = fingerprint(rec.fields);
    if (await run.duplicate('movies', seen, id, rec, file, fp, false)) return;
    const columns: Record<string, string> = {};
    const nested = {} as Record<MovieNestedColumn, PyValue>;
    for (const c of MOVIE_NESTED_COLUMNS) nested[c] = null;
    for (let i = 0; i < rec.header.length; i++) {
      const name = rec.header[i];
      const text = rec.fields[i];
      if (!NESTED.has(name)) {
        columns[name] = text;
        continue;
      }
      if (text.trim() === '') continue; // empty cell: no collection / no list
      let v: PyValue;
      try {
        v = parsePyLiteral(text);
      } catch (e) {
        const f = literalFailure(e, name, rec);
        await run.reject(quarantineRecord('movies', file, rec, f.reason, f.detail, String(id)));
        return;
      }
      const wantDict = name === 'belongs_to_collection';
      const shapeOk = wantDict ? v !== null && typeof v === 'object' && !Array.isArray(v) : Array.isArray(v);
      if (!shapeOk) {
        await run.reject(
          quarantineRecord(
            'movies',
            file,
            rec,
            'unexpected_literal',
            `column ${name}, row ${rec.row} (line ${rec.line}): expected ${wantDict ? 'a dict' : 'a list'}, found ${pyTypeName(v)}`,
            String(id),
          ),
        );
        return;
      }
      nested[name as MovieNestedColumn] = v;
    }
    seen.set(id, { file, row: rec.row, fingerprint: fp });
    run.add('movies_rows_kept');
    await out.write({ id, file, row: rec.row, columns, nested });
  });
}

/** Parse a list-of-dicts cell keeping only `keys`; empty cell = empty list. */
function dictList(text: string, keys: ReadonlySet<string>): { [k: string]: PyValue }[] {
  return text.trim() === '' ? [] : parseDictList(text, keys);
}

async function extractCredits(run: ExtractRun, files: SourceFile[], out: JsonlWriter<ExtractedCredits>): Promise<void> {
  const seen = new Map<number, Seen>();
  await run.readTable('credits', files, async (rec, id, file) => {
    const h = rec.header;
    const castText = rec.fields[h.indexOf('cast')];
    const crewText = rec.fields[h.indexOf('crew')];
    const fp = fingerprint([castText, crewText]);
    if (await run.duplicate('credits', seen, id, rec, file, fp, true)) return;
    let cast: ExtractedCredits['cast'];
    let crew: ExtractedCredits['crew'];
    let column = 'cast';
    try {
      cast = dictList(castText, CAST_KEYS);
      column = 'crew';
      crew = dictList(crewText, CREW_KEYS);
    } catch (e) {
      const f = literalFailure(e, column, rec);
      await run.reject(quarantineRecord('credits', file, rec, f.reason, f.detail, String(id)));
      return;
    }
    seen.set(id, { file, row: rec.row, fingerprint: fp });
    run.add('credits_rows_kept');
    await out.write({ id, file, row: rec.row, cast, crew });
  });
}

async function extractKeywords(
  run: ExtractRun,
  files: SourceFile[],
  out: JsonlWriter<ExtractedKeywords>,
): Promise<void> {
  const seen = new Map<number, Seen>();
  const repeatedIds = new Set<number>();
  await run.readTable('keywords', files, async (rec, id, file) => {
    const text = rec.fields[rec.header.indexOf('keywords')];
    const fp = fingerprint([text]);
    if (await run.duplicate('keywords', seen, id, rec, file, fp, true)) {
      repeatedIds.add(id);
      return;
    }
    let keywords: ExtractedKeywords['keywords'];
    try {
      keywords = dictList(text, KEYWORD_KEYS);
    } catch (e) {
      const f = literalFailure(e, 'keywords', rec);
      await run.reject(quarantineRecord('keywords', file, rec, f.reason, f.detail, String(id)));
      return;
    }
    seen.set(id, { file, row: rec.row, fingerprint: fp });
    run.add('keywords_rows_kept');
    await out.write({ id, file, row: rec.row, keywords });
  });
  run.add('keywords_duplicate_ids', repeatedIds.size);
}

export async function runExtract(ctx: StageContext): Promise<StageResult> {
  return timedStage('extract', async () => {
    const tables = await discoverInputs(ctx.config.dataDir);
    const outDir = path.join(ctx.dir, FILES.extractDir);
    // Idempotent: a re-run rewrites only this stage's own output.
    await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true });
    const quarantine = new JsonlWriter<QuarantineRecord>(path.join(outDir, EXTRACT_FILES.quarantine));
    const progress = new ProgressThrottle((done, message) =>
      ctx.progress({ stage: 'extract', done, unit: 'rows', message }),
    );
    const run = new ExtractRun(ctx, quarantine, progress);
    for (const t of ['credits', 'keywords'] as const) {
      if (tables[t].length === 0) ctx.log.warn({ dataDir: ctx.config.dataDir }, `no ${t} input: movies will have none`);
    }
    const movies = new JsonlWriter<ExtractedMovie>(path.join(outDir, EXTRACT_FILES.movies));
    await extractMovies(run, tables.movies, movies);
    await movies.close();
    const credits = new JsonlWriter<ExtractedCredits>(path.join(outDir, EXTRACT_FILES.credits));
    await extractCredits(run, tables.credits, credits);
    await credits.close();
    const keywords = new JsonlWriter<ExtractedKeywords>(path.join(outDir, EXTRACT_FILES.keywords));
    await extractKeywords(run, tables.keywords, keywords);
    await keywords.close();
    await quarantine.close();

    for (const t of ['movies', 'credits', 'keywords'] as const) {
      run.add(`${t}_rows_kept`, 0);
      run.add(`${t}_quarantined`, 0);
    }
    run.add('input_files', run.inputs.length);
    run.add('extract_quarantined', quarantine.count);
    return {
      counts: run.counts,
      quarantine: run.quarantineByReason as Record<QuarantineReason, number>,
      inputs: run.inputs,
      files: {
        extract_movies: `${FILES.extractDir}/${EXTRACT_FILES.movies}`,
        extract_credits: `${FILES.extractDir}/${EXTRACT_FILES.credits}`,
        extract_keywords: `${FILES.extractDir}/${EXTRACT_FILES.keywords}`,
        extract_quarantine: `${FILES.extractDir}/${EXTRACT_FILES.quarantine}`,
      },
      info: { dataDir: ctx.config.dataDir },
    };
  });
}
