import { EventEmitter } from 'node:events';
import v8 from 'node:v8';
import { loadVersion, type LoadedVersion } from '../pipeline/artifacts/reader.js';
import { readCurrent, readManifest } from '../pipeline/artifacts/store.js';
import type { Logger } from '../pipeline/log.js';
import type { MovieColumns } from '../pipeline/catalog-columns/table.js';
import type { Manifest } from '../pipeline/types.js';
import { buildTables, type CatalogTables } from './catalog/tables.js';
import { collectBeforeServing } from './gc-tuning.js';
import { unavailable } from './errors.js';

/**
 * One loaded catalog version, immutable once built. A call reads `holder.get()` ONCE at its start
 * and uses that state for its whole duration, so a swap never changes data under a running call.
 */
export interface CatalogState {
  readonly version: string;
  readonly dir: string;
  readonly manifest: Manifest;
  /** the catalog as columns; a movie is a row number (`movies.movie(row)` builds its record) */
  readonly movies: MovieColumns;
  /** lookup tables built once at load (service/catalog/tables.ts) */
  readonly tables: CatalogTables;
  /** per-version state built by extensions, by extension name (e.g. an HNSW index) */
  readonly ext: ReadonlyMap<string, unknown>;
  readonly loadedAt: Date;
}

/**
 * Builds extra per-version state that must be ready BEFORE the version is swapped in.
 * `load` gets the loaded files and the state being built (tables ready; `state.ext` holds the
 * extensions registered before this one). Throwing fails the whole load (the old version stays);
 * if your part is simply absent from a version, return null and answer FAILED_PRECONDITION in
 * your RPCs. `dispose` runs once no call uses the version any more.
 */
export interface CatalogExtension<T = unknown, P = unknown> {
  name: string;
  /**
   * Optional work that needs only the version's files (a graph read on a libuv thread), started
   * before the tables are built so the two overlap; its result is handed to `load`.
   */
  prepare?(loaded: LoadedVersion): Promise<P>;
  /** Frees what `prepare` gave when the load fails before `load` took it. */
  release?(prepared: P): void;
  load(loaded: LoadedVersion, state: CatalogState, prepared?: P): Promise<T>;
  dispose?(value: T): void | Promise<void>;
}

const globalExtensions: CatalogExtension[] = [];

/**
 * Registers an extension for every holder (call at module import time, before the server starts).
 * A ServiceModule can instead list it in `extensions`, which registers it on the server's holder.
 */
export function registerExtension<T, P>(ext: CatalogExtension<T, P>): void {
  if (globalExtensions.some((e) => e.name === ext.name && e !== ext)) {
    throw new Error(`catalog extension "${ext.name}" is already registered`);
  }
  if (!globalExtensions.includes(ext as CatalogExtension)) globalExtensions.push(ext as CatalogExtension);
}

interface Slot {
  inflight: number;
  retired: boolean;
  disposed: boolean;
}

/** A new version that would not fit in the heap beside the one being served: refused, the old one kept. */
export class SwapRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SwapRefusedError';
  }
}

/** What a load cost in heap, per movie: the basis of the next load's estimate. */
interface LoadCost {
  movies: number;
  heapBytes: number;
}

const MB = 2 ** 20;

function moviesIn(m: Manifest): number {
  return m.counts.movies_published ?? 0;
}

export interface HolderEvents {
  swap: [state: CatalogState, previous: CatalogState | null, loadMs: number];
  loadError: [version: string, error: unknown];
}

/**
 * Holds the current CatalogState and swaps in new versions atomically.
 * `load(version)` builds the new state (movies, tables, extensions) while calls keep being
 * answered from the old one, then swaps with one reference assignment. Loads run one at a time;
 * asking for a version already current or already loading returns the same promise.
 */
export class CatalogHolder extends EventEmitter<HolderEvents> {
  private current: CatalogState | null = null;
  private readonly slots = new Map<CatalogState, Slot>();
  private readonly own: CatalogExtension[] = [];
  private readonly pending = new Map<string, Promise<CatalogState>>();
  private queue: Promise<unknown> = Promise.resolve();
  private lastCost: LoadCost | null = null;

  constructor(
    readonly artifactsDir: string,
    private readonly log: Logger,
    /** headroom kept free under the V8 heap limit after a load, as a share of the limit */
    private readonly heapHeadroom = 0.1,
  ) {
    super();
  }

  /**
   * Refuses to build a version whose estimated heap (the last load's cost per movie, times its
   * movies) does not fit beside the served one under V8's heap limit: running out of heap would
   * kill the service, while refusing keeps the old version SERVING. The estimate is conservative
   * (the last load's growth includes its garbage); a refused version is retried by the watcher.
   */
  private async checkFits(version: string): Promise<void> {
    if (!this.current || !this.lastCost || this.lastCost.movies === 0) return;
    const manifest = await readManifest(this.artifactsDir, version);
    const need = (this.lastCost.heapBytes / this.lastCost.movies) * moviesIn(manifest);
    const h = v8.getHeapStatistics();
    const free = h.heap_size_limit * (1 - this.heapHeadroom) - h.used_heap_size;
    if (need > free) {
      throw new SwapRefusedError(
        `version ${version} (${moviesIn(manifest)} movies) needs about ${Math.round(need / MB)} MB of heap to load beside ` +
          `version ${this.current.version}, but only ${Math.round(Math.max(0, free) / MB)} MB is free under the ` +
          `${Math.round(h.heap_size_limit / MB)} MB heap limit: keeping ${this.current.version}. ` +
          `Raise the limit (NODE_OPTIONS=--max-old-space-size=MB) or restart the service to load it fresh.`,
      );
    }
  }

  /** Adds an extension for this holder only; takes effect from the next load. */
  registerExtension<T, P>(ext: CatalogExtension<T, P>): void {
    if (this.extensions().some((e) => e.name === ext.name && e !== ext)) {
      throw new Error(`catalog extension "${ext.name}" is already registered`);
    }
    if (!this.own.includes(ext as CatalogExtension)) this.own.push(ext as CatalogExtension);
  }

  private extensions(): CatalogExtension[] {
    return [...globalExtensions, ...this.own.filter((e) => !globalExtensions.includes(e))];
  }

  /** The state a call uses for its whole duration; UNAVAILABLE when nothing is loaded yet. */
  get(): CatalogState {
    if (!this.current) {
      throw unavailable(
        'no catalog version is loaded yet: the service is waiting for one to be published in MARQUEE_ARTIFACTS_DIR (run the pipeline, e.g. npm run pipeline -- --inline)',
        'CATALOG_NOT_LOADED',
      );
    }
    return this.current;
  }

  /** The current state, or null before the first load. */
  peek(): CatalogState | null {
    return this.current;
  }

  get version(): string | null {
    return this.current?.version ?? null;
  }

  /**
   * Marks a call as using the current state until `release` (the handler wrapper does this),
   * so an extension's dispose waits for the calls still running on a replaced version.
   */
  acquire(): { state: CatalogState; release: () => void } | null {
    const state = this.current;
    if (!state) return null;
    const slot = this.slots.get(state)!;
    slot.inflight++;
    let released = false;
    return {
      state,
      release: () => {
        if (released) return;
        released = true;
        slot.inflight--;
        if (slot.retired && slot.inflight === 0) void this.dispose(state, slot);
      },
    };
  }

  /** Loads the version CURRENT points at if it differs from the loaded one; null when nothing is published. */
  async loadCurrent(): Promise<CatalogState | null> {
    const version = await readCurrent(this.artifactsDir);
    if (!version) return null;
    return this.load(version);
  }

  load(version: string): Promise<CatalogState> {
    if (this.current?.version === version) return Promise.resolve(this.current);
    const existing = this.pending.get(version);
    if (existing) return existing;
    const p = this.queue
      .then(() => this.build(version))
      .finally(() => this.pending.delete(version));
    this.pending.set(version, p);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async build(version: string): Promise<CatalogState> {
    if (this.current?.version === version) return this.current;
    const t0 = performance.now();
    let state: CatalogState;
    const heapBefore = process.memoryUsage().heapUsed;
    try {
      await this.checkFits(version);
      state = await this.buildState(version);
    } catch (err) {
      if (err instanceof SwapRefusedError) this.log.error({ version, current: this.current?.version }, err.message);
      else this.log.error({ version, err }, 'catalog version failed to load; keeping the current one');
      this.emit('loadError', version, err);
      throw err;
    }
    const measureCost = () => {
      this.lastCost = { movies: state.movies.length, heapBytes: Math.max(0, process.memoryUsage().heapUsed - heapBefore) };
    };
    measureCost();
    if (!this.current) {
      const ms = collectBeforeServing();
      if (ms !== null) this.log.info({ version, ms: Math.round(ms) }, 'first load: full collection before serving');
    }
    const previous = this.current;
    this.slots.set(state, { inflight: 0, retired: false, disposed: false });
    this.current = state; // the swap: one reference assignment
    const loadMs = performance.now() - t0;
    this.log.info(
      { version, previous: previous?.version ?? null, movies: state.movies.length, ms: Math.round(loadMs) },
      'catalog version loaded',
    );
    if (previous) {
      const slot = this.slots.get(previous)!;
      slot.retired = true;
      if (slot.inflight === 0) void this.dispose(previous, slot);
    }
    this.emit('swap', state, previous, loadMs);
    if (!previous) {
      // a first load of a large catalog serves before its biggest suggesters are built (tables.ts)
      const ts = performance.now();
      state.tables.completeSuggesters().then(
        () => {
          measureCost();
          this.log.info({ version, ms: Math.round(performance.now() - ts) }, 'suggesters built');
        },
        (err: unknown) => this.log.error({ version, err }, 'building the suggesters failed; NOT_FOUND answers come without suggestions'),
      );
    }
    return state;
  }

  /** Movies, tables, then every extension in registration order; nothing is visible until the swap. */
  private async buildState(version: string): Promise<CatalogState> {
    const loaded = await loadVersion(this.artifactsDir, version);
    const done: [CatalogExtension, unknown][] = [];
    const prepared = new Map<CatalogExtension, Promise<unknown>>();
    for (const e of this.extensions()) {
      if (!e.prepare) continue;
      const p = e.prepare(loaded);
      p.catch(() => undefined); // awaited by load (or released below)
      prepared.set(e, p);
    }
    try {
      const ext = new Map<string, unknown>();
      const state: CatalogState = {
        version,
        dir: loaded.dir,
        manifest: loaded.manifest,
        movies: loaded.movies,
        tables: await buildTables(loaded.movies),
        ext,
        loadedAt: new Date(),
      };
      for (const e of this.extensions()) {
        const te = performance.now();
        const p = prepared.get(e);
        prepared.delete(e);
        const value = await e.load(loaded, state, p ? await p : undefined);
        ext.set(e.name, value);
        done.push([e, value]);
        this.log.info({ version, extension: e.name, ms: Math.round(performance.now() - te) }, 'extension loaded');
      }
      // a version replacing a served one is complete when swapped in: the old one answers meanwhile
      if (this.current) await state.tables.completeSuggesters();
      return state;
    } catch (err) {
      // nothing of a failed load stays open: the extensions built so far, the catalog file
      for (const [e, v] of done) await safeDispose(e, v, this.log);
      for (const [e, p] of prepared) {
        try {
          e.release?.(await p);
        } catch {
          // its failure is this load's or already logged
        }
      }
      loaded.movies.close();
      throw err;
    }
  }

  private async dispose(state: CatalogState, slot: Slot): Promise<void> {
    if (slot.disposed) return;
    slot.disposed = true;
    this.slots.delete(state);
    for (const e of this.extensions()) {
      if (state.ext.has(e.name)) await safeDispose(e, state.ext.get(e.name), this.log);
    }
    state.movies.close();
  }

  /** Drops the current state (server shutdown): disposes its extensions once calls are done. */
  async close(): Promise<void> {
    await this.queue;
    const state = this.current;
    this.current = null;
    if (!state) return;
    const slot = this.slots.get(state)!;
    slot.retired = true;
    if (slot.inflight === 0) await this.dispose(state, slot);
  }
}

async function safeDispose(e: CatalogExtension, value: unknown, log: Logger): Promise<void> {
  try {
    await e.dispose?.(value);
  } catch (err) {
    log.error({ extension: e.name, err }, 'extension dispose failed');
  }
}
