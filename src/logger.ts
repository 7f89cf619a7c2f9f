/** pino, with known secret fields redacted wherever they appear (DESIGN.md §7). */
import { type DestinationStream, type Logger, pino } from 'pino';

export const REDACT_PATHS = [
  'token',
  'secret',
  'password',
  'authorization',
  'privateKey',
  'apiToken',
  'pat',
  '*.token',
  '*.secret',
  '*.password',
  '*.authorization',
  '*.Authorization',
  '*.privateKey',
  '*.apiToken',
  '*.pat',
  '*.headers.authorization',
  '*.*.headers.authorization',
  'req.headers.cookie',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { app: 'align-bot' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Bolt's Logger interface on top of pino; messages are only formatted when their level is on. */
export function boltLogger(logger: Logger) {
  let level = 'info';
  const at =
    (name: 'debug' | 'info' | 'warn' | 'error') =>
    (...msg: unknown[]) => {
      if (logger.isLevelEnabled(name)) logger[name](msg.map(String).join(' '));
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    setLevel: (l: string) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
