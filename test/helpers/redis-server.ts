/**
 * A redis-server of the test's own on a free port (never the shared one): it may be killed, frozen and started
 * again on the same port. Tests that use it skip when redis-server is not installed, unless peers are required.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answersPing } from '../../src/cli/private-redis.js';
import { freePort } from './process.js';
import { waitFor } from './wait.js';

export const HAS_REDIS_SERVER = !spawnSync('redis-server', ['--version']).error;
const MISSING =
  'redis-server is not on PATH: install it (apt-get install redis-server) to run the Redis-outage tests';
if (!HAS_REDIS_SERVER) {
  if (process.env.ALIGN_BOT_REQUIRE_PEERS === '1') throw new Error(`${MISSING} (ALIGN_BOT_REQUIRE_PEERS=1)`);
  console.warn(`skipping: ${MISSING}`);
}

export class PrivateRedisServer {
  port = 0;
  private child?: ChildProcess;
  private dir?: string;

  /**
   * `persist`: an append-only file in a directory kept across restarts, so a graceful restart loses nothing.
   * `args`: more redis-server options, e.g. `--replicaof 127.0.0.1 <port>` for a replica.
   */
  constructor(private readonly options: { persist?: boolean; args?: string[] } = {}) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (on the same port as before, after the first time) and waits until it answers PING. */
  async start(): Promise<this> {
    this.port ||= await freePort();
    const persist = this.options.persist === true;
    if (!persist || !this.dir) this.dir = mkdtempSync(join(tmpdir(), 'align-bot-redis-'));
    this.child = spawn(
      'redis-server',
      [
        ...['--port', String(this.port), '--bind', '127.0.0.1', '--save', ''],
        ...['--appendonly', persist ? 'yes' : 'no', '--dir', this.dir],
        ...(this.options.args ?? []),
      ],
      { stdio: 'ignore' },
    );
    await waitFor(() => answersPing('127.0.0.1', this.port), {
      what: 'the private redis-server to answer',
      timeoutMs: 10_000,
    });
    return this;
  }

  /** A graceful stop (SIGTERM, as a service manager does): Redis flushes its append-only file and exits. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGCONT');
    const gone = once(child, 'exit');
    child.kill('SIGTERM');
    await gone;
  }

  /** Gone at once (SIGKILL): connections are refused. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGCONT');
    const gone = once(child, 'exit');
    child.kill('SIGKILL');
    await gone;
  }

  /** Connected but silent (SIGSTOP), until `thaw`. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }
}
