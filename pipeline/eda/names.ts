// Display names for ISO codes, from Intl (CLDR) rather than hand-made tables.

const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

/** English name of an ISO 639-1 code; the code itself when Intl does not know it (e.g. 'xx'). */
export function languageName(code: string): string {
  try {
    return languageNames.of(code) ?? code;
  } catch {
    return code; // not a well-formed language tag
  }
}

/**
 * Country display name: the catalog's own name when it has one (TMDB keeps historical countries
 * such as 'SU' Soviet Union, which CLDR would map to today's Russia), else Intl's, else the code.
 */
export function countryName(code: string, catalogName: string | undefined): string {
  if (catalogName && catalogName.trim() !== '') return catalogName;
  try {
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
}
