// A helper thread of the similar lists over a sharded index (shard-search.ts): holds one shard's
// graph and searches the blocks of docs it is sent against it, into shared buffers.
import { parentPort, workerData } from 'node:worker_threads';
import { searchBlock, type ShardSearchMessage, type ShardSearchReply, type ShardSearchTask } from './shard-search.js';
import { readShard, releaseGraph } from './sharded.js';

const t = workerData as ShardSearchTask;
const reply = (m: ShardSearchReply) => parentPort!.postMessage(m);
try {
  const g = await readShard(t.dir, t.shard, t.dims, t.ef);
  const size = g.getCurrentCount();
  parentPort!.on('message', (m: ShardSearchMessage) => {
    if ('stop' in m) {
      releaseGraph(g);
      parentPort!.close();
      return;
    }
    try {
      searchBlock(g, size, t.matrix, t.dims, t.cand, m.from, m.to, m.slot);
      reply({ slot: m.slot });
    } catch (e) {
      reply({ error: e instanceof Error ? e.message : String(e) });
    }
  });
  reply({ ready: true });
} catch (e) {
  reply({ error: e instanceof Error ? e.message : String(e) });
}
