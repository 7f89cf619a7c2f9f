/**
 * The Slack receiver: Bolt verifies signatures and parses payloads; every listener only translates and hands over
 * to the platform-neutral services. Bolt's request listener is mounted on our own HTTP server (web/server.ts).
 */
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { Logger } from 'pino';
import { boltLogger } from '../../logger.js';
import type { ActionService } from '../../web/action-service.js';
import type { CommandService } from '../../web/command-service.js';
import { SlackGroups } from './groups.js';
import { renderSlack } from './render.js';

export interface SlackAppOptions {
  signingSecret: string;
  botToken: string;
  apiUrl: string;
  commands: CommandService;
  actions?: ActionService;
  /** Role ids from config; user-group ids among them are resolved through Slack. */
  roles?: Record<string, string[]>;
  logger: Logger;
}

export interface SlackReceiver {
  app: InstanceType<typeof App>;
  requestListener: (
    req: import('node:http').IncomingMessage,
    res: import('node:http').ServerResponse,
  ) => void;
  stop(): void;
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
    // No conversation context: nothing reads it, and it would cost every request a store lookup.
    convoStore: false,
  });
  const groups = SlackGroups.fromRoles(app.client, options.roles ?? {}, options.logger);
  await groups.start();
  app.command(/.*/, async ({ command, ack }) => {
    const view = await options.commands.handle({
      text: command.text ?? '',
      user: {
        platform: 'slack',
        id: command.user_id,
        name: command.user_name,
        groups: groups.groupsOf(command.user_id),
      },
      conversation: { platform: 'slack', channel: command.channel_id, workspace: command.team_id },
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
  await app.init();
  return { app, requestListener: receiver.requestListener, stop: () => groups.stop() };
}
