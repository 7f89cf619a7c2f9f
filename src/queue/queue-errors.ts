/**
 * BullMQ re-emits its connection's errors on every Queue, and a Queue nobody listens to prints each one with
 * console.error — a raw stack trace per reconnect attempt per queue during a Redis outage. Every Queue of ours gets
 * this listener instead: connection errors (already logged once per attempt by the connection's own listener,
 * services.ts) at debug, anything else at warn.
 */
import type { Logger } from 'pino';

interface ErrorEmitter {
  readonly name: string;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

const isConnectionError = (error: Error) =>
  'syscall' in error || /connection|stream isn't writeable|sentinels are unreachable/i.test(error.message);

export function logQueueErrors(queue: ErrorEmitter, logger?: Logger): void {
  queue.on('error', (error) => {
    const entry = { queue: queue.name, err: { name: error.name, message: error.message } };
    if (isConnectionError(error)) logger?.debug(entry, 'queue error');
    else logger?.warn(entry, 'queue error');
  });
}
