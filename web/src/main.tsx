// Marquee for people: search, a movie or title and what is like it, recommendations, the EDA
// report and pipeline runs. Hash routes (#/movie/862), so the server serves one file.
import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { catalog } from './api.js';
import { useCall, useRoute } from './hooks.js';
import { SearchBox } from './search-box.js';
import './style.css';
import { ForYouView } from './views/for-you.js';
import { HomeView } from './views/home.js';
import { MovieView } from './views/movie.js';
import { ReportView } from './views/report.js';
import { RunsView } from './views/runs.js';
import { TitleView } from './views/title.js';

const NAV: [string, string][] = [
  ['', 'Search'],
  ['foryou', 'For you'],
  ['report', 'Report'],
  ['runs', 'Pipeline runs'],
];

function App() {
  const [view = '', arg = ''] = useRoute();
  const info = useCall(() => catalog.catalogInfo({}), []);
  useEffect(() => window.scrollTo(0, 0), [view, arg]);
  return (
    <>
      <header>
        <a class="brand" href="#/">
          Marquee
        </a>
        <nav aria-label="Main">
          {NAV.map(([path, label]) => (
            <a href={`#/${path}`} aria-current={view === path ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        {view !== '' && <SearchBox id="top-search" label="Search titles" placeholder="Search titles" />}
      </header>
      <main>{page(view, arg)}</main>
      <footer class="muted">
        {info.state === 'done' ? `Catalog version ${info.value.version}` : info.state === 'failed' ? info.problem.message : ''}
        {' · '}
        <a href="/metrics">metrics</a>
      </footer>
    </>
  );
}

function page(view: string, arg: string) {
  switch (view) {
    case '':
      return <HomeView />;
    case 'movie':
      return /^\d+$/.test(arg) ? <MovieView id={Number(arg)} /> : <NotFound />;
    case 'title':
      return arg ? <TitleView id={arg} /> : <NotFound />;
    case 'foryou':
      return <ForYouView />;
    case 'report':
      return <ReportView />;
    case 'runs':
      return <RunsView />;
    default:
      return <NotFound />;
  }
}

function NotFound() {
  return (
    <p>
      Nothing here. <a href="#/">Back to search</a>.
    </p>
  );
}

const root = document.getElementById('app')!;
root.textContent = ''; // the static "Loading" line
render(<App />, root);
