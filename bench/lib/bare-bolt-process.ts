/** Starts bench/lib/bare-bolt.ts (a Bolt app that only acks /align) as a child process; resolves once it listens. */
import { type ChildProcess, spawn } from 'node:child_process';
import type { SlackSim } from '../../src/sandbox/slack-sim.js';
import { REPO_ROOT } from '../../test/helpers/process.js';

export function startBareBolt(slack: SlackSim, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/bare-bolt.ts'], {
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
