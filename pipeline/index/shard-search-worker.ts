// A helper thread of the similar lists over a sharded index (shard-search.ts): holds one shard's
// graph, searches the blocks of docs it is sent against it into shared buffers, and ranks its share
// of each block from every shard's hits into the shared lists.
import { parentPort, workerData } from 'node:worker_threads';
import { RerankFeatures } from './rerank.js';
import { HitMerger, searchBlock, type ShardSearchMessage, type ShardSearchReply, type ShardSearchTask } from './shard-search.js';
import { readShard, releaseGraph } from './sharded.js';

const t = workerData as ShardSearchTask;
const reply = (m: ShardSearchReply) => parentPort!.postMessage(m);
try {
  const g = await readShard(t.dir, t.shard, t.dims, t.ef);
  const size = g.getCurrentCount();
  const merger = new HitMerger(t.cands, t.matrix, t.dims, t.order, new RerankFeatures(t.features), t.out);
  parentPort!.on('message', (m: ShardSearchMessage) => {
    if ('stop' in m) {
      releaseGraph(g);
      parentPort!.close();
      return;
    }
    try {
      if (m.search) searchBlock(g, size, t.matrix, t.dims, t.order, t.cands[t.shard], m.search.from, m.search.to, m.search.slot);
      if (m.rank) merger.rank(m.rank);
      reply({ done: true });
    } catch (e) {
      reply({ error: e instanceof Error ? e.message : String(e) });
    }
  });
  reply({ ready: true });
} catch (e) {
  reply({ error: e instanceof Error ? e.message : String(e) });
}
