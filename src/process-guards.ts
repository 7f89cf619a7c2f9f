/**
 * Process-level last resorts for the long-running commands (`start`, `web`, `worker`, `sandbox`). Every request
 * handler answers its own failures; these catch what slipped through anyway, through pino, never silently:
 * - an unhandled promise rejection is logged with an error id and the process keeps serving (one bad request must
 *   not stop web and workers together);
 * - an uncaught exception leaves the process in an unknown state: it is logged, then the process exits non-zero so
 *   that its supervisor restarts it (BullMQ hands its jobs to another worker).
 */
import type { Logger } from 'pino';
import { newErrorId } from './error-id.js';

let installed: (() => void) | undefined;

function describe(reason: unknown) {
  if (reason instanceof Error) {
    const { code } = reason as { code?: unknown };
    return { name: reason.name, message: reason.message, code, stack: reason.stack };
  }
  return { name: typeof reason, message: String(reason) };
}

/** Installs both handlers once per process; returns the function that removes them. */
export function installProcessGuards(
  logger: Logger,
  exit: (code: number) => void = (code) => process.exit(code),
): () => void {
  if (installed) return installed;
  const onRejection = (reason: unknown) => {
    logger.error(
      { errorId: newErrorId(), err: describe(reason) },
      'unhandled promise rejection (logged; the process keeps running)',
    );
  };
  const onException = (error: unknown, origin: string) => {
    logger.fatal({ errorId: newErrorId(), origin, err: describe(error) }, 'uncaught exception: exiting');
    logger.flush();
    exit(1);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  installed = () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    installed = undefined;
  };
  return installed;
}
