// npm run data:synth -- --movies N --out DIR [--seed S] [--credits-bytes B] [--plain] [--gzip-level L] [--source DIR]
//                     [--platform-titles T] [--platform-ratings R]
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SHARED_TMDB_DIR } from '../config.js';
import { defaultCreditsBytes, generateSynth } from './generate.js';
import { generatePlatformSynth } from './platforms.js';
import { generateMovieLensSynth } from './movielens.js';

const USAGE = `usage: npm run data:synth -- --movies N --out DIR [--seed S] [--credits-bytes B] [--plain] [--gzip-level 1-9] [--source DIR]
  --movies N         number of movies (>= 20); the real full file has 45466
  --out DIR          output folder (created); files are named *.synth.csv.gz
  --seed S           PRNG seed (default 1); same seed + options => byte-identical files
  --credits-bytes B  uncompressed credits size to aim at (default: 189,917,659 * N / 45,466)
  --plain            write plain .csv instead of .csv.gz
  --gzip-level L     gzip level 1-9 (default 6)
  --source DIR       real TMDB files to recombine (default: the shared partial copy)
  --platform-titles T   also write synthetic platform title lists (T titles in all; the real set has 22998)
                        into DIR/platforms/, recombined from ../shared/data/platforms
  --platform-ratings R  and R raw ratings over those titles (default 11024289, the full set), in 8 parts
                        (--movies may be left out to write the platform files only)
  --movielens-ratings R synthetic MovieLens ratings.synth.csv.gz + links.synth.csv.gz in DIR (R rows;
                        26024289 is the full ratings.csv), for bench:train`;

function wholeNumber(name: string, v: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number from ${min} to ${max} (got ${v})`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      movies: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      'credits-bytes': { type: 'string' },
      plain: { type: 'boolean', default: false },
      'gzip-level': { type: 'string' },
      source: { type: 'string' },
      'platform-titles': { type: 'string' },
      'platform-ratings': { type: 'string' },
      'movielens-ratings': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const movies = wholeNumber('movies', values.movies, 20);
  const platformTitles = wholeNumber('platform-titles', values['platform-titles'], 4);
  const platformRatings = wholeNumber('platform-ratings', values['platform-ratings'], 0);
  const movielens = wholeNumber('movielens-ratings', values['movielens-ratings'], 100);
  if ((movies === undefined && platformTitles === undefined && movielens === undefined) || !values.out) {
    throw new Error(`--out and --movies (or --platform-titles, --movielens-ratings) are required\n${USAGE}`);
  }
  const outDir = path.resolve(values.out);
  if (movielens !== undefined) {
    const s = await generateMovieLensSynth({ ratings: movielens, outDir, seed: wholeNumber('seed', values.seed, 0, 2 ** 32 - 1) });
    console.log(`SYNTHETIC MovieLens ratings: ${movielens.toLocaleString('en-US')} -> ${outDir} (${(s.ms / 1000).toFixed(1)} s)`);
    for (const f of s.files) console.log(`  ${path.basename(f.file).padEnd(28)} ${f.records.toLocaleString('en-US').padStart(12)} records  ${f.bytes.toLocaleString('en-US').padStart(14)} bytes`);
  }
  if (platformTitles !== undefined) {
    const s = await generatePlatformSynth({
      titles: platformTitles,
      ratings: platformRatings,
      outDir,
      seed: wholeNumber('seed', values.seed, 0, 2 ** 32 - 1),
      sourceDir: path.join(path.dirname(SHARED_TMDB_DIR), 'platforms'),
    });
    console.log(`SYNTHETIC platform data: ${s.titles.toLocaleString('en-US')} titles, ${s.ratings.toLocaleString('en-US')} ratings -> ${path.join(outDir, 'platforms')} (${(s.ms / 1000).toFixed(1)} s)`);
    for (const f of s.files) console.log(`  ${path.relative(outDir, f.file).padEnd(40)} ${f.records.toLocaleString('en-US').padStart(11)} records  ${f.bytes.toLocaleString('en-US').padStart(13)} bytes`);
  }
  if (movies === undefined) return;
  const creditsBytes = wholeNumber('credits-bytes', values['credits-bytes'], 0);
  const t0 = performance.now();
  console.log(
    `SYNTHETIC data: ${movies.toLocaleString('en-US')} movies -> ${outDir} ` +
      `(credits ~${(creditsBytes ?? defaultCreditsBytes(movies)).toLocaleString('en-US')} bytes uncompressed)`,
  );
  let last = -1;
  const s = await generateSynth({
    movies,
    outDir,
    seed: wholeNumber('seed', values.seed, 0, 2 ** 32 - 1),
    creditsBytes,
    gzip: !values.plain,
    gzipLevel: wholeNumber('gzip-level', values['gzip-level'], 1, 9),
    sourceDir: values.source ? path.resolve(values.source) : undefined,
    onProgress: (done, total) => {
      const pct = Math.floor((done / total) * 10) * 10;
      if (pct !== last && process.stderr.isTTY) process.stderr.write(`\r  ${pct}%`);
      last = pct;
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\r');
  for (const f of Object.values(s.files)) {
    console.log(
      `  ${f.name.padEnd(32)} ${f.records.toLocaleString('en-US').padStart(9)} records  ` +
        `${f.bytes.toLocaleString('en-US').padStart(13)} bytes  (${f.fileBytes.toLocaleString('en-US')} on disk)`,
    );
  }
  const d = s.dirt;
  console.log(
    `  dirt: ${d.shiftedIds.length} shifted, ${d.duplicateMovieIds.length} duplicate movie rows, ` +
      `${d.missingReleaseDateIds.length} without release date, ${d.duplicateCreditIds.length} duplicate credits rows, ` +
      `${d.duplicateKeywordRows} duplicate keyword rows`,
  );
  console.log(`  seed ${s.seed}; ${((performance.now() - t0) / 1000).toFixed(1)} s; see ${path.join(outDir, 'SYNTHETIC.md')}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
