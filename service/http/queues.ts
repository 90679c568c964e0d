// bull-board (the BullMQ dashboard) under /admin/queues: the queues the service modules work with
// (the admin module's: every pipeline stage queue and the rebuild queue, on its Redis connection).
// Every request to it passes `check` first.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import * as grpc from '@grpc/grpc-js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RpcError } from '../errors.js';

export interface QueueDashboard {
  close(): Promise<void>;
}

export async function mountQueueDashboard(
  app: FastifyInstance,
  opts: { basePath: string; queues: () => Queue[]; check: (req: FastifyRequest) => RpcError | null },
): Promise<QueueDashboard> {
  const queues = opts.queues();
  const adapter = new FastifyAdapter();
  adapter.setBasePath(opts.basePath);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q)),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Marquee queues' } },
  });
  adapter.setViewsPath(await offlineViews());
  await app.register(
    async (scope) => {
      // everything from this server: no third-party requests from an admin page
      scope.addHook('onSend', async (_req, reply, payload) => {
        reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
        return payload;
      });
      scope.addHook('onRequest', async (req, reply) => {
        const err = opts.check(req);
        if (!err) return;
        const wantsPage = (req.headers.accept ?? '').includes('text/html');
        const status = err.code === grpc.status.UNAUTHENTICATED ? 401 : 403;
        if (wantsPage) {
          return reply
            .code(status)
            .type('text/html; charset=utf-8')
            .send(
              `<!doctype html><meta charset="utf-8"><title>Marquee queues: sign in</title><p>The queue dashboard needs the admin token. ` +
                `Open <a href="/#/runs">the Marquee page</a>, sign in under Pipeline runs, then come back; or send the header <code>authorization: Bearer &lt;MARQUEE_ADMIN_TOKEN&gt;</code>.</p>`,
            );
        }
        return reply.code(status).send({ code: grpc.status[err.code].toLowerCase(), message: err.details });
      });
      await scope.register(adapter.registerPlugin());
    },
    { prefix: opts.basePath },
  );
  // the queues belong to the module that made them (it closes them)
  return { close: async () => undefined };
}

/**
 * bull-board's page template loads its fonts from fonts.googleapis.com: a third-party request from
 * an admin page, and an error on a machine without Internet. A copy of the template without that
 * link (the page falls back to system fonts), written once per process.
 */
let views: Promise<string> | null = null;
function offlineViews(): Promise<string> {
  views ??= (async () => {
    const require = createRequire(import.meta.url);
    const template = path.join(path.dirname(require.resolve('@bull-board/ui/package.json')), 'dist', 'index.ejs');
    const text = (await readFile(template, 'utf8')).replace(/^.*fonts\.googleapis\.com.*$/m, '');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'marquee-bull-board-'));
    await writeFile(path.join(dir, 'index.ejs'), text);
    return dir;
  })();
  return views;
}
