import { useState } from 'preact/hooks';
import { catalog, platforms, problemOf, ratings, recommend, type Problem } from '../api.js';
import type { PredictRatingResponse } from '../gen/marquee/v1/ratings_pb.js';
import { useCall } from '../hooks.js';
import { MovieLink, ProblemBox, Section, Show, WatchList, WatchTable, fmt } from '../ui.js';

export function MovieView({ id }: { id: number }) {
  const movie = useCall(() => catalog.getMovie({ id }), [id]);
  const watch = useCall(() => platforms.whereToWatch({ id }), [id]);
  const similar = useCall(() => recommend.similarMovies({ id, k: 10 }), [id]);
  return (
    <Show result={movie} what="the movie">
      {({ movie: m }) =>
        m && (
          <article>
            <h1>
              {m.title} {m.releaseYear ? <span class="year">({m.releaseYear})</span> : null}
            </h1>
            {m.tagline && <p class="tagline">{m.tagline}</p>}
            <p>{m.overview}</p>
            <dl class="facts">
              <dt>Released</dt>
              <dd>{m.releaseDate || 'unknown'}</dd>
              <dt>Genres</dt>
              <dd>{m.genres.join(', ') || 'none listed'}</dd>
              <dt>Runtime</dt>
              <dd>{m.runtimeKnown ? `${m.runtimeMinutes} min` : 'unknown'}</dd>
              <dt>TMDB rating</dt>
              <dd>
                {m.voteAverage.toFixed(1)} / 10 from {fmt.int(m.voteCount)} votes
              </dd>
              <dt>Directed by</dt>
              <dd>{m.directors.join(', ') || (m.hasCredits ? 'nobody listed' : 'credits unknown')}</dd>
              <dt>Cast</dt>
              <dd>{m.cast.slice(0, 8).join(', ') || (m.hasCredits ? 'nobody listed' : 'credits unknown')}</dd>
              <dt>Budget / revenue</dt>
              <dd>
                {fmt.money(m.budget)} / {fmt.money(m.revenue)}
              </dd>
            </dl>
            <Section title="Where to watch" id="where-to-watch">
              <Show result={watch} what="where to watch it">
                {(w) => (w.options.length > 0 ? <WatchTable watch={w.options} /> : <p class="muted">{w.note || 'On none of the four platforms.'}</p>)}
              </Show>
            </Section>
            <Section title="Similar movies" id="similar">
              <Show result={similar} what="similar movies">
                {(s) => (
                  <ol class="results">
                    {s.similar.map((x) => (
                      <li>
                        <MovieLink movie={x.movie} /> <span class="muted">{x.genres.slice(0, 3).join(', ')}</span> <WatchList watch={x.watch} />
                      </li>
                    ))}
                  </ol>
                )}
              </Show>
            </Section>
            <Section title="Would a user like it?" id="predict">
              <Predict id={id} />
            </Section>
          </article>
        )
      }
    </Show>
  );
}

function Predict({ id }: { id: number }) {
  const [user, setUser] = useState('');
  const [answer, setAnswer] = useState<PredictRatingResponse | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setAnswer(null);
    setProblem(null);
    try {
      setAnswer(await ratings.predictRating({ userId: Number(user), id }));
    } catch (err) {
      setProblem(problemOf(err));
    }
  };
  return (
    <form onSubmit={submit} class="inline-form">
      <label>
        MovieLens user id <input type="number" min="1" required value={user} onInput={(e) => setUser((e.target as HTMLInputElement).value)} />
      </label>
      <button type="submit">Predict</button>
      {answer && (
        <p class="answer">
          User {answer.userId} {answer.wouldLike ? 'would probably like it' : 'would probably not like it'}: predicted{' '}
          <strong>{fmt.stars(answer.predictedRating)}</strong> (likes from {answer.threshold} up; this user rates {answer.userMeanRating.toFixed(2)} on
          average over {answer.userRatings} movies{answer.userRating !== undefined ? `, and rated it ${answer.userRating}` : ''}).
        </p>
      )}
      {problem && <ProblemBox problem={problem} />}
    </form>
  );
}
