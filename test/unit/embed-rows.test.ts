import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAllJsonl } from '../../pipeline/artifacts/files.js';
import { PROJECT_ROOT } from '../../pipeline/config.js';
import { docsFromArray, openDocSource } from '../../pipeline/embed/doc-source.js';
import { embedCatalogRows } from '../../pipeline/embed/embed-rows.js';
import { CatalogEmbedder } from '../../pipeline/embedders/catalog/model.js';
import { movieDoc } from '../../pipeline/embedders/movie-doc.js';
import type { Movie } from '../../pipeline/types.js';
import { fixtureVersion } from '../helpers/fixture-version.js';

const FIXTURE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'embed', 'catalog.jsonl');
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('the catalog embedding pass on two threads (embed-rows.ts)', () => {
  it('writes the same bytes as one thread, the helper thread embedding the second half from the saved parameters', async () => {
    const movies = await readAllJsonl<Movie>(FIXTURE);
    // the fixture several times over, each copy told apart (a row written from the wrong doc shows)
    const base = movies.map(movieDoc);
    const docs = Array.from({ length: 8 }, (_, k) => base.map((d, i) => ({ ...d, genres: [...d.genres, base[(i + k) % base.length].title] }))).flat();
    const embedder = CatalogEmbedder.fit(movies.map(movieDoc));
    const paramsDir = await mkdtemp(path.join(os.tmpdir(), 'mq-embed-rows-'));
    dirs.push(paramsDir);
    await embedder.save(paramsDir);
    // every other row, as a cache that holds the rest would leave them
    const rows = docs.map((_, i) => i).filter((i) => i % 2 === 0);

    const one = new Float32Array(docs.length * embedder.dims);
    // one thread: `one` is not on shared memory
    expect((await embedCatalogRows(embedder, paramsDir, docsFromArray(docs), rows, one, () => undefined, 1)).threads).toBe(1);
    const two = new Float32Array(new SharedArrayBuffer(docs.length * embedder.dims * 4));
    let last = 0;
    expect((await embedCatalogRows(embedder, paramsDir, docsFromArray(docs), rows, two, (d) => (last = d), 1)).threads).toBe(2);
    expect(last).toBe(rows.length);
    expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer))).toBe(true);
    // the rows not asked for stay untouched, the asked ones are filled
    const row = (m: Float32Array, r: number) => m.subarray(r * embedder.dims, (r + 1) * embedder.dims);
    expect(row(two, 1).every((x) => x === 0)).toBe(true);
    expect(row(two, rows.at(-1)!).some((x) => x !== 0)).toBe(true);
  });

  it('reads the docs from catalog.arrow on shared memory: the same docs as movieDoc of each Movie, the same bytes on one thread and two', async () => {
    const { dir, catalog, movies } = await fixtureVersion('mq-embed-cols-');
    dirs.push(dir);
    const source = await openDocSource(catalog, 'movies');
    try {
      expect(source.shared).toBeInstanceOf(SharedArrayBuffer);
      expect(source.length).toBe(movies.length);
      movies.forEach((m, i) => {
        expect(source.id(i)).toBe(m.id);
        // key order too: the fit's cache key is the JSON of these docs
        expect(JSON.stringify(source.doc(i))).toBe(JSON.stringify(movieDoc(m)));
      });
      const embedder = CatalogEmbedder.fit(movies.map(movieDoc));
      const paramsDir = path.join(dir, 'params');
      await mkdir(paramsDir);
      await embedder.save(paramsDir);
      const rows = movies.map((_, i) => i).filter((i) => i !== 3);
      const one = new Float32Array(movies.length * embedder.dims);
      expect((await embedCatalogRows(embedder, paramsDir, docsFromArray(movies.map(movieDoc)), rows, one, () => undefined, Infinity)).threads).toBe(1);
      const two = new Float32Array(new SharedArrayBuffer(one.byteLength));
      expect((await embedCatalogRows(embedder, paramsDir, source, rows, two, () => undefined, 1)).threads).toBe(2);
      expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer))).toBe(true);
    } finally {
      source.close();
    }
  });
});
