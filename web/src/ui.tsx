// Small pieces every view uses.
import type { ComponentChildren } from 'preact';
import type { Problem } from './api.js';
import type { MovieRef, WatchOption } from './gen/marquee/v1/common_pb.js';
import type { TitleRef } from './gen/marquee/v1/platforms_pb.js';
import type { Loaded } from './hooks.js';

export function ProblemBox({ problem, onSuggestion }: { problem: Problem; onSuggestion?: (s: string) => void }) {
  return (
    <div class="problem" role="alert">
      <strong>{friendlyCode(problem.codeName)}</strong> {problem.message}
      {problem.needsToken && <p>Sign in with a token under <a href="#/runs">Pipeline runs</a> (the token is kept for this tab only).</p>}
      {onSuggestion && problem.suggestions.length > 0 && (
        <p>
          Did you mean:{' '}
          {problem.suggestions.slice(0, 8).map((s) => (
            <button type="button" class="chip" onClick={() => onSuggestion(s)}>
              {s}
            </button>
          ))}
        </p>
      )}
    </div>
  );
}

function friendlyCode(code: string): string {
  const words: Record<string, string> = {
    NotFound: 'Not found.',
    InvalidArgument: 'Check the input.',
    Unavailable: 'Not available right now.',
    FailedPrecondition: 'Not available in this catalog version.',
    Unauthenticated: 'Sign-in needed.',
    PermissionDenied: 'Not allowed.',
  };
  return words[code] ?? `${code}.`;
}

/** Renders a call's result: a spinner line, the problem, or `children(value)`. */
export function Show<T>({ result, children, what }: { result: Loaded<T>; children: (value: T) => ComponentChildren; what: string }) {
  if (result.state === 'loading') return <p class="muted" aria-busy="true">Loading {what}…</p>;
  if (result.state === 'failed') return <ProblemBox problem={result.problem} />;
  return <>{children(result.value)}</>;
}

export function MovieLink({ movie }: { movie: MovieRef | undefined }) {
  if (!movie) return null;
  return (
    <a href={`#/movie/${movie.id}`}>
      {movie.title}
      {movie.releaseYear ? <span class="year"> ({movie.releaseYear})</span> : null}
    </a>
  );
}

export function TitleLink({ title }: { title: TitleRef | undefined }) {
  if (!title) return null;
  return (
    <a href={`#/title/${title.id}`}>
      {title.title}
      {title.releaseYear ? <span class="year"> ({title.releaseYear})</span> : null}
    </a>
  );
}

export const PLATFORM_NAMES: Record<string, string> = { amazon: 'Prime Video', disney: 'Disney+', hulu: 'Hulu', netflix: 'Netflix' };

export function PlatformTag({ platform }: { platform: string }) {
  return <span class={`platform platform-${platform}`}>{PLATFORM_NAMES[platform] ?? platform}</span>;
}

export function WatchList({ watch, empty }: { watch: WatchOption[]; empty?: string }) {
  if (watch.length === 0) return empty ? <span class="muted">{empty}</span> : null;
  return (
    <span class="watch">
      {watch.map((w) => (
        <a class={`platform platform-${w.platform}`} href={`#/title/${w.titleId}`} title={`${w.title} on ${w.platformName}${w.score !== undefined ? `, rated ${w.score.toFixed(1)}/5` : ''}`}>
          {w.platformName}
        </a>
      ))}
    </span>
  );
}

/** The long form, for a movie's own page: platform, the title there, its score. */
export function WatchTable({ watch }: { watch: WatchOption[] }) {
  return (
    <ul class="watch-table">
      {watch.map((w) => (
        <li>
          <span class={`platform platform-${w.platform}`}>{w.platformName}</span> <a href={`#/title/${w.titleId}`}>{w.title}</a>
          {w.score !== undefined && <span class="muted"> · users rate it {w.score.toFixed(1)} / 5</span>}
          {w.rule === 'near-year' && <span class="muted"> · listed a year apart, same director</span>}
        </li>
      ))}
    </ul>
  );
}

export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section id={id}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

export const fmt = {
  int: (n: number | bigint) => Number(n).toLocaleString('en-US'),
  money: (n: number) => (n > 0 ? `$${(n / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1 })}M` : 'unknown'),
  stars: (n: number) => `${n.toFixed(2)} ★`,
  ms: (n: number | bigint) => {
    const s = Number(n) / 1000;
    return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  },
};
