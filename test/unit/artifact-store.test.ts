import { mkdtemp, readdir, readFile, writeFile, mkdir, utimes } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FILES,
  newVersionId,
  prepareVersionDir,
  publishVersion,
  pruneVersions,
  readCurrent,
  writeStageResult,
} from '../../pipeline/artifacts/store.js';
import { loadCurrent } from '../../pipeline/artifacts/reader.js';
import type { Movie } from '../../pipeline/types.js';
import { bareMovie } from '../helpers/movie.js';

async function tmp(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'mq-store-'));
}

const movie = (id: number): Movie =>
  bareMovie(id, {
    releaseDate: '2000-01-01',
    releaseYear: 2000,
    originalLanguage: 'en',
    status: 'Released',
    genres: ['Drama'],
    productionCountries: [{ code: 'US', name: 'United States of America' }],
    cast: ['A. Actor'],
    hasCredits: true,
  });

async function buildVersion(artifacts: string, n: number, at: Date): Promise<string> {
  const version = newVersionId(`run${n}`.padEnd(8, 'x'), at);
  const dir = await prepareVersionDir(artifacts, version);
  await writeFile(path.join(dir, FILES.catalog), JSON.stringify(movie(n)) + '\n');
  await writeStageResult(dir, {
    stage: 'extract',
    startedAt: at.toISOString(),
    ms: 5,
    peakRssBytes: 100,
    counts: { movies_read: n },
    quarantine: { duplicate_id: 1 },
  });
  await writeStageResult(dir, {
    stage: 'transform',
    startedAt: at.toISOString(),
    ms: 7,
    peakRssBytes: 300,
    quarantine: { duplicate_id: 2, bad_id: 1 },
    files: { catalog: FILES.catalog },
  });
  return version;
}

describe('artifact store', () => {
  it('version ids sort by time', () => {
    const a = newVersionId('aaaaaaaa-1', new Date('2026-01-01T00:00:00.000Z'));
    const b = newVersionId('00000000-1', new Date('2026-01-01T00:00:00.001Z'));
    expect([b, a].sort()).toEqual([a, b]);
  });

  it('publish assembles the manifest from stage results and switches CURRENT', async () => {
    const artifacts = await tmp();
    expect(await readCurrent(artifacts)).toBeNull();
    const v = await buildVersion(artifacts, 1, new Date());
    const m = await publishVersion(artifacts, v, 'run-1');
    expect(await readCurrent(artifacts)).toBe(v);
    expect(m.counts.movies_read).toBe(1);
    expect(m.quarantine).toEqual({ duplicate_id: 3, bad_id: 1 });
    expect(m.peakRssBytes).toBe(300);
    expect(Object.keys(m.stages)).toEqual(['extract', 'transform']);
    const onDisk = JSON.parse(await readFile(path.join(artifacts, v, FILES.manifest), 'utf8'));
    expect(onDisk.version).toBe(v);
    const loaded = await loadCurrent(artifacts);
    expect([...(loaded?.movies.movies() ?? [])]).toEqual([movie(1)]);
    // no temp files left behind by the atomic writes
    expect((await readdir(artifacts)).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('removes extract/ at publish (its size in the manifest) unless told to keep it', async () => {
    const artifacts = await tmp();
    const sizes: number[] = [];
    for (const keep of [false, true]) {
      const v = await buildVersion(artifacts, 1 + sizes.length, new Date(Date.now() + sizes.length));
      await mkdir(path.join(artifacts, v, FILES.extractDir), { recursive: true });
      const body = 'x'.repeat(1234 + sizes.length);
      await writeFile(path.join(artifacts, v, FILES.extractDir, 'movies.jsonl'), body);
      await writeStageResult(path.join(artifacts, v), {
        stage: 'extract', startedAt: new Date().toISOString(), ms: 1, peakRssBytes: 1, counts: {}, files: { extract_movies: `${FILES.extractDir}/movies.jsonl` },
      });
      const m = await publishVersion(artifacts, v, 'r', undefined, { keepIntermediates: keep });
      sizes.push(body.length);
      expect(existsSync(path.join(artifacts, v, FILES.extractDir))).toBe(keep);
      expect(m.info.publish).toEqual({ intermediatesKept: keep, intermediatesRemovedBytes: keep ? 0 : body.length });
      expect('extract_movies' in m.files).toBe(keep);
    }
  });

  it('refuses to publish a version without a catalog, leaving CURRENT alone', async () => {
    const artifacts = await tmp();
    const good = await buildVersion(artifacts, 1, new Date());
    await publishVersion(artifacts, good, 'r');
    const bad = newVersionId('badbadbad');
    await prepareVersionDir(artifacts, bad);
    await expect(publishVersion(artifacts, bad, 'r')).rejects.toThrow(/cleaned catalog \(catalog\.arrow\) is missing/);
    expect(await readCurrent(artifacts)).toBe(good);
  });

  it('prunes old published versions but keeps CURRENT, the newest N and fresh unpublished dirs', async () => {
    const artifacts = await tmp();
    const t = Date.parse('2026-01-01T00:00:00Z');
    const versions: string[] = [];
    for (let i = 0; i < 5; i++) {
      const v = await buildVersion(artifacts, i, new Date(t + i * 1000));
      await publishVersion(artifacts, v, `r${i}`);
      versions.push(v);
    }
    // an unpublished dir still being written, and a stale abandoned one
    const fresh = newVersionId('freshfresh', new Date(t + 10_000));
    await prepareVersionDir(artifacts, fresh);
    const stale = newVersionId('stalestale', new Date(t - 10_000));
    await prepareVersionDir(artifacts, stale);
    const old = new Date(Date.now() - 48 * 3600_000);
    await utimes(path.join(artifacts, stale, 'stages'), old, old);
    await utimes(path.join(artifacts, stale), old, old);
    await mkdir(path.join(artifacts, '_cache'));

    const removed = await pruneVersions(artifacts, 2);
    expect(removed.sort()).toEqual([versions[0], versions[1], versions[2], stale].sort());
    for (const v of [versions[3], versions[4], fresh]) expect(existsSync(path.join(artifacts, v))).toBe(true);
    expect(existsSync(path.join(artifacts, '_cache'))).toBe(true);
    expect(await readCurrent(artifacts)).toBe(versions[4]);
  });
});
