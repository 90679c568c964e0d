import { catalog, ratings } from '../api.js';
import { useCall } from '../hooks.js';
import { SearchBox } from '../search-box.js';
import { Section, Show, fmt } from '../ui.js';

export function HomeView() {
  const info = useCall(() => catalog.catalogInfo({}), []);
  const model = useCall(() => ratings.ratingsModelInfo({}), []);
  return (
    <>
      <Section title="Find a movie or a show">
        <p>Type a few letters of a title: TMDB movies and the titles of Prime Video, Disney+, Hulu and Netflix.</p>
        <SearchBox id="home-search" label="Search titles" />
        <p class="muted">
          Try <a href="#/movie/862">Toy Story</a>, <a href="#/movie/11">Star Wars</a> or <a href="#/foryou">recommendations for a user</a>.
        </p>
      </Section>
      <Section title="The catalog being served">
        <Show result={info} what="the catalog">
          {(i) => (
            <dl class="facts">
              <dt>Version</dt>
              <dd>
                <code>{i.version}</code>
              </dd>
              <dt>Movies</dt>
              <dd>
                {fmt.int(i.movies)} ({fmt.int(i.moviesWithCredits)} with cast and crew)
              </dd>
              <dt>Built</dt>
              <dd>{new Date(i.createdAt).toLocaleString()}</dd>
            </dl>
          )}
        </Show>
        {model.state === 'done' && (
          <p class="muted">
            Ratings model: {fmt.int(model.value.users)} users, {fmt.int(model.value.ratings)} ratings.
          </p>
        )}
      </Section>
    </>
  );
}
