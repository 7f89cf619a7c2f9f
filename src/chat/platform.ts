/**
 * The seam every chat platform plugs into. A platform is a bundle in src/chat/<platform>/: how it reads its
 * settings, its ingress (routes on the public listener that turn the platform's requests into commands and
 * clicks for the platform-neutral services), its ChatPort (what workers post through) and the prefix its users
 * type. The composition root loops over the list in platforms.ts and names none of them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ActionService } from '../app/action-service.js';
import type { CommandService } from '../app/command-service.js';
import type { RolePolicy } from '../core/authz.js';
import type { AuditLog } from '../store/audit.js';
import type { RedisClient } from '../store/redis.js';
import type { RedisKeys } from '../store/redis-keys.js';
import type { ChatPort } from './port.js';

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** What an ingress hands requests to, and what it may use on the way. */
export interface IngressDeps {
  commands: CommandService;
  actions: ActionService;
  roles: RolePolicy;
  audit: AuditLog;
  redis: RedisClient;
  keys: RedisKeys;
  logger: Logger;
}

export interface Ingress {
  /** Exact paths on the public listener, each answered by this platform alone (before any other route). */
  routes: Record<string, RequestListener>;
  close(): Promise<void>;
}

/** What a worker-side ChatPort may use. */
export interface ChatDeps {
  redis: RedisClient;
  keys: RedisKeys;
  logger: Logger;
  /** Who holds which role (Teams lists the approvers to refresh approval cards for). */
  roles?: RolePolicy;
}

export interface ChatPlatform<S> {
  readonly id: string;
  /** How people address the bot on this platform: "/align", "@Align Bot". */
  readonly commandPrefix: string;
  ingress(settings: S, deps: IngressDeps): Promise<Ingress>;
  chat(settings: S, deps: ChatDeps): ChatPort;
}

/** A problem with a platform's settings, named by variable with its fix. */
export class PlatformSettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'PlatformSettingsError';
  }
}

/**
 * One line of the platform list: its settings reader is cheap (config loads it for every CLI command), the bundle
 * itself (Bolt, botbuilder) is loaded only when the platform is configured.
 */
export interface PlatformEntry<S = unknown> {
  readonly id: string;
  /** The platform's settings from the environment, or undefined when it is not configured. Throws
   * PlatformSettingsError when it is configured wrongly. */
  readSettings(env: NodeJS.ProcessEnv): S | undefined;
  load(): Promise<ChatPlatform<S>>;
}

/** Erases the settings type for the list, keeping each entry's reader and bundle in agreement. */
export function platformEntry<S>(entry: PlatformEntry<S>): PlatformEntry {
  return entry as unknown as PlatformEntry;
}
