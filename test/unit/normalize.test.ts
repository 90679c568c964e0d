import { describe, expect, it } from 'vitest';
import { CodeNames, isoWeekday, MONTHS, WEEKDAYS } from '../../service/normalize/intl.js';
import { normalizeKeyFully } from '../../pipeline/normalize.js';
import { keyHash, normalizeKey } from '../../service/normalize/text.js';
import { Utf8Strings } from '../../pipeline/catalog-columns/strings.js';

// Independent expectations, written by hand (the tables under test come from Intl).
const ES_MONTHS = ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'];
const EN_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const ES_DAYS = ['lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado', 'domingo'];
const EN_DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

describe('normalizeKey', () => {
  it('ignores case, accents, surrounding and repeated whitespace', () => {
    expect(normalizeKey('  Amélie ')).toBe('amelie');
    expect(normalizeKey('ÉL\t\tNIÑO')).toBe('el nino');
    expect(normalizeKey('Sergi López')).toBe(normalizeKey('SERGI LOPEZ'));
    expect(normalizeKey('Pedro Almodóvar')).toBe('pedro almodovar');
  });
  it('folds compatibility forms (ligatures, full-width letters)', () => {
    expect(normalizeKey('ﬁlm')).toBe('film');
    expect(normalizeKey('ＴＯＹ')).toBe('toy');
  });
  it('keeps letters without a decomposition and punctuation', () => {
    expect(normalizeKey("Howl's Moving Castle")).toBe("howl's moving castle");
    expect(normalizeKey('Łódź')).toBe('łodz');
    expect(normalizeKey('日本語')).toBe('日本語');
  });
  it("gives the full normalization's key for any text (the plain-ASCII shortcut changes nothing)", () => {
    // seeded random strings over ASCII, whitespace of every kind, accents, ligatures, full-width
    const alphabet = ['a', 'Z', 'q', '7', "'", '-', ' ', ' ', '  ', '\t', '\n', '\u00a0', 'é', 'É', 'ﬁ', 'Ｔ', '\u0301', 'ß', 'İ', '~', '\x7f', '\x1f'];
    let seed = 12345;
    const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    let ascii = 0;
    for (let k = 0; k < 20000; k++) {
      let s = '';
      const len = Math.floor(next() * 12);
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(next() * (k % 2 ? 10 : alphabet.length))];
      if (/^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/.test(s)) ascii++;
      expect(normalizeKey(s)).toBe(normalizeKeyFully(s));
    }
    expect(ascii).toBeGreaterThan(1000);
  });
  it("hashes and compares UTF-8 bytes as keyHash and normalizeKey do the strings (Utf8Strings.keyHashAt, sameKey)", () => {
    const alphabet = ['a', 'A', 'z', 'Z', '@', '`', '[', '{', '7', ' ', ' ', '  ', '\t', 'é', 'É', '\u00a0', '~', '\x7f'];
    let seed = 777;
    const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const texts = Array.from({ length: 4000 }, () => {
      let s = '';
      const len = Math.floor(next() * 6);
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(next() * alphabet.length)];
      return s;
    });
    const dict = Utf8Strings.from(texts);
    let plain = 0;
    let same = 0;
    texts.forEach((t, i) => {
      const key = normalizeKey(t);
      expect(dict.keyHashAt(i)).toBe(key ? keyHash(key) : -1);
      if (/^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/.test(t)) plain++;
      const j = Math.floor(next() * texts.length);
      const equal = normalizeKey(texts[j]) === key;
      expect(dict.sameKey(i, dict, j)).toBe(equal);
      if (equal) same++;
    });
    expect(plain).toBeGreaterThan(500);
    expect(same).toBeGreaterThan(50);
  });
});

describe('month and weekday tables (Intl, es + en)', () => {
  it('knows every month by Spanish and English name, accent- and case-insensitively', () => {
    ES_MONTHS.forEach((name, i) => {
      expect(MONTHS.byKey.get(normalizeKey(name))).toBe(i + 1);
      expect(MONTHS.es[i + 1]).toBe(name);
    });
    EN_MONTHS.forEach((name, i) => {
      expect(MONTHS.byKey.get(normalizeKey(name))).toBe(i + 1);
      expect(MONTHS.byKey.get(normalizeKey(name.slice(0, 3)))).toBe(i + 1);
      expect(MONTHS.en[i + 1]).toBe(name);
    });
    expect(MONTHS.byKey.get('ene')).toBe(1);
    expect(MONTHS.byKey.get('dic')).toBe(12);
    expect(MONTHS.byKey.get('sept')).toBe(9);
  });
  it('numbers weekdays ISO 8601 style: 1 = Monday ... 7 = Sunday', () => {
    ES_DAYS.forEach((name, i) => expect(WEEKDAYS.byKey.get(normalizeKey(name))).toBe(i + 1));
    EN_DAYS.forEach((name, i) => {
      expect(WEEKDAYS.byKey.get(normalizeKey(name))).toBe(i + 1);
      expect(WEEKDAYS.en[i + 1]).toBe(name);
    });
    expect(WEEKDAYS.byKey.get('mie')).toBe(3);
    expect(WEEKDAYS.byKey.get('sab')).toBe(6);
  });
  it('computes ISO weekdays of dates', () => {
    expect(isoWeekday('2024-01-01')).toBe(1); // Monday
    expect(isoWeekday('1995-10-30')).toBe(1);
    expect(isoWeekday('2024-01-07')).toBe(7); // Sunday
    expect(isoWeekday('2000-02-29')).toBe(2); // Tuesday
    // agrees with the JS Date's own weekday for many dates
    for (let d = Date.UTC(1950, 0, 1); d < Date.UTC(1951, 0, 1); d += 86_400_000) {
      const iso = new Date(d).toISOString().slice(0, 10);
      expect(isoWeekday(iso) % 7).toBe(new Date(d).getUTCDay());
    }
  });
});

describe('CodeNames', () => {
  it('languages: codes, Spanish/English/native names; catalog languages win; others count too', () => {
    const t = new CodeNames('language', new Map([['en', 10], ['es', 3], ['ja', 1], ['cn', 2]]), new Map([['cn', ['广州话 / 廣州話']]]));
    for (const q of ['es', 'ES', 'español', 'Espanol', 'Spanish', 'SPANISH']) expect(t.resolve(q)).toBe('es');
    expect(t.resolve('inglés')).toBe('en');
    expect(t.resolve('日本語')).toBe('ja');
    expect(t.resolve('japonés')).toBe('ja');
    expect(t.nameEn('ja')).toBe('Japanese');
    expect(t.nameEs('ja')).toBe('japonés');
    // a language no movie has is still known (answers count 0), a non-language is not
    expect(t.resolve('swahili')).toBe('sw');
    expect(t.resolve('klingonese')).toBeUndefined();
    // TMDB's non-ISO "cn" is accepted by code and by the catalog's own name
    expect(t.resolve('cn')).toBe('cn');
    expect(t.resolve('广州话 / 廣州話')).toBe('cn');
    // deprecated code "iw" does not steal "Hebrew" from "he"
    expect(t.resolve('hebrew')).toBe('he');
  });
  it('regions: catalog names and codes first; deprecated catalog codes keep their own name', () => {
    const t = new CodeNames(
      'region',
      new Map([['US', 5], ['SU', 1], ['GB', 2]]),
      new Map([['US', ['United States of America']], ['SU', ['Soviet Union']], ['GB', ['United Kingdom']]]),
    );
    for (const q of ['us', 'United States', 'united states of america', 'Estados Unidos', 'ESTADOS UNIDOS']) {
      expect(t.resolve(q)).toBe('US');
    }
    expect(t.nameEn('US')).toBe('United States of America');
    expect(t.nameEs('US')).toBe('Estados Unidos');
    expect(t.resolve('Soviet Union')).toBe('SU');
    expect(t.nameEn('SU')).toBe('Soviet Union');
    expect(t.resolve('russia')).toBe('RU'); // Intl's name for SU's successor goes to RU
    expect(t.resolve('reino unido')).toBe('GB');
    expect(t.resolve('Alemania')).toBe('DE');
    expect(t.resolve('Atlantis')).toBeUndefined();
  });
});
