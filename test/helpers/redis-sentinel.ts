/** A Redis Sentinel of a test's own on a free loopback port, watching one master (quorum 1). */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answersPing } from '../../src/cli/private-redis.js';
import { freePort } from './process.js';
import { waitFor } from './wait.js';

export class PrivateSentinel {
  port = 0;
  private child?: ChildProcess;

  /** `downAfterMs`: how long the master may be silent before the Sentinel fails it over (Sentinel's default 30 s). */
  async start(masterName: string, masterPort: number, options: { downAfterMs?: number } = {}): Promise<this> {
    this.port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'align-bot-sentinel-'));
    const conf = join(dir, 'sentinel.conf');
    const lines = [
      `port ${this.port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 1`,
      ...(options.downAfterMs
        ? [
            `sentinel down-after-milliseconds ${masterName} ${options.downAfterMs}`,
            `sentinel failover-timeout ${masterName} 10000`,
          ]
        : []),
    ];
    writeFileSync(conf, `${lines.join('\n')}\n`);
    this.child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    await waitFor(() => answersPing('127.0.0.1', this.port), { what: 'the Sentinel to answer' });
    return this;
  }

  /** What redis-cli prints for a command sent to this Sentinel (e.g. `sentinel get-master-addr-by-name x`). */
  ask(...args: string[]): Promise<string> {
    return redisCli(this.port, args);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = once(child, 'exit');
    child.kill('SIGKILL');
    await gone;
  }
}

/** What `redis-cli -p <port> <args…>` prints. */
export function redisCli(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const cli = spawn('redis-cli', ['-p', String(port), ...args]);
    let out = '';
    cli.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    cli.on('error', reject);
    cli.on('exit', () => resolve(out));
  });
}
