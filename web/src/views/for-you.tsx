import { useState } from 'preact/hooks';
import { problemOf, ratings, type Problem } from '../api.js';
import type { MovieRef } from '../gen/marquee/v1/common_pb.js';
import type { RecommendForUserResponse } from '../gen/marquee/v1/ratings_pb.js';
import { SearchBox } from '../search-box.js';
import { MovieLink, ProblemBox, Section, WatchList, fmt } from '../ui.js';

export function ForYouView() {
  const [user, setUser] = useState('');
  const [genre, setGenre] = useState('');
  const [liked, setLiked] = useState<MovieRef[]>([]);
  const [answer, setAnswer] = useState<RecommendForUserResponse | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  const ask = async (userId: number, likedMovies: MovieRef[]) => {
    setBusy(true);
    setProblem(null);
    try {
      setAnswer(await ratings.recommendForUser({ userId, k: 10, genre: genre.trim(), liked: likedMovies.map((m) => ({ id: m.id })) }));
    } catch (err) {
      setAnswer(null);
      setProblem(problemOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Section title="Recommendations for a user">
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void ask(Number(user), []);
          }}
        >
          <label>
            MovieLens user id <input id="user-id" type="number" min="1" required value={user} onInput={(e) => setUser((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            Genre (optional) <input id="genre" type="text" value={genre} placeholder="Drama" onInput={(e) => setGenre((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit" disabled={busy}>
            Recommend
          </button>
        </form>
      </Section>
      <Section title="…or from movies you like">
        <p class="muted">New here? Name a few movies you like and get movies close to them.</p>
        <SearchBox
          id="like-search"
          label="Add a movie you like"
          placeholder="Add a movie you like"
          moviesOnly
          onPick={(s) => {
            if (s.found.case !== 'movie') return;
            const movie = s.found.value;
            setLiked((l) => (l.some((m) => m.id === movie.id) ? l : [...l, movie]));
          }}
        />
        <p>
          {liked.map((m) => (
            <button type="button" class="chip" title="remove" onClick={() => setLiked((l) => l.filter((x) => x.id !== m.id))}>
              {m.title} ✕
            </button>
          ))}
        </p>
        <button type="button" disabled={busy || liked.length === 0} onClick={() => void ask(0, liked)}>
          Recommend from these
        </button>
      </Section>
      {problem && <ProblemBox problem={problem} />}
      {answer && (
        <Section title={answer.userId ? `For user ${answer.userId}` : 'For you'} id="recommendations">
          <p class="muted">
            {answer.note}
            {answer.userRatings > 0 && ` This user rated ${answer.userRatings} movies, ${answer.userMeanRating.toFixed(2)} on average.`}
          </p>
          <ol class="results">
            {answer.movies.map((r) => (
              <li>
                <MovieLink movie={r.movie} />{' '}
                {r.predictedRating !== undefined && (
                  <span class="score" title="the rating this user would give, 0.5-5 stars">
                    predicted <strong>{fmt.stars(r.predictedRating)}</strong>
                  </span>
                )}
                {r.similarity !== undefined && <span class="score">similarity {r.similarity.toFixed(2)}</span>} <span class="muted">{r.genres.slice(0, 3).join(', ')}</span>{' '}
                <WatchList watch={r.watch} />
              </li>
            ))}
          </ol>
        </Section>
      )}
    </>
  );
}
