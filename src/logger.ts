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

/** Bolt's Logger interface on top of pino. */
export function boltLogger(logger: Logger) {
  let level = 'info';
  return {
    debug: (...msg: unknown[]) => logger.debug(msg.map(String).join(' ')),
    info: (...msg: unknown[]) => logger.info(msg.map(String).join(' ')),
    warn: (...msg: unknown[]) => logger.warn(msg.map(String).join(' ')),
    error: (...msg: unknown[]) => logger.error(msg.map(String).join(' ')),
    setLevel: (l: string) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
