/**
 * A load generator in a process of its own, as Slack is to the bot: the requests arrive built and signed (a
 * signature is good for five minutes), so all this process does during a burst is open one connection per request
 * (as independent Slack senders would), write the bytes and time the answer. Used by BurstRig (burst.ts); a
 * client sharing the simulators' event loop, or signing as it sends, would add its own queueing to every ack.
 *
 * Reads a LoadPlan as JSON on stdin and writes LoadAnswer[] as JSON on stdout, in the plan's order.
 */
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface LoadRequest {
  port: number;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** ms after the start of the burst at which to send it (0: at once). */
  at: number;
}

export interface LoadPlan {
  requests: LoadRequest[];
}

export interface LoadAnswer {
  /** From opening the connection to the end of the answer, ms. */
  ms: number;
  /** HTTP status, 0 when the connection failed. */
  status: number;
  body: string;
}

const ANSWER_TIMEOUT_MS = 30_000;

/** The request as bytes on the wire; `Connection: close` so the end of the answer is the end of the stream. */
export function requestBytes(r: LoadRequest): Buffer {
  const body = Buffer.from(r.body);
  const head = [
    `POST ${r.path} HTTP/1.1`,
    `host: 127.0.0.1:${r.port}`,
    'connection: close',
    `content-length: ${body.length}`,
    ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`),
  ].join('\r\n');
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`), body]);
}

/** Status line and body of a whole HTTP/1.1 answer (chunked bodies are left as sent: callers only search them). */
export function parseAnswer(raw: string): { status: number; body: string } {
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
  const split = raw.indexOf('\r\n\r\n');
  return { status: status ? Number(status[1]) : 0, body: split < 0 ? '' : raw.slice(split + 4) };
}

function send(r: LoadRequest, bytes: Buffer): Promise<LoadAnswer> {
  return new Promise((resolve) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    const done = (error?: Error) => {
      const ms = performance.now() - started;
      resolve(
        error
          ? { ms, status: 0, body: error.message }
          : { ms, ...parseAnswer(Buffer.concat(chunks).toString()) },
      );
    };
    const socket = connect(r.port, '127.0.0.1', () => socket.write(bytes));
    socket.setTimeout(ANSWER_TIMEOUT_MS, () => socket.destroy(new Error('no answer')));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.once('end', () => done());
    socket.once('error', done);
  });
}

export async function runPlan(plan: LoadPlan): Promise<LoadAnswer[]> {
  const bytes = plan.requests.map(requestBytes);
  const start = performance.now();
  return Promise.all(
    plan.requests.map(async (r, i) => {
      const wait = start + r.at - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      return send(r, bytes[i]!);
    }),
  );
}

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const answers = await runPlan(JSON.parse(Buffer.concat(chunks).toString()) as LoadPlan);
  process.stdout.write(JSON.stringify(answers));
}

if (process.argv[1]?.endsWith('load-client.ts')) {
  main().catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
