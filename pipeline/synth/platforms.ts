// Synthetic streaming-platform input for speed and scale: title lists recombined from the real
// catalogs (same columns and quirks, new show ids, invented titles beyond 1x) and raw rating files
// (userId,rating,timestamp,movieId) over the synthetic title ids, 11,024,289 rows for the full set.
// Same seed and sizes give byte-identical files. Never a basis for correctness claims.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readCsvRecords, type FileDigest } from '../sources/csv.js';
import { discoverTitleFiles } from '../platforms/extract.js';
import { PLATFORM_LETTER } from '../platforms/rules.js';
import { PLATFORMS, type Platform } from '../platforms/types.js';
import { Rng } from './prng.js';
import { CsvFileWriter, TextBlockWriter, type WrittenFile } from './writer.js';

export const FULL_PLATFORM_RATINGS = 11_024_289;
export const REAL_PLATFORM_TITLES = 22_998;
const RATING_PARTS = 8;
/** half-star ratings 0.5..5.0 and how often each is given (shaped like MovieLens-style data) */
const RATING_WEIGHTS = [1.1, 3.2, 1.4, 7.2, 4.6, 20.1, 12.9, 26.6, 7.6, 15.3];

export interface PlatformSynthOptions {
  /** titles in all (split over the platforms as in the real lists); default the real 22,998 */
  titles?: number;
  /** raw rating rows; default 11,024,289; 0 for none */
  ratings?: number;
  outDir: string;
  seed?: number;
  /** the real title lists to recombine (a platforms dir) */
  sourceDir: string;
  gzipLevel?: number;
}

export interface PlatformSynthSummary {
  titles: number;
  ratings: number;
  files: WrittenFile[];
  ms: number;
}

export async function generatePlatformSynth(opts: PlatformSynthOptions): Promise<PlatformSynthSummary> {
  const t0 = performance.now();
  const seed = opts.seed ?? 1;
  const rng = new Rng(seed ^ 0x9a7f);
  const gzipLevel = opts.gzipLevel ?? 1;
  const sources = await discoverTitleFiles(opts.sourceDir);
  if (sources.length === 0) throw new Error(`no platform title lists in ${opts.sourceDir} to recombine`);
  const real = new Map<Platform, { header: string[]; rows: string[][] }>();
  for (const s of sources) {
    const digest: FileDigest = { bytes: 0, sha256: '' };
    const rows: string[][] = [];
    let header: string[] = [];
    for await (const r of readCsvRecords(s.path, digest)) {
      header = r.header;
      if (r.fields.length === r.header.length) rows.push(r.fields);
    }
    real.set(s.platform, { header, rows });
  }
  const totalReal = [...real.values()].reduce((a, r) => a + r.rows.length, 0);
  const wanted = opts.titles ?? totalReal;
  const outDir = path.join(opts.outDir, 'platforms');
  await mkdir(path.join(outDir, 'ratings'), { recursive: true });
  const files: WrittenFile[] = [];
  const ids: string[] = [];
  for (const p of PLATFORMS) {
    const r = real.get(p);
    if (!r) continue;
    const n = Math.round((wanted * r.rows.length) / totalReal);
    const col = (c: string) => r.header.indexOf(c);
    const w = new CsvFileWriter(path.join(outDir, `${p}_titles.synth.csv.gz`), r.header, gzipLevel);
    for (let k = 0; k < n; k++) {
      const base = r.rows[k % r.rows.length];
      const round = Math.floor(k / r.rows.length);
      const row = [...base];
      row[col('show_id')] = `s${k + 1}`;
      // recombined: another row's cast and description; beyond the first round an invented title
      row[col('cast')] = r.rows[rng.int(r.rows.length)][col('cast')];
      row[col('description')] = r.rows[rng.int(r.rows.length)][col('description')];
      if (round > 0) row[col('title')] = `${base[col('title')]} ${['II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX'][(round - 1) % 8]}`;
      ids.push(`${PLATFORM_LETTER[p]}s${k + 1}`);
      await w.write(row);
    }
    files.push(await w.close());
  }
  const ratings = opts.ratings ?? FULL_PLATFORM_RATINGS;
  if (ratings > 0) {
    const perPart = Math.ceil(ratings / RATING_PARTS);
    const users = Math.max(1, Math.round(ratings / 40));
    let written = 0;
    for (let part = 1; part <= RATING_PARTS && written < ratings; part++) {
      const n = Math.min(perPart, ratings - written);
      // plain numeric rows: built as text in large blocks (a CSV writer per row is 10x slower here)
      const w = new TextBlockWriter(path.join(outDir, 'ratings', `${part}.synth.csv.gz`), gzipLevel);
      await w.write('userId,rating,timestamp,movieId\n');
      let block: string[] = [];
      for (let i = 0; i < n; i++) {
        const stars = (rng.weighted(RATING_WEIGHTS) + 1) / 2;
        block.push(`${1 + rng.int(users)},${stars.toFixed(1)},${1_420_070_400 + rng.int(252_460_800)},${ids[rng.int(ids.length)]}\n`);
        if (block.length === 65_536) {
          await w.write(block.join(''));
          block = [];
        }
      }
      await w.write(block.join(''));
      written += n;
      files.push(await w.close(n));
    }
  }
  await writeFile(
    path.join(opts.outDir, 'SYNTHETIC-PLATFORMS.md'),
    `# SYNTHETIC DATA — not real platform titles or ratings

Generated by Marquee's \`pipeline/synth/platforms.ts\` (seed ${seed}) for speed and scale work: ${ids.length.toLocaleString('en-US')} titles
recombined from the real lists in \`${opts.sourceDir}\` (new show ids; titles beyond the first copy invented), and
${ratings.toLocaleString('en-US')} raw ratings (userId,rating,timestamp,movieId) drawn at random over those ids. Never use
them for correctness checks.

${files.map((f) => `- \`${path.relative(opts.outDir, f.file)}\`: ${f.records.toLocaleString('en-US')} records, ${f.bytes.toLocaleString('en-US')} bytes`).join('\n')}
`,
  );
  return { titles: ids.length, ratings, files, ms: performance.now() - t0 };
}
