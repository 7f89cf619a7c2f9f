/** Real child processes of the bot (`node --import tsx src/main.ts …`), always killed when a test file ends. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { recordOutput } from './leaks.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Spawned {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<ChildProcess>();

/** Starts `align-bot <args>` with exactly `env` (plus PATH and HOME). */
export function spawnBot(args: string[], env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = once(child, 'exit').then(([code, signal]) => {
    live.delete(child);
    recordOutput(`align-bot ${args[0] ?? ''} (child process)`, out);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  return { child, output: () => out, exited };
}

/** Runs `align-bot <args>` to completion. */
export async function runBot(args: string[], env: Record<string, string>, timeoutMs = 30_000) {
  const chunks = { out: '', err: '' };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.stdout.on('data', (d: Buffer) => {
    chunks.out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    chunks.err += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  live.delete(child);
  recordOutput(`align-bot ${args[0] ?? ''} (child process)`, `${chunks.out}\n${chunks.err}`);
  return { code, stdout: chunks.out, stderr: chunks.err };
}

/** SIGKILLs every child this file started that is still running. */
export async function killAll(): Promise<void> {
  const waits = [...live].map(async (child) => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = once(child, 'exit');
      child.kill('SIGKILL');
      await gone;
    }
  });
  live.clear();
  await Promise.all(waits);
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
