import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { installTextMetrics } from './text-width.js';

/**
 * Renders a Vega-Lite spec to an SVG string in Node, without a browser or canvas
 * (renderer 'none' + toSVG). `idPrefix` makes the SVG's internal ids (clip paths, gradients)
 * unique, since several SVGs share one HTML document and vega numbers them from 1 in each.
 */
export async function renderSvg(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  installTextMetrics();
  const { spec: vgSpec } = compile(spec);
  // No loader access is needed (all data is inline); a loader that refuses keeps it offline.
  const loader = vega.loader({ mode: 'file' });
  loader.load = async (uri: string) => {
    throw new Error(`the EDA report loads no external resources (asked for ${uri})`);
  };
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none', loader });
  try {
    const svg = await view.toSVG();
    return prefixIds(roundCoordinates(svg), idPrefix);
  } finally {
    view.finalize();
  }
}

/**
 * Geometry to 2 decimals (vega writes e.g. 14.850000000000001): a fraction of a pixel nobody sees,
 * and a third of the size of a dense scatter plot. Only geometry attributes are touched.
 */
export function roundCoordinates(svg: string): string {
  return svg.replace(/\b(d|transform|x|y|x1|x2|y1|y2|width|height)="([^"]*)"/g, (_m, attr: string, value: string) =>
    `${attr}="${value.replace(/(\d+\.\d\d)\d+/g, '$1')}"`,
  );
}

/**
 * Renames the SVG's internal ids to `<prefix>-1`, `<prefix>-2`, ... in order of appearance, and
 * their references with them: unique in a page of several SVGs, and the same on every render
 * (vega's gradient counter keeps counting across renders in one process).
 */
export function prefixIds(svg: string, prefix: string): string {
  const names = new Map<string, string>();
  for (const m of svg.matchAll(/\bid="([^"]+)"/g)) {
    if (!names.has(m[1])) names.set(m[1], `${prefix}-${names.size + 1}`);
  }
  const rename = (id: string) => names.get(id) ?? `${prefix}-${id}`;
  return svg
    .replace(/\bid="([^"]+)"/g, (_m, id: string) => `id="${rename(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${rename(id)})`)
    .replace(/href="#([^"]+)"/g, (_m, id: string) => `href="#${rename(id)}"`);
}
