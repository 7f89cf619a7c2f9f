/** A short id that ties an answer ("Error id: e-…") to the log line that holds the details. */
import { randomBytes } from 'node:crypto';

export function newErrorId(): string {
  return `e-${randomBytes(6).toString('hex')}`;
}
