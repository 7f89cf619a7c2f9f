/** A clock the test moves: `sleep` advances it at once, so a check that waits out a Retry-After costs no time. */
import type { Clock } from '../../../src/core/ports.js';

export class ManualClock implements Clock {
  constructor(private at = Date.now()) {}

  now(): number {
    return this.at;
  }

  async sleep(ms: number): Promise<void> {
    this.at += ms;
  }

  advance(ms: number): this {
    this.at += ms;
    return this;
  }
}
