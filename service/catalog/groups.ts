import { notFound } from '../errors.js';
import { normalizeKey } from '../normalize/text.js';
import type { CatalogState } from '../state.js';
import { requireText } from '../validate.js';
import { movieRefAt } from './messages.js';

export function moviesByLanguage(state: CatalogState, req: { language?: string }) {
  const text = requireText(
    req.language,
    'language',
    'an ISO 639-1 code ("fr") or a language name in Spanish, English or the language itself ("francés", "French", "français")',
  );
  const { tables } = state;
  const code = tables.languages.resolve(text);
  if (!code) {
    throw notFound(`unknown language ${JSON.stringify(text)}`, tables.languageSuggester.suggest(text), 'LANGUAGE_NOT_FOUND');
  }
  return {
    code,
    nameEn: tables.languages.nameEn(code),
    nameEs: tables.languages.nameEs(code),
    count: tables.languageCounts.get(code) ?? 0,
  };
}

export function moviesByCountry(state: CatalogState, req: { country?: string }) {
  const text = requireText(
    req.country,
    'country',
    'an ISO 3166-1 alpha-2 code ("FR") or a country name in Spanish or English ("Francia", "France")',
  );
  const { tables } = state;
  const code = tables.countries.resolve(text);
  if (!code) {
    throw notFound(`unknown country ${JSON.stringify(text)}`, tables.countrySuggester.suggest(text), 'COUNTRY_NOT_FOUND');
  }
  return {
    code,
    nameEn: tables.countries.nameEn(code),
    nameEs: tables.countries.nameEs(code),
    count: tables.countryCounts.get(code) ?? 0,
  };
}

export function franchise(state: CatalogState, req: { name?: string }) {
  const name = requireText(req.name, 'name', 'a collection name, e.g. "Toy Story Collection" or "Toy Story"');
  const { tables } = state;
  const s = tables.collections.get(normalizeKey(name));
  if (!s) {
    throw notFound(`no franchise (collection) named ${JSON.stringify(name)}`, tables.collectionSuggester.suggest(name), 'FRANCHISE_NOT_FOUND');
  }
  return {
    name: s.name,
    collectionId: s.id,
    count: s.movies.length,
    totalRevenue: s.totalRevenue,
    averageRevenue: s.movies.length > 0 ? s.totalRevenue / s.movies.length : 0,
    movies: Array.from(s.movies, (row) => movieRefAt(state.movies, row)),
  };
}

export function productionCompany(state: CatalogState, req: { name?: string }) {
  const name = requireText(req.name, 'name', 'a production company name, e.g. "Pixar Animation Studios"');
  const { tables } = state;
  const s = tables.companies.get(normalizeKey(name));
  if (!s) {
    throw notFound(`no production company named ${JSON.stringify(name)}`, tables.companySuggester.suggest(name), 'COMPANY_NOT_FOUND');
  }
  return {
    name: s.name,
    count: s.count,
    totalRevenue: s.totalRevenue,
    averageRevenue: s.count > 0 ? s.totalRevenue / s.count : 0,
  };
}
