/**
 * Diagnoses of Align Bot's own failures, which end a run as a whole rather than one of its checks: a stored
 * credential it cannot decrypt, and an internal failure. Part of the catalogue in diagnosis.ts (kept apart for
 * size); the codes are an API like every other.
 */

export const BOT_DIAGNOSES = {
  MASTER_KEY_MISSING: {
    title: 'A stored credential is encrypted under a master key Align Bot does not have',
    side: 'bot',
    cause:
      'Align Bot encrypts every credential handed over through its secure form under ALIGN_BOT_MASTER_KEY and records which key id it used. This credential names a key id (in the details) that is missing from ALIGN_BOT_MASTER_KEY on the workers — usually an old key dropped from the list during a key rotation — or a key with that id that holds different bytes.',
    fix: [
      'Put the old key back into ALIGN_BOT_MASTER_KEY on every worker, after the current one: ALIGN_BOT_MASTER_KEY=newid:<new key>,oldid:<old key> (the id in the details), and restart the workers.',
      'If the old key is lost, the credential cannot be recovered: run Align Bot’s rotate command (rotate <name>) and hand over the credential again.',
      'Keep every key id that still has records until they are rewrapped under the new key (Vault.rewrap).',
    ],
    source: 'README.md, Secrets (ALIGN_BOT_MASTER_KEY, key rotation)',
  },
  BOT_INTERNAL_FAILURE: {
    title: 'Align Bot stopped on an internal failure',
    side: 'bot',
    cause:
      'The run failed inside Align Bot on every attempt (retried with backoff for about a minute), or its job was lost; nothing is known about the connector from it.',
    fix: [
      'Run the command again: a brief outage of Align Bot’s Redis is the most common cause.',
      'If it fails again, give the run id (in the details) to whoever operates Align Bot: its logs carry the error under that id.',
    ],
    source: 'DESIGN.md §4 (runs: a run always ends)',
  },
} satisfies Record<string, { title: string; side: 'bot'; cause: string; fix: string[]; source: string }>;

export type BotDiagnosisCode = keyof typeof BOT_DIAGNOSES;

/**
 * An error that is a diagnosis, not a crash (a credential that cannot be decrypted): the run ends failed with this
 * code and detail at once, without retries. Adapters' errors carry these two fields.
 */
export interface Diagnosed {
  readonly diagnosis: BotDiagnosisCode;
  /** Plain, non-secret words: which record, which key id. */
  readonly detail: string;
}

export function diagnosedOf(error: unknown): Diagnosed | undefined {
  if (!(error instanceof Error) || !('diagnosis' in error) || !('detail' in error)) return undefined;
  const { diagnosis, detail } = error as Error & Diagnosed;
  return Object.hasOwn(BOT_DIAGNOSES, diagnosis) && typeof detail === 'string'
    ? { diagnosis, detail }
    : undefined;
}
