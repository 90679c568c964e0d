import { reportCharts } from './charts.js';
import { renderSvg } from './render-svg.js';
import type { EdaSummary } from './summary-types.js';

// The report page: one self-contained HTML file (inline CSS and SVG, no scripts, fonts or
// requests), readable offline and printable.

export interface ReportMeta {
  version: string;
  /** where summary.json sits, relative to the report */
  summaryHref: string;
}

export interface RenderedReport {
  html: string;
  /** chart ids in page order, with whether each has an SVG */
  charts: { id: string; title: string; svg: boolean }[];
  /** a generous estimate of the page height at 1400 px wide, for screenshots */
  pageHeight: number;
}

const nf = new Intl.NumberFormat('en-US');

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;background:#f4f5f7;color:#222;font:15px/1.5 "Liberation Sans",Helvetica,Arial,sans-serif}
main{max-width:1240px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:28px;margin:8px 0 4px}
h2{font-size:20px;margin:0 0 6px}
.sub{color:#555;margin:0 0 18px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin:0 0 18px}
.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:12px 14px}
.card b{display:block;font-size:24px}
.card span{color:#555;font-size:13px}
nav{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:10px 14px;margin:0 0 18px;font-size:14px}
nav a{color:#1f5fa8;text-decoration:none;margin-right:16px;white-space:nowrap}
section{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:18px 20px;margin:0 0 18px;break-inside:avoid}
section p.desc{margin:0 0 12px;color:#444;max-width:1100px}
figure{margin:0;overflow-x:auto}
figure svg{max-width:100%;height:auto;display:block}
p.empty{padding:24px;background:#fafafa;border:1px dashed #ccc;color:#666;text-align:center}
table{border-collapse:collapse;font-size:14px;margin:6px 0 14px}
th,td{border-bottom:1px solid #e3e6ea;padding:4px 12px;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
h3{font-size:16px;margin:14px 0 4px}
footer{color:#666;font-size:13px}
code{background:#f0f1f3;padding:1px 4px;border-radius:3px}
`;

function card(value: string, label: string): string {
  return `<div class="card"><b>${escapeHtml(value)}</b><span>${escapeHtml(label)}</span></div>`;
}

function svgHeight(svg: string): number {
  const m = /<svg[^>]*\sheight="(\d+(?:\.\d+)?)"/.exec(svg);
  return m ? Number(m[1]) : 300;
}

function countsTable(title: string, counts: Record<string, number>): string {
  const rows = Object.entries(counts)
    .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td class="n">${nf.format(v)}</td></tr>`)
    .join('');
  return `<h3>${escapeHtml(title)}</h3><table><thead><tr><th>count</th><th class="n">value</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function stageCountsSection(s: EdaSummary): { html: string; rows: number } {
  const parts: string[] = [];
  let rows = 0;
  for (const [stage, counts] of Object.entries(s.quality.stageCounts)) {
    parts.push(countsTable(`${stage} stage counts`, counts));
    rows += Object.keys(counts).length + 2;
  }
  for (const [stage, q] of Object.entries(s.quality.stageQuarantine)) {
    parts.push(countsTable(`${stage} stage: quarantined by reason`, q));
    rows += Object.keys(q).length + 2;
  }
  if (parts.length === 0) {
    parts.push('<p class="empty">The extract and transform stages reported no counts for this version.</p>');
    rows += 3;
  }
  const html =
    `<section id="pipeline-counts"><h2>Pipeline counts</h2>` +
    `<p class="desc">Every count the extract and transform stages reported for this version, as reported.</p>` +
    parts.join('') +
    `</section>`;
  return { html, rows };
}

/** Renders every chart to SVG and assembles the page. */
export async function renderReport(s: EdaSummary, meta: ReportMeta): Promise<RenderedReport> {
  const charts = reportCharts(s);
  const sections: string[] = [];
  const rendered: RenderedReport['charts'] = [];
  let height = 420; // title, cards, navigation
  for (const c of charts) {
    let body: string;
    if (c.spec) {
      const svg = await renderSvg(c.spec, c.id);
      body = `<figure>${svg}</figure>`;
      height += svgHeight(svg);
    } else {
      body = `<p class="empty">${escapeHtml(c.empty ?? 'Nothing to show.')}</p>`;
      height += 80;
    }
    height += 150; // heading, description, padding
    rendered.push({ id: c.id, title: c.title, svg: c.spec !== null });
    sections.push(
      `<section id="${c.id}"><h2>${escapeHtml(c.title)}</h2><p class="desc">${escapeHtml(c.description)}</p>${body}</section>`,
    );
  }
  const counts = stageCountsSection(s);
  sections.push(counts.html);
  height += 120 + counts.rows * 30 + 200; // plus footer
  const pageHeight = Math.ceil(height / 100) * 100;

  const cat = s.catalog;
  const years = cat.firstYear !== null ? `${cat.firstYear}–${cat.lastYear}` : '–';
  const cards = [
    card(nf.format(cat.movies), 'movies in the catalog'),
    card(years, 'release years'),
    card(nf.format(cat.withBudgetAndRevenue), 'with budget and revenue'),
    card(nf.format(cat.withRuntime), 'with a known runtime'),
    card(nf.format(cat.withCredits), 'with credits (cast/crew)'),
    card(nf.format(s.quality.quarantinedTotal), 'input rows quarantined'),
    card(nf.format(s.quality.droppedTotal), 'input rows dropped'),
    ...(s.platforms ? [card(nf.format(s.platforms.titles), 'streaming-platform titles')] : []),
  ].join('');
  const nav = [...rendered.map((c) => ({ id: c.id, title: c.title })), { id: 'pipeline-counts', title: 'Pipeline counts' }]
    .map((c) => `<a href="#${c.id}">${escapeHtml(c.title)}</a>`)
    .join(' ');

  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="marquee:page-height" content="${pageHeight}">
<title>Marquee catalog report — ${escapeHtml(meta.version)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>Marquee catalog report</h1>
<p class="sub">Artifact version <code>${escapeHtml(meta.version)}</code> · generated ${escapeHtml(s.generatedAt)} · the numbers behind every chart are in <a href="${escapeHtml(meta.summaryHref)}">summary.json</a></p>
<div class="cards">${cards}</div>
<nav>${nav}</nav>
${sections.join('\n')}
<footer><p>Rendered with Vega-Lite in Node (no browser). Counts are over the cleaned catalog of this version;
quarantined and dropped rows come from quarantine.jsonl and the stage counts. Ties in rankings are broken by name.</p></footer>
</main>
</body>
</html>
`;
  return { html, charts: rendered, pageHeight };
}
