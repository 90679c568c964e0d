import { useEffect, useState } from 'preact/hooks';
import { problemOf, type Problem } from './api.js';

export type Loaded<T> = { state: 'loading' } | { state: 'done'; value: T } | { state: 'failed'; problem: Problem };

/** Runs `load` whenever `deps` change; the answer of a stale call is dropped. */
export function useCall<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    const ac = new AbortController();
    setResult({ state: 'loading' });
    load(ac.signal).then(
      (value) => !ac.signal.aborted && setResult({ state: 'done', value }),
      (err: unknown) => !ac.signal.aborted && setResult({ state: 'failed', problem: problemOf(err) }),
    );
    return () => ac.abort();
  }, deps);
  return result;
}

/** The hash route: `#/movie/862` -> ['movie', '862']. */
export function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function go(path: string): void {
  location.hash = `#/${path}`;
}
