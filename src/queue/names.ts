/** Queue names and the job payloads they carry: ids only, never a secret (Redis stores job data in clear). */
import { z } from 'zod';

export const RUNS_QUEUE = 'runs';
export const OUTBOX_QUEUE = 'outbox';

export const runJobSchema = z.strictObject({ runId: z.string().regex(/^r-[a-z0-9]+$/) });
export type RunJob = z.infer<typeof runJobSchema>;

export const outboxJobSchema = z.strictObject({
  kind: z.literal('sync'),
  runId: z.string().regex(/^r-[a-z0-9]+$/),
});
export type OutboxJob = z.infer<typeof outboxJobSchema>;
