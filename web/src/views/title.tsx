import { platforms } from '../api.js';
import { useCall } from '../hooks.js';
import { PlatformTag, Section, Show, TitleLink } from '../ui.js';

export function TitleView({ id }: { id: string }) {
  const title = useCall(() => platforms.getTitle({ id }), [id]);
  const similar = useCall(() => platforms.similarTitles({ id, k: 10 }), [id]);
  return (
    <Show result={title} what="the title">
      {({ title: t }) =>
        t && (
          <article>
            <h1>
              {t.title} {t.releaseYear ? <span class="year">({t.releaseYear})</span> : null}
            </h1>
            <p>
              <PlatformTag platform={t.platform} /> {t.type}
              {t.duration !== undefined ? `, ${t.duration} ${t.durationType === 'season' ? (t.duration === 1 ? 'season' : 'seasons') : 'min'}` : ''}
              {t.rating ? `, rated ${t.rating}` : ''}
            </p>
            <p>{t.description}</p>
            <dl class="facts">
              <dt>Categories</dt>
              <dd>{t.listedIn.join(', ') || 'none listed'}</dd>
              <dt>Directed by</dt>
              <dd>{t.directors.join(', ') || 'not listed'}</dd>
              <dt>Cast</dt>
              <dd>{t.cast.slice(0, 8).join(', ') || 'not listed'}</dd>
              <dt>User score</dt>
              <dd>{t.score !== undefined ? `${t.score.toFixed(2)} / 5` : 'no ratings'}</dd>
              <dt>Added</dt>
              <dd>{t.dateAdded || 'unknown'}</dd>
              {t.tmdbId > 0 && (
                <>
                  <dt>TMDB movie</dt>
                  <dd>
                    <a href={`#/movie/${t.tmdbId}`}>its facts, similar movies and every platform it is on</a>
                  </dd>
                </>
              )}
            </dl>
            <Section title="Similar titles" id="similar">
              <Show result={similar} what="similar titles">
                {(s) => (
                  <ol class="results">
                    {s.similar.map((x) => (
                      <li>
                        <TitleLink title={x.title} /> {x.title && <PlatformTag platform={x.title.platform} />} <span class="muted">{x.listedIn.slice(0, 2).join(', ')}</span>
                      </li>
                    ))}
                  </ol>
                )}
              </Show>
            </Section>
          </article>
        )
      }
    </Show>
  );
}
