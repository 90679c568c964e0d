// One rebuild = one BullMQ flow. A flow is a tree whose children run before their parent, so the
// publish job is the root and the first stage is the deepest leaf.
//
// The stage graph is a diamond (transform feeds both eda and embed; publish needs eda and index),
// which a tree cannot hold: a job has one parent, so transform cannot be a child of both eda and
// embed. We keep the tree a chain in the inline runner's order (BUILD_STAGES):
//
//   publish
//   └─ index
//      └─ embed
//         └─ eda
//            └─ transform
//               └─ extract
//
// Every dependency holds (eda and embed run after transform, index after embed, publish last); the
// price is that eda and embed do not overlap. EDA is short next to embed, and on a small machine the
// two would compete for the same cores anyway. EDA runs first so that a broken report fails the run
// before the expensive embedding. The alternative (transform grafting eda and index<-embed onto the
// waiting publish job at run time) buys that overlap at the cost of a tree that is not known up front.
import type { FlowJob, JobsOptions } from 'bullmq';
import { STAGES, type StageName } from '../pipeline/types.js';
import { stageJobId } from './names.js';
import type { OrchestrationSettings } from './settings.js';

/** What every stage job carries: where to read and write, never the data itself. */
export interface StagePayload {
  runId: string;
  /** the version being built */
  version: string;
  /** the version dir (inside artifactsDir) the stages read and write */
  dir: string;
  artifactsDir: string;
  /** raw input */
  dataDir: string;
}

/**
 * The stages in the order the flow runs them (leaf first): the build stages in the inline runner's
 * order (BUILD_STAGES), then publish. Taken from pipeline/types, not the stage registry, so that
 * triggering a run (CLI, service) never loads the stage implementations and their heavy dependencies.
 */
export const FLOW_ORDER: StageName[] = [...STAGES];

export function stageJobOptions(stage: StageName, runId: string, settings: OrchestrationSettings): JobsOptions {
  return {
    jobId: stageJobId(runId, stage),
    attempts: settings.attempts[stage],
    backoff: { type: 'exponential', delay: settings.backoffMs },
    // a stage that fails for good fails its parent, and so on up to publish: the run fails with it
    failParentOnFailure: true,
    // the run records keep the history; finished jobs are only kept for inspection for a while
    removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
    removeOnFail: { age: 14 * 24 * 3600, count: 1000 },
  };
}

export function rebuildFlow(payload: StagePayload, settings: OrchestrationSettings): FlowJob {
  let node: FlowJob | undefined;
  for (const stage of FLOW_ORDER) {
    const opts = stageJobOptions(stage, payload.runId, settings);
    node = {
      name: stage,
      queueName: stage,
      data: payload,
      opts,
      ...(node ? { children: [node] } : {}),
    } as FlowJob;
  }
  return node!;
}
