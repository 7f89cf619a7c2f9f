/**
 * The Slack receiver: Bolt verifies and parses what Slack sends; every listener only translates and hands over to
 * the platform-neutral services. Over HTTP, Bolt's request listener is mounted on our own HTTP server
 * (web/server.ts); in Socket Mode (socket-mode.ts) the same listeners get the envelopes of the bot's own
 * WebSocket connection to Slack, and there is no HTTP route at all.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, AuthorizationError, HTTPReceiver, LogLevel, type Receiver } from '@slack/bolt';
import type { Logger } from 'pino';
import type { ActionService } from '../../app/action-service.js';
import type { CommandService } from '../../app/command-service.js';
import { newErrorId } from '../../error-id.js';
import { boltLogger } from '../../logger.js';
import { SlackGroups } from './groups.js';
import { renderSlack } from './render.js';
import { guardSlackRequests } from './request-guard.js';
import { connectSocketMode, createSocketModeReceiver } from './socket-mode.js';
import { unwrapSlackLinks } from './text.js';
import { refusedToken } from './token-errors.js';

export interface SlackAppOptions {
  botToken: string;
  apiUrl: string;
  /** HTTP: verifies the requests to /slack/events. */
  signingSecret?: string;
  /** Socket Mode: when set, the app connects to Slack instead of being called. */
  appToken?: string;
  commands: CommandService;
  actions?: ActionService;
  /** Role ids from config; user-group ids among them are resolved through Slack. */
  roles?: Record<string, string[]>;
  logger: Logger;
}

export interface SlackReceiver {
  app: InstanceType<typeof App>;
  /** HTTP mode: what answers /slack/events. Socket Mode: none. */
  requestListener?: (req: IncomingMessage, res: ServerResponse) => void;
  stop(): Promise<void>;
}

/** How long a stop waits for the Socket Mode connection to close. */
const DISCONNECT_TIMEOUT_MS = 2000;
/** How long the start waits for Slack to confirm the bot token: Bolt's client would retry for many minutes. */
const INIT_TIMEOUT_MS = 30_000;

export async function createSlackApp(options: SlackAppOptions): Promise<SlackReceiver> {
  // The receiver logs refused requests itself; without our logger it prints to the console at any LOG_LEVEL.
  const logger = boltLogger(options.logger.child({ component: 'bolt' })) as never;
  const { receiver, requestListener, start, stop } = slackReceiver(options, logger);
  const app = new App({
    token: options.botToken,
    receiver,
    logger,
    logLevel: LogLevel.WARN,
    clientOptions: { slackApiUrl: options.apiUrl },
    deferInitialization: true,
    // No conversation context: nothing reads it, and it would cost every request a store lookup.
    convoStore: false,
  });
  await verifyBotToken(app, options.apiUrl);
  const groups = SlackGroups.fromRoles(app.client, options.roles ?? {}, options.logger);
  await groups.start();
  app.command(/.*/, async ({ command, ack }) => {
    const view = await options.commands.handle({
      prefix: command.command || '/align',
      text: unwrapSlackLinks(command.text ?? ''),
      user: {
        platform: 'slack',
        id: command.user_id,
        name: command.user_name,
        groups: groups.groupsOf(command.user_id),
      },
      conversation: { platform: 'slack', channel: command.channel_id, address: command.team_id },
    });
    const rendered = renderSlack(view);
    await ack({ response_type: 'ephemeral', text: rendered.text, blocks: rendered.blocks as never });
  });
  const actions = options.actions;
  if (actions) {
    app.action(/^align\./, async ({ ack, action, body, respond }) => {
      await ack();
      if (action.type !== 'button' || !('action_id' in action) || body.type !== 'block_actions') return;
      const reply = await actions.handle({
        action: action.action_id,
        value: action.value ?? '',
        user: {
          platform: 'slack',
          id: body.user.id,
          ...(body.user.name ? { name: body.user.name } : {}),
          groups: groups.groupsOf(body.user.id),
        },
      });
      if (!reply) return;
      const rendered = renderSlack(reply);
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: rendered.text,
        blocks: rendered.blocks as never,
      });
    });
  }
  app.error(async (error) => {
    options.logger.error(
      { err: { name: error.name, code: (error as { code?: string }).code } },
      'slack listener error',
    );
  });
  await start(app);
  return {
    app,
    ...(requestListener ? { requestListener } : {}),
    stop: async () => {
      groups.stop();
      await stop();
    },
  };
}

/** Bolt's init (auth.test with the bot token), bounded; a refused token names SLACK_BOT_TOKEN (exit 2). */
async function verifyBotToken(app: InstanceType<typeof App>, apiUrl: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `Slack did not answer at ${apiUrl} within ${INIT_TIMEOUT_MS / 1000} s — check that this host reaches slack.com (egress rules, proxy)`,
          ),
        ),
      INIT_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([app.init(), timeout]);
  } catch (error) {
    throw refusedToken(error, 'SLACK_BOT_TOKEN') ?? error;
  } finally {
    clearTimeout(timer);
  }
}

interface ReceiverParts {
  receiver: Receiver;
  requestListener?: (req: IncomingMessage, res: ServerResponse) => void;
  start(app: InstanceType<typeof App>): Promise<void>;
  stop(): Promise<void>;
}

/** Socket Mode when an app token is given, else HTTP behind the body guard. */
function slackReceiver(options: SlackAppOptions, logger: never): ReceiverParts {
  if (options.appToken) {
    const receiver = createSocketModeReceiver({
      appToken: options.appToken,
      apiUrl: options.apiUrl,
      boltLogger: logger,
      logger: options.logger,
    });
    return {
      receiver,
      start: (app) => connectSocketMode(() => app.start(), receiver.client, options.logger),
      stop: () =>
        Promise.race([
          receiver.client.disconnect(),
          new Promise<void>((resolve) => setTimeout(resolve, DISCONNECT_TIMEOUT_MS).unref()),
        ]),
    };
  }
  const signingSecret = options.signingSecret;
  if (!signingSecret) throw new Error('Slack over HTTP needs a signing secret');
  const receiver = new HTTPReceiver({
    signingSecret,
    endpoints: '/slack/events',
    processBeforeResponse: false,
    logger,
    processEventErrorHandler: async ({ error, response }) => answerFailure(error, response, options.logger),
  });
  return {
    receiver,
    requestListener: guardSlackRequests(receiver.requestListener, { signingSecret, logger: options.logger }),
    start: async () => undefined,
    stop: async () => undefined,
  };
}

/**
 * Bolt failed before any listener ran: after request-guard.ts only a body shape it did not foresee gets here. Logged
 * under an error id, answered 400 (Bolt's default is a bare 500). Returns false: the answer is written.
 */
function answerFailure(error: Error, response: ServerResponse, logger: Logger): Promise<boolean> {
  const errorId = newErrorId();
  logger.warn(
    { errorId, err: { name: error.name, message: error.message } },
    'Bolt could not process a request',
  );
  if (!response.headersSent) {
    const status = error instanceof AuthorizationError ? 401 : 400;
    response
      .writeHead(status, { 'content-type': 'text/plain; charset=utf-8' })
      .end(`Align Bot could not read this request. Error id: ${errorId}\n`);
  }
  return Promise.resolve(false);
}
