/**
 * The Slack receiver: Bolt verifies signatures and parses payloads; every listener only translates and hands over
 * to the platform-neutral services. Bolt's request listener is mounted on our own HTTP server (web/server.ts).
 */
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { Logger } from 'pino';
import { boltLogger } from '../../logger.js';
import type { CommandService } from '../../web/command-service.js';
import { renderSlack } from './render.js';

export interface SlackAppOptions {
  signingSecret: string;
  botToken: string;
  apiUrl: string;
  commands: CommandService;
  logger: Logger;
}

export interface SlackReceiver {
  app: InstanceType<typeof App>;
  requestListener: (
    req: import('node:http').IncomingMessage,
    res: import('node:http').ServerResponse,
  ) => void;
}

export async function createSlackApp(options: SlackAppOptions): Promise<SlackReceiver> {
  // The receiver logs refused requests itself; without our logger it prints to the console at any LOG_LEVEL.
  const logger = boltLogger(options.logger.child({ component: 'bolt' })) as never;
  const receiver = new HTTPReceiver({
    signingSecret: options.signingSecret,
    endpoints: '/slack/events',
    processBeforeResponse: false,
    logger,
  });
  const app = new App({
    token: options.botToken,
    receiver,
    logger,
    logLevel: LogLevel.WARN,
    clientOptions: { slackApiUrl: options.apiUrl },
    deferInitialization: true,
  });
  app.command(/.*/, async ({ command, ack }) => {
    const view = await options.commands.handle({
      text: command.text ?? '',
      user: { platform: 'slack', id: command.user_id, name: command.user_name },
      conversation: { platform: 'slack', channel: command.channel_id, workspace: command.team_id },
    });
    const rendered = renderSlack(view);
    await ack({ response_type: 'ephemeral', text: rendered.text, blocks: rendered.blocks as never });
  });
  app.error(async (error) => {
    options.logger.error(
      { err: { name: error.name, code: (error as { code?: string }).code } },
      'slack listener error',
    );
  });
  await app.init();
  return { app, requestListener: receiver.requestListener };
}
