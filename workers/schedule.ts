// Periodic rebuilds: a BullMQ job scheduler on the rebuild queue produces a trigger job on a cron
// pattern; the rebuild worker turns it into a run through the same single-run guard as every other
// trigger (so a tick that lands while a run is in progress starts nothing).
import type { Queue } from 'bullmq';

export const SCHEDULER_ID = 'marquee-rebuild';

export interface Schedule {
  pattern: string;
  tz?: string;
  next?: string;
}

export async function setSchedule(queue: Queue, pattern: string, tz?: string): Promise<Schedule> {
  await queue.upsertJobScheduler(
    SCHEDULER_ID,
    { pattern, ...(tz ? { tz } : {}) },
    { name: 'rebuild', data: { trigger: 'schedule' }, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  return (await getSchedule(queue))!;
}

export async function removeSchedule(queue: Queue): Promise<boolean> {
  return queue.removeJobScheduler(SCHEDULER_ID);
}

export async function getSchedule(queue: Queue): Promise<Schedule | null> {
  const s = await queue.getJobScheduler(SCHEDULER_ID);
  if (!s?.pattern) return null;
  return { pattern: s.pattern, tz: s.tz, next: s.next ? new Date(s.next).toISOString() : undefined };
}
