// The similar lists over one graph searched by the parallel-graph addon: the addon's threads search
// block b+1 (docs in locality order, query-order.ts) while this thread reranks block b, so the
// native searches and the JavaScript rerank overlap. Each doc's list depends only on the graph and
// the features: the same bytes as fillSimilarLists over the same graph.
//
// Every doc's search is also its own vector's search, so the pass finds the docs a search does not
// reach ("lost": hnswlib's greedy descent ends in another region, 1.6 % of the synthetic 10^6). With
// `linkLost`, those are linked from where their search ends (ParallelGraph.linkLost) and searched
// again, so their lists, and the graph the service loads, find them.
import { localityOrder } from './query-order.js';
import type { ParallelGraph } from './parallel-graph.js';
import type { RerankFeatures } from './rerank.js';
import { allocCandidates, SEARCH_BLOCK, type CandidateBuffers } from './shard-search.js';
import { graphCandidates, rankDoc, type SimilarLists } from './similar-lists.js';
import { nextTurn } from '../runtime/turns.js';

export interface GraphListsOutcome {
  /** docs whose own search did not return them (nor an equal vector) */
  lost: number;
  /** of them, linked into the graph and searched again (linkLost) */
  linked: number;
}

export async function similarListsOnGraph(
  graph: ParallelGraph,
  ef: number,
  matrix: Float32Array,
  dims: number,
  features: RerankFeatures,
  out: SimilarLists,
  threads: number,
  onProgress: (done: number) => void,
  opts: { block?: number; linkLost?: boolean } = {},
): Promise<GraphListsOutcome> {
  const n = matrix.length / dims;
  if (n === 0) return { lost: 0, linked: 0 };
  const block = opts.block ?? SEARCH_BLOCK;
  const lost = new Uint8Array(n);
  const pass: ListsPass = { graph, ef, matrix, dims, features, out, threads, cand: allocCandidates(n, false, block) };
  await listsInBlocks(pass, localityOrder(matrix, dims), lost, onProgress);
  const lostRows = Int32Array.from(lost.keys()).filter((r) => lost[r] === 1);
  if (!opts.linkLost || lostRows.length === 0) return { lost: lostRows.length, linked: 0 };
  const linked = await graph.linkLost(matrix, lostRows, graphCandidates(n), ef);
  // their lists again, on the linked graph (a row's list is rewritten whole)
  for (const r of lostRows) {
    out.rows.fill(-1, r * out.k, (r + 1) * out.k);
    out.scores.fill(0, r * out.k, (r + 1) * out.k);
  }
  await listsInBlocks(pass, lostRows, null, () => {});
  onProgress(n);
  return { lost: lostRows.length, linked };
}

/** What both list passes share: the graph and its search, the rerank's inputs, the lists, the candidate buffers. */
interface ListsPass {
  graph: ParallelGraph;
  ef: number;
  matrix: Float32Array;
  dims: number;
  features: RerankFeatures;
  out: SimilarLists;
  threads: number;
  cand: CandidateBuffers;
}

/** Searches and ranks the docs of `order`, block by block, the next block's search overlapping this block's rerank. */
async function listsInBlocks(pass: ListsPass, order: Int32Array, lost: Uint8Array | null, onProgress: (done: number) => void): Promise<void> {
  const { graph, ef, matrix, dims, features, out, threads, cand } = pass;
  const n = order.length;
  const block = cand.block;
  const k = graphCandidates(matrix.length / dims);
  const blocks = Math.ceil(n / block);
  const range = (b: number) => ({ from: b * block, to: Math.min(n, (b + 1) * block) });
  // a search that fails while this thread ranks is awaited (and thrown) at the next block
  const started = (b: number) => {
    const { from, to } = range(b);
    const s = graph.search(matrix, order, from, to, k, ef, cand, (b % 2) * block, threads, lost ?? undefined);
    s.catch(() => {});
    return s;
  };
  let pending: Promise<void> | null = blocks > 0 ? started(0) : null;
  try {
    for (let b = 0; b < blocks; b++) {
      await pending;
      pending = b + 1 < blocks ? started(b + 1) : null;
      const { from, to } = range(b);
      const slot = (b % 2) * block;
      for (let p = from; p < to; p++) {
        const base = (slot + p - from) * cand.width;
        let count = 0;
        while (count < cand.width && cand.labels[base + count] >= 0) count++;
        rankDoc(order[p], cand.labels.subarray(base, base + count), cand.dists.subarray(base, base + count), count, matrix, dims, features, out);
      }
      onProgress(to);
      await nextTurn();
    }
  } finally {
    // the graph stays busy (and its buffers written) until a started search ends
    await pending?.catch(() => {});
  }
}
