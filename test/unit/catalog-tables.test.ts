import { describe, expect, it } from 'vitest';
import { CatalogColumnsBuilder } from '../../pipeline/catalog-columns/builder.js';
import { MovieColumns } from '../../pipeline/catalog-columns/table.js';
import { actorOf, directorOf, PersonIndex } from '../../service/catalog/people-table.js';
import { keyHash } from '../../service/normalize/text.js';
import { Utf8Strings } from '../../pipeline/catalog-columns/strings.js';
import { buildTables } from '../../service/catalog/tables.js';
import { bareMovie } from '../helpers/movie.js';

// A handful of movies whose expectations are plain to see: the month/weekday orders, the person
// index (spellings that normalize alike are one person) and the suggesters left for later.
const MOVIES = [
  bareMovie(1, { title: 'Heat', releaseDate: '1995-12-15', popularity: 17, cast: ['Al Pacino', 'Robert De Niro'], directors: ['Michael Mann'], hasCredits: true }),
  bareMovie(2, { title: 'Collateral', releaseDate: '2004-08-06', popularity: 12, cast: ['Tom Cruise', 'Jamie Foxx'], directors: ['Michael Mann'], hasCredits: true }),
  bareMovie(3, { title: 'Serpico', releaseDate: '1973-12-05', popularity: 9, cast: ['AL PACINO'], directors: ['Sidney Lumet'], hasCredits: true }),
  bareMovie(4, { title: 'Heat', releaseDate: '1986-03-14', popularity: 3, cast: ['Burt Reynolds'], directors: ['Dick Richards'], hasCredits: true }),
  bareMovie(5, { title: 'Amélie', releaseDate: '2001-04-25', popularity: 14, cast: ['Audrey Tautou'], directors: ['Jean-Pierre Jeunet'], hasCredits: true }),
];

function columns(): MovieColumns {
  const b = new CatalogColumnsBuilder();
  for (const m of MOVIES) b.add(m);
  return new MovieColumns(b.finish());
}

describe('catalog tables', () => {
  it('lists each month and weekday most popular first', async () => {
    const movies = columns();
    const t = await buildTables(movies);
    const ids = (rows: Int32Array) => Array.from(rows, (r) => movies.id[r]);
    // December: Heat 1995 (17), Serpico (9); Friday (ISO 5): Heat 1995 (Dec 15 1995), Collateral (Aug 6 2004), Heat 1986 (Mar 14 1986)
    expect(ids(t.byMonth[12])).toEqual([1, 3]);
    expect(ids(t.byWeekday[5])).toEqual([1, 2, 4]);
  });

  it('makes spellings that normalize alike one person, and knows actors from directors', async () => {
    const t = await buildTables(columns());
    const p = actorOf(t.people, 'al pacino');
    expect(p).toBeGreaterThanOrEqual(0);
    expect(actorOf(t.people, 'AL  PACINO')).toBe(p);
    expect(t.people.actorFilms[p]).toBe(2);
    expect(t.people.actorName(p)).toBe('Al Pacino');
    expect(directorOf(t.people, 'Al Pacino')).toBe(-1);
    const mann = directorOf(t.people, 'michael mann');
    expect(t.people.directedRows(mann).length).toBe(2);
    expect(actorOf(t.people, 'Nobody Known')).toBe(-1);
  });

  it('tells apart names whose keys share a 32-bit hash', () => {
    // birthday search for two keys with one FNV-1a hash (about 80k keys for even odds)
    const seen = new Map<number, string>();
    let pair: [string, string] | null = null;
    for (let i = 0; !pair; i++) {
      const key = `person ${i.toString(36)}`;
      const other = seen.get(keyHash(key));
      if (other) pair = [other, key];
      else seen.set(keyHash(key), key);
    }
    // spellings by code, as the catalog's dictionaries give them: the cast's, then the directors'
    const index = new PersonIndex(Utf8Strings.from([pair[0].toUpperCase(), pair[1]]), Utf8Strings.from([`  ${pair[1]}`, ' ']));
    const a = index.add(0);
    const b = index.add(1);
    expect(a).not.toBe(b);
    expect(index.get(pair[0])).toBe(a);
    expect(index.get(pair[1])).toBe(b);
    expect(index.add(2)).toBe(b);
    expect(index.add(3)).toBe(-1);
    expect(index.get('person none')).toBe(-1);
    expect(index.size).toBe(2);
  });

  it('leaves the big suggesters for later when asked: no suggestions and a note until completed', async () => {
    const t = await buildTables(columns(), { lateSuggestersFrom: 1 });
    expect(t.titleSuggester.suggest('Heet')).toEqual([]);
    expect(t.actorSuggester.suggest('Al Pacin')).toEqual([]);
    expect(t.titleSuggester.pendingNote).toMatch(/no suggestions yet/);
    await t.completeSuggesters();
    expect(t.titleSuggester.pendingNote).toBe('');
    expect(t.titleSuggester.suggest('Heet')[0]).toBe('Heat');
    expect(t.titleSuggester.suggest('amelie')[0]).toBe('Amélie');
    expect(t.actorSuggester.suggest('Al Pacin')[0]).toBe('Al Pacino');
    expect(t.directorSuggester.suggest('Micheal Man')[0]).toBe('Michael Mann');
  });

  it('builds every suggester before returning below the threshold', async () => {
    const t = await buildTables(columns());
    expect(t.actorSuggester.pendingNote).toBe('');
    expect(t.actorSuggester.suggest('Tom Cruse')[0]).toBe('Tom Cruise');
  });
});
