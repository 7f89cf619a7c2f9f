/**
 * bull-board's BullMQ adapter, read-only and with job data masked: the dashboard shows which run a job is for and
 * what kind of job it is, never anything else a job might carry (queue/names.ts keeps job data to ids, and this
 * keeps the dashboard to them even if that ever changes). Return values, progress, job logs and the data
 * templates of job schedulers are hidden the same way.
 */
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { Queue } from 'bullmq';

/** The job data fields the dashboard may show, each an id or a kind (queue/names.ts, queue/report-scheduler.ts). */
const SHOWN_FIELDS = ['runId', 'kind', 'scheduleId'] as const;
const ID_LIKE = /^[\w.:-]{1,100}$/;
export const MASKED = '[masked]';

export function maskJobData(data: unknown): Record<string, string> {
  if (!data || typeof data !== 'object') return {};
  const shown: Record<string, string> = {};
  const record = data as Record<string, unknown>;
  for (const field of SHOWN_FIELDS) {
    const value = record[field];
    if (value === undefined) continue;
    shown[field] = typeof value === 'string' && ID_LIKE.test(value) ? value : MASKED;
  }
  if (Object.keys(record).some((key) => !(SHOWN_FIELDS as readonly string[]).includes(key)))
    shown.other = MASKED;
  return shown;
}

type Schedulers = Awaited<ReturnType<BullMQAdapter['getJobSchedulers']>>;

export class MaskedQueueAdapter extends BullMQAdapter {
  constructor(queue: Queue) {
    super(queue, { readOnlyMode: true, allowRetries: false });
    this.setFormatter('data', maskJobData);
    this.setFormatter('returnValue', (value: unknown) =>
      value === undefined || value === null ? value : MASKED,
    );
    this.setFormatter('progress', (value: unknown) => (typeof value === 'number' ? value : 0));
  }

  override async getJobLogs(_id: string): Promise<string[]> {
    return [];
  }

  override async getJobSchedulers(): Promise<Schedulers> {
    const schedulers = await super.getJobSchedulers();
    return schedulers.map((scheduler) => {
      const template = scheduler.template as { data?: unknown } | undefined;
      return template
        ? { ...scheduler, template: { ...template, data: maskJobData(template.data) } }
        : scheduler;
    });
  }
}
