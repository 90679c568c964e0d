import { report } from '../api.js';
import { useCall } from '../hooks.js';
import { Section, Show, fmt } from '../ui.js';

export function ReportView() {
  const summary = useCall(() => report.getReportSummary({ omitJson: true }), []);
  return (
    <Show result={summary} what="the EDA report">
      {(s) => (
        <>
          <Section title="Exploratory data analysis">
            <p>
              Version <code>{s.location?.version}</code>, generated {new Date(s.generatedAt).toLocaleString()}.{' '}
              <a href="/report/" target="_blank" rel="noopener">
                Open the full report
              </a>{' '}
              (charts and tables, in a new tab).
            </p>
            {s.catalog && (
              <dl class="facts">
                <dt>Movies</dt>
                <dd>
                  {fmt.int(s.catalog.movies)}, released {s.catalog.firstYear}-{s.catalog.lastYear}
                </dd>
                <dt>With budget and revenue</dt>
                <dd>{fmt.int(s.catalog.withBudgetAndRevenue)}</dd>
                <dt>With runtime</dt>
                <dd>{fmt.int(s.catalog.withRuntime)}</dd>
                <dt>With credits</dt>
                <dd>{fmt.int(s.catalog.withCredits)}</dd>
                {s.runtime && (
                  <>
                    <dt>Runtime</dt>
                    <dd>
                      median {s.runtime.medianMinutes} min, mean {s.runtime.meanMinutes.toFixed(1)} min
                    </dd>
                  </>
                )}
              </dl>
            )}
          </Section>
          <div class="columns">
            <Section title="Genres">
              <Bars items={s.genres.slice(0, 12).map((g) => [g.name, g.movies])} />
            </Section>
            <Section title="Original languages">
              <Bars items={s.languages.slice(0, 12).map((l) => [l.name || l.code, l.movies])} />
            </Section>
          </div>
          <Section title="The full report">
            <iframe class="report-frame" src="/report/" title="EDA report" loading="lazy" />
          </Section>
        </>
      )}
    </Show>
  );
}

/** A horizontal bar list: simple enough not to need a chart library. */
function Bars({ items }: { items: [string, number][] }) {
  const max = Math.max(1, ...items.map(([, n]) => n));
  return (
    <ul class="bars">
      {items.map(([name, n]) => (
        <li>
          <span class="bar-label">{name}</span>
          <span class="bar" style={{ width: `${(100 * n) / max}%` }} />
          <span class="bar-value">{fmt.int(n)}</span>
        </li>
      ))}
    </ul>
  );
}
