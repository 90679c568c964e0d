// The extension contract's prepare step: its result reaches load, and a load that fails after it
// gives it back through release (a graph read ahead must not outlive a failed load).
import path from 'node:path';
import { expect, test } from 'vitest';
import { PROJECT_ROOT } from '../../pipeline/config.js';
import { createLogger } from '../../pipeline/log.js';
import { CatalogHolder, type CatalogExtension } from '../../service/state.js';

const DIR = path.join(PROJECT_ROOT, 'test', 'fixtures', 'catalog');
const V1 = '20240101T000000000Z-fixture1';

function tracked(name: string, events: string[]): CatalogExtension<{ from: object }, object> {
  return {
    name,
    prepare: async (loaded) => {
      events.push(`${name} prepare ${loaded.version}`);
      return { token: name };
    },
    release: (p) => events.push(`${name} release ${JSON.stringify(p)}`),
    load: async (_loaded, state, prepared) => {
      // the tables are built by the time load runs, prepare's result in hand
      expect(state.tables).toBeDefined();
      events.push(`${name} load ${JSON.stringify(prepared)}`);
      return { from: prepared! };
    },
    dispose: () => void events.push(`${name} dispose`),
  };
}

test('prepare runs before the tables, its result goes to load', async () => {
  const events: string[] = [];
  const holder = new CatalogHolder(DIR, createLogger('test', 'silent'));
  holder.registerExtension(tracked('a', events));
  const state = await holder.load(V1);
  expect(events).toEqual([`a prepare ${V1}`, 'a load {"token":"a"}']);
  expect(state.ext.get('a')).toEqual({ from: { token: 'a' } });
  await holder.close();
  expect(events.at(-1)).toBe('a dispose');
});

test('a load failing before an extension took its prepared value releases it; those loaded are disposed', async () => {
  const events: string[] = [];
  const holder = new CatalogHolder(DIR, createLogger('test', 'silent'));
  holder.registerExtension(tracked('a', events));
  holder.registerExtension({ name: 'broken', load: async () => Promise.reject(new Error('no')) });
  holder.registerExtension(tracked('b', events));
  await expect(holder.load(V1)).rejects.toThrow('no');
  expect(events).toEqual([`a prepare ${V1}`, `b prepare ${V1}`, 'a load {"token":"a"}', 'a dispose', 'b release {"token":"b"}']);
  expect(holder.version).toBeNull();
});
