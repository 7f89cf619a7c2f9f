/**
 * Slack Socket Mode end to end (issue 11 item 3): the bot, given SLACK_APP_TOKEN and no signing secret, asks the
 * Slack simulator's apps.connections.open for a WebSocket URL, connects to a local Socket Mode server speaking
 * Slack's envelope protocol (hello, envelopes, acks), and handles a slash command and a button click exactly as
 * over HTTP: the run is created, its root message posted through the Web API, the click recorded. Malformed
 * envelopes are acknowledged and refused without reaching Bolt, and the bot keeps working; a `disconnect` from
 * Slack is followed by a reconnection. There is no HTTP route for Slack in this mode.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, APPROVER, type BotHarness, startBot } from '../../helpers/bot.js';
import { openAsk } from '../../helpers/guided.js';
import { testPrefix } from '../../helpers/redis.js';
import { SocketModeServer } from '../../helpers/socket-mode-server.js';
import { waitFor } from '../../helpers/wait.js';

const logs: string[] = [];
let server: SocketModeServer;
let bot: BotHarness;

beforeAll(async () => {
  server = await new SocketModeServer().start();
  bot = await startBot({
    prefix: testPrefix('socket-mode'),
    connectors: [{ name: 'acme', host: 'acme.atlassian.net' }],
    socketModeUrl: server.url,
    logSink: logs,
  });
});

afterAll(async () => {
  await bot?.stop();
  await server?.stop();
});

async function command(text: string, channel: string, userId = ADMIN) {
  const envelopeId = server.send(
    'slash_commands',
    bot.slack.commandPayload({ text, userId, channelId: channel }),
  );
  const ack = await server.ackOf(envelopeId);
  return ack.payload as { response_type?: string; text?: string };
}

const runIdOf = (text = '') => /Run (r-[a-z0-9]+)/.exec(text)?.[1];

describe('Slack Socket Mode', () => {
  it('connects with the app-level token, through apps.connections.open, and serves no Slack HTTP route', async () => {
    expect(server.connected).toBe(1);
    const opened = bot.slack.callsOf('apps.connections.open');
    expect(opened.length).toBeGreaterThanOrEqual(1);
    expect(opened.every((call) => call.status === 200 && !call.error)).toBe(true);
    const res = await request(`http://127.0.0.1:${bot.port}/slack/events`, { method: 'POST', body: 'x=1' });
    expect(res.statusCode).toBe(404);
    await res.body.text();
  });

  it('a slash command: acked on the socket, the run created, its root message posted to Slack', async () => {
    const ack = await command('test acme', 'CSOCK1');
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toMatch(/^Run r-[a-z0-9]+ queued: test acme/);
    const runId = runIdOf(ack.text)!;
    expect(await bot.web!.runs.get(runId)).toMatchObject({ kind: 'test' });
    const root = await waitFor(
      () => bot.slack.channel('CSOCK1').find((m) => /passed/.test(m.text) && !m.text.includes('running')),
      { what: 'the final root message' },
    );
    expect(JSON.stringify(root.blocks)).toContain(runId);
    expect(bot.slack.channel('CSOCK1')).toHaveLength(1);
  });

  it('a button click: acked on the socket, the decision recorded, the answer sent to response_url', async () => {
    const ack = await command('rotate acme', 'CSOCK2');
    expect(ack.text).toMatch(/queued: rotate acme/);
    const runId = runIdOf(ack.text)!;
    const approval = await openAsk(bot.slack, 'CSOCK2', runId, 'approval');
    expect(approval.actions).toEqual(['align.approve', 'align.deny']);

    const click = (userId: string, action: string) => {
      const { payload, responseId } = bot.slack.actionPayload({
        channel: 'CSOCK2',
        ts: approval.message.ts,
        actionId: action,
        value: approval.value,
        userId,
      });
      return { envelopeId: server.send('interactive', payload), responseId };
    };

    const self = click(ADMIN, 'align.approve');
    expect((await server.ackOf(self.envelopeId)).payload).toEqual({});
    const refused = (await bot.slack.responseFor(self.responseId, 5000)) as { text?: string } | undefined;
    expect(refused?.text).toContain('someone else has to approve');

    const approved = click(APPROVER, 'align.approve');
    await server.ackOf(approved.envelopeId);
    await waitFor(
      () => {
        const message = bot.slack.messages.find((m) => m.ts === approval.message.ts)!;
        const blocks = JSON.stringify(message.blocks);
        return blocks.includes('Approved') && !blocks.includes('"actions"');
      },
      { what: 'the approval prompt edited to Approved' },
    );
    const audit = await bot.web!.audit.recent({ limit: 50 });
    expect(audit.some((e) => e.runId === runId && e.actor === APPROVER)).toBe(true);
  });

  it('acknowledges and refuses malformed envelopes without reaching Bolt, and keeps working', async () => {
    const before = logs.length;
    const user = { id: ADMIN, team_id: 'T1' };
    const malformed: Array<[string, unknown]> = [
      ['slash_commands', null],
      ['slash_commands', { text: 'test acme' }],
      ['slash_commands', { command: '/align', user_id: ADMIN, channel_id: 'C1', text: 42 }],
      ['interactive', null],
      ['interactive', { type: 'block_actions' }],
      ['interactive', { type: 'block_actions', user, actions: 'x' }],
      ['interactive', { type: 'block_actions', user, channel: null }],
      ['events_api', null],
      ['events_api', { type: 'event_callback', event: 7 }],
      ['events_api', { type: 'event_callback', event: { channel: 'C1' } }],
      ['mystery', { anything: true }],
    ];
    const ids = malformed.map(([type, payload]) => server.send(type, payload));
    server.sendRaw('not json at all');
    server.sendRaw(JSON.stringify({ type: 'slash_commands', payload: {} }));
    server.sendRaw(Buffer.from([0x00, 0x01, 0x02]));

    const acks = await Promise.all(ids.map((id) => server.ackOf(id)));
    expect(acks[0]!.payload?.text).toMatch(/^Align Bot could not read this request\. Error id: /);
    for (const ack of acks.slice(3)) expect(ack.payload).toEqual({});

    const refusals = logs
      .slice(before)
      .filter((line) => line.includes('refused a malformed Socket Mode message'));
    expect(refusals.length).toBe(malformed.length + 3);
    expect(logs.slice(before).join('\n')).not.toContain('Bolt could not process');

    const ack = await command('test acme', 'CSOCK3');
    expect(ack.text).toMatch(/queued: test acme/);
  });

  it('reconnects after Slack asks it to, and answers on the new connection', async () => {
    const connections = server.connections.length;
    server.disconnectAll();
    await waitFor(() => server.connections.length > connections && server.connected === 1, {
      what: 'a new Socket Mode connection',
      timeoutMs: 20_000,
    });
    const ack = await command('help', 'CSOCK4');
    expect(ack.text).toBeTruthy();
  }, 30_000);
});
