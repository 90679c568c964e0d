import * as vega from 'vega';

// Without canvas, vega guesses every character as 0.8 em wide: labels then get truncated early
// and charts get wide empty margins. The report's font is Liberation Sans, which has Arial's
// (Helvetica's) metrics, so the standard Helvetica AFM widths give close widths instead.
// Vega supports a user-defined `textMetrics.width` for exactly this (vl-convert does the same).

// Helvetica widths in 1/1000 em for ASCII 32..126.
// prettier-ignore
const WIDTHS = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' '..'/'
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // '0'..'?'
  1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // '@'..'O'
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 'P'..'_'
  333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // '`'..'o'
  556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, //      'p'..'~'
];
/** other characters (accented letters, CJK, dashes): a generous average */
const OTHER = 650;
const BOLD = 1.08;

export function helveticaWidth(text: string, fontSize: number, bold = false): number {
  let units = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    units += c >= 32 && c <= 126 ? WIDTHS[c - 32] : /\p{M}/u.test(ch) ? 0 : OTHER;
  }
  return (units / 1000) * fontSize * (bold ? BOLD : 1);
}

interface TextItem {
  fontSize?: number;
  fontWeight?: string | number;
  limit?: number;
}

let installed = false;

/** Switches vega's text measurement (process-wide) to the Helvetica metrics above. */
export function installTextMetrics(): void {
  if (installed) return;
  installed = true;
  // vega exports textMetrics (from vega-scenegraph) at run time; its typings do not declare it
  const { textMetrics } = vega as unknown as { textMetrics: { width: (item: TextItem, text?: unknown) => number } };
  textMetrics.width = (item, text) => {
    const s = text == null ? '' : String(text).trim();
    const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
    const bold = item.fontWeight === 'bold' || Number(item.fontWeight) >= 600;
    const w = helveticaWidth(s, size, bold);
    // a label with a limit is drawn truncated to it, so it never takes more room than that
    return item.limit && item.limit > 0 ? Math.min(w, item.limit) : w;
  };
}
