/**
 * The burst's load generator (test/helpers/load-client.ts): it sends what it was given, byte for byte, from a
 * process of its own, and reports each answer's status and body — a refused connection as status 0, so a burst
 * counts it as refused rather than hanging or throwing.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSim } from '../../../src/sandbox/slack-sim.js';
import { sendFromOwnProcess, signedCommands } from '../../helpers/burst.js';
import { freePort } from '../../helpers/process.js';

const slack = new SlackSim();
const seen: Array<{ headers: Record<string, unknown>; body: string }> = [];
let server: Server;
let port: number;

beforeAll(async () => {
  await slack.start();
  port = await freePort();
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      seen.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"Run r-abc queued"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await slack.stop();
});

describe('the load generator', () => {
  it('sends signed commands as built and reports each answer in order', async () => {
    const requests = signedCommands(slack, {
      commands: 6,
      channels: 3,
      port,
      channelPrefix: 'CLOAD',
      textOf: (n) => `test c${n}`,
    });
    const answers = await sendFromOwnProcess(requests);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers.every((a) => a.body.includes('Run r-abc queued') && a.ms > 0)).toBe(true);
    expect(seen.map((s) => new URLSearchParams(s.body).get('channel_id')).sort()).toEqual([
      'CLOAD0',
      'CLOAD0',
      'CLOAD1',
      'CLOAD1',
      'CLOAD2',
      'CLOAD2',
    ]);
    for (const s of seen) {
      const expected = slack.sign(s.body, Number(s.headers['x-slack-request-timestamp']));
      expect(s.headers['x-slack-signature']).toBe(expected['x-slack-signature']);
    }
  }, 30_000);

  it('reports a refused connection as status 0', async () => {
    const closed = await freePort();
    const [answer] = await sendFromOwnProcess(
      signedCommands(slack, {
        commands: 1,
        channels: 1,
        port: closed,
        channelPrefix: 'C',
        textOf: () => 'help',
      }),
    );
    expect(answer?.status).toBe(0);
  }, 30_000);
});
