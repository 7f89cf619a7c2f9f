/**
 * Slack Socket Mode (SLACK_APP_TOKEN): Bolt's SocketModeReceiver on @slack/socket-mode 3.1, which opens the
 * WebSocket with undici's own `WebSocket` class (imported from the `undici` package, so Node 20, which has no
 * global WebSocket, is fine). What we add around it:
 * - the envelope guard (envelope-shape.ts) in front of the client's message handler: a malformed envelope is
 *   acknowledged (so Slack does not send it again), logged under an error id, and never reaches Bolt;
 * - an error handler that acknowledges a command whose processing failed, with an error id, instead of leaving the
 *   person to Slack's timeout (Bolt sets no ack deadline in Socket Mode; the command service keeps its own 2 s
 *   budget, so an ack still goes out within Slack's 3 seconds);
 * - a logger that drops the client's debug lines that print whole payloads;
 * - a bounded first connection: a refused app token stops the start with the variable named.
 */
import { type Logger as BoltLogger, SocketModeReceiver } from '@slack/bolt';
import type { SocketModeClient } from '@slack/socket-mode';
import type { Logger } from 'pino';
import { newErrorId } from '../../error-id.js';
import { envelopeVerdict } from './envelope-shape.js';
import { platformErrorCode, refusedToken } from './token-errors.js';

/** How long the start waits for Slack's `hello`; after that the client keeps connecting in the background. */
export const FIRST_CONNECT_TIMEOUT_MS = 15_000;

/** Debug lines of @slack/socket-mode and Bolt that print payloads or acks verbatim. */
const PAYLOAD_LINES =
  /^(Received a message on the WebSocket|Sending a WebSocket message|Unable to parse an incoming|Calling ack\(\)|ack\(\) (call begins|response sent))/;

export function createSocketModeReceiver(options: {
  appToken: string;
  apiUrl: string;
  boltLogger: BoltLogger;
  logger: Logger;
}): SocketModeReceiver {
  const receiver = new SocketModeReceiver({
    appToken: options.appToken,
    logger: withoutPayloads(options.boltLogger),
    installerOptions: { clientOptions: { slackApiUrl: options.apiUrl } },
    processEventErrorHandler: async ({ error, event }) => {
      const errorId = newErrorId();
      options.logger.warn(
        { errorId, type: event.body?.type ?? 'command', err: { name: error.name, message: error.message } },
        'Bolt could not process a Socket Mode envelope',
      );
      const isCommand = typeof event.body?.command === 'string';
      await event
        .ack(
          isCommand ? { text: `Align Bot could not handle this command. Error id: ${errorId}` } : undefined,
        )
        .catch(() => undefined);
      return false;
    },
  });
  guardEnvelopes(receiver.client, options.logger);
  return receiver;
}

interface Acknowledger {
  send(envelopeId: string, body: Record<string, unknown>): Promise<void>;
}

/** Puts the envelope guard in front of the client's own message handler (registered by its constructor). */
function guardEnvelopes(client: SocketModeClient, logger: Logger): void {
  const handlers = client.listeners('ws_message') as Array<(data: unknown, isBinary: boolean) => unknown>;
  client.removeAllListeners('ws_message');
  client.on('ws_message', (data: unknown, isBinary: boolean) => {
    const verdict = isBinary ? { pass: false as const, reason: 'binary frame' } : envelopeVerdict(data);
    if (verdict.pass) {
      for (const handler of handlers)
        Promise.resolve(handler.call(client, data, isBinary)).catch((error: Error) =>
          logger.error({ err: { name: error.name } }, 'Socket Mode message handling failed'),
        );
      return;
    }
    const errorId = newErrorId();
    logger.warn(
      { errorId, reason: verdict.reason, ...(verdict.type ? { type: verdict.type } : {}) },
      'refused a malformed Socket Mode message',
    );
    if (!verdict.envelopeId) return;
    const answer =
      verdict.type === 'slash_commands'
        ? { text: `Align Bot could not read this request. Error id: ${errorId}` }
        : {};
    // `send` is how the client acknowledges an envelope (its `ack` does the same); it is private only in the types.
    (client as unknown as Acknowledger).send(verdict.envelopeId, answer).catch(() => undefined);
  });
}

function withoutPayloads(logger: BoltLogger): BoltLogger {
  return {
    ...logger,
    debug: (...msg: unknown[]) => {
      if (!PAYLOAD_LINES.test(String(msg[0] ?? ''))) logger.debug(...msg);
    },
  };
}

/**
 * Opens the connection: resolves on Slack's `hello`, or after FIRST_CONNECT_TIMEOUT_MS with the client still
 * trying (it reconnects by itself, as it does whenever the connection drops). Slack refusing the app token is a
 * configuration error (PlatformSettingsError, exit 2); another failure to reach Slack throws as it is.
 */
export async function connectSocketMode(
  start: () => Promise<unknown>,
  client: SocketModeClient,
  logger: Logger,
  timeoutMs = FIRST_CONNECT_TIMEOUT_MS,
): Promise<void> {
  client.on('connected', () => logger.info('Slack Socket Mode connected'));
  client.on('reconnecting', () => logger.warn('Slack Socket Mode connection lost: reconnecting'));
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<'pending'>((resolve) => {
    timer = setTimeout(() => resolve('pending'), timeoutMs);
  });
  const started = start().then(() => 'connected' as const);
  try {
    if ((await Promise.race([started, pending])) === 'pending') {
      logger.warn({ timeoutMs }, 'Slack Socket Mode is not connected yet: still trying');
      started.catch((error: Error) => logger.error({ err: errorFields(error) }, 'Slack Socket Mode failed'));
    }
  } catch (error) {
    throw refusedToken(error, 'SLACK_APP_TOKEN') ?? error;
  } finally {
    clearTimeout(timer);
  }
}

function errorFields(error: Error): { name: string; code?: string } {
  const code = platformErrorCode(error);
  return { name: error.name, ...(code ? { code } : {}) };
}
