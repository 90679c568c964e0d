// Long synchronous work on a thread that also answers calls (a catalog load beside the served
// version) gives the event loop a turn every few thousand steps, so calls wait milliseconds, not seconds.

/** Resolves on the next event-loop turn (after pending I/O and timers). */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** `f(i)` for i in [0, n), into a new array, with a turn every `chunk` steps. */
export async function mapInTurns<T>(n: number, f: (i: number) => T, chunk = 8192): Promise<T[]> {
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) {
    if (i % chunk === chunk - 1) await nextTurn();
    out[i] = f(i);
  }
  return out;
}
