/**
 * Starts a baseline of the ack benchmarks as a child process and resolves once it listens: bench/lib/bare-bolt.ts
 * (a Bolt app that only acks /align) or bench/lib/bare-node.ts (a plain Node HTTP server).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { SlackSim } from '../../src/sandbox/slack-sim.js';
import { REPO_ROOT } from '../../test/helpers/process.js';

export function startBareBolt(
  slack: SlackSim,
  port: number,
  script = 'bench/lib/bare-bolt.ts',
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_API_URL: slack.apiUrl,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`bare Bolt exited with ${code}`)));
  });
}
