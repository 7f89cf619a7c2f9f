/**
 * A Redis Cluster of the test's own: three masters (no replicas) on free loopback ports, made with
 * `redis-cli --cluster create`, no persistence. Never the shared Redis; `stop` kills every node.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { answersPing } from '../../src/cli/private-redis.js';
import { freePort } from './process.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

export class PrivateRedisCluster {
  readonly ports: number[] = [];
  private readonly nodes: ChildProcess[] = [];

  /** The seed list, as REDIS_URL takes it. */
  get url(): string {
    return `redis+cluster://${this.ports.map((p) => `127.0.0.1:${p}`).join(',')}`;
  }

  async start(masters = 3): Promise<this> {
    for (let i = 0; i < masters; i++) await this.startNode();
    await run('redis-cli', [
      '--cluster',
      'create',
      ...this.ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const port of this.ports) {
      await waitFor(async () => (await this.cli(port, 'cluster', 'info')).includes('cluster_state:ok'), {
        what: `cluster node ${port} to report cluster_state:ok`,
        timeoutMs: 20_000,
      });
    }
    return this;
  }

  /** A command on one node, through redis-cli; its output. */
  async cli(port: number, ...args: string[]): Promise<string> {
    const { stdout } = await run('redis-cli', ['-p', String(port), ...args]);
    return stdout;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const gone = once(child, 'exit');
        child.kill('SIGKILL');
        await gone;
      }),
    );
  }

  private async startNode(): Promise<void> {
    const [port, busPort] = [await freePort(), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), 'align-bot-cluster-'));
    const child = spawn(
      'redis-server',
      [
        ...['--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1'],
        ...['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf')],
        ...['--save', '', '--appendonly', 'no', '--dir', dir, '--maxmemory-policy', 'noeviction'],
      ],
      { stdio: 'ignore' },
    );
    this.nodes.push(child);
    this.ports.push(port);
    await waitFor(() => answersPing('127.0.0.1', port), { what: `cluster node ${port} to answer` });
  }
}
