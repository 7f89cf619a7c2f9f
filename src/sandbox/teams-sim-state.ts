/**
 * What the Teams simulator stores: conversations (channels with their threads, personal and group chats), every
 * message the bot or a user posted with its edits, per-thread send windows (Teams' limits per bot per thread) and
 * the faults a test asked for. Answers are Bot Connector shaped: `{ error: { code, message } }` on failure.
 */

export type SimConversationType = 'channel' | 'personal' | 'groupChat';

export interface SimUser {
  /** `29:…`, specific to the bot. */
  id: string;
  name: string;
  /** Entra object id; absent for guests and anonymous meeting users. */
  aadObjectId?: string;
}

export const TEAMS_SIM_USERS = {
  admin: { id: '29:sim-admin', name: 'Sandbox Admin', aadObjectId: '00000000-0000-4000-8000-00000000ad01' },
  operator: {
    id: '29:sim-operator',
    name: 'Sandbox Operator',
    aadObjectId: '00000000-0000-4000-8000-00000000ad02',
  },
  approver: {
    id: '29:sim-approver',
    name: 'Sandbox Approver',
    aadObjectId: '00000000-0000-4000-8000-00000000ad03',
  },
  guest: { id: '29:sim-guest', name: 'Guest (no Entra id)' },
} satisfies Record<string, SimUser>;

export interface SimConversation {
  /** Base id: `19:…@thread.tacv2` (channel), `a:…` (personal), `19:…@thread.v2` (group chat). */
  id: string;
  type: SimConversationType;
  tenantId: string;
  teamId?: string;
  name?: string;
  /** false after the app was removed: every write gets 403 BotNotInConversationRoster. */
  botInRoster: boolean;
  /** true when the user blocked the bot: 403 with subCode MessageWritesBlocked. */
  writesBlocked: boolean;
  members: SimUser[];
}

export interface TeamsSimMessage {
  id: string;
  conversationId: string;
  /** Channels: the root post's id (a root post carries its own). Chats: undefined. */
  threadId?: string;
  fromBot: boolean;
  from: { id: string; name?: string };
  text: string;
  attachments: unknown[];
  edits: number;
  at: number;
  /** Every content the message had, oldest first (the first post, then each edit). */
  history: Array<{ text: string; attachments: unknown[]; at: number }>;
}

export type WriteOp = 'create' | 'send' | 'update';

export interface Failure {
  status: number;
  code: string;
  message: string;
  subCode?: string;
  headers?: Record<string, string>;
}

export type Outcome<T> = { ok: T } | { fail: Failure };

export type TeamsFaultKind =
  | 'throttled'
  | 'throttled-no-retry-after'
  | 'precondition-failed'
  | 'bad-gateway'
  | 'gateway-timeout'
  | 'server-error'
  | 'not-in-roster'
  | 'writes-blocked'
  | 'conversation-not-found'
  | 'accepted-then-500';

export interface TeamsFault {
  kind: TeamsFaultKind;
  /** Which write fails; any by default. */
  op?: WriteOp | 'any';
  /** 1 = the next matching write. */
  nth?: number;
  retryAfterS?: number;
}

const FAULTS: Record<TeamsFaultKind, Failure> = {
  throttled: { status: 429, code: 'TooManyRequests', message: 'Too many requests.' },
  'throttled-no-retry-after': { status: 429, code: 'TooManyRequests', message: 'Too many requests.' },
  'precondition-failed': { status: 412, code: 'PreconditionFailed', message: 'Precondition failed.' },
  'bad-gateway': { status: 502, code: 'ServiceError', message: 'Bad gateway.' },
  'gateway-timeout': { status: 504, code: 'GatewayTimeout', message: 'Gateway timeout.' },
  'server-error': { status: 500, code: 'ServiceError', message: 'Internal error.' },
  'not-in-roster': {
    status: 403,
    code: 'BotNotInConversationRoster',
    message: 'The bot is not part of the conversation roster.',
  },
  'writes-blocked': {
    status: 403,
    code: 'ConversationBlockedByUser',
    message: 'User blocked the conversation with the bot.',
    subCode: 'MessageWritesBlocked',
  },
  'conversation-not-found': { status: 404, code: 'ConversationNotFound', message: 'Conversation not found.' },
  'accepted-then-500': { status: 500, code: 'ServiceError', message: 'Internal error.' },
};

/** Teams' published limits per bot per thread for sends and creates (reference/teams.md §6). */
export const THREAD_WINDOWS = [
  { max: 7, ms: 1000 },
  { max: 8, ms: 2000 },
  { max: 60, ms: 30_000 },
  { max: 1800, ms: 3_600_000 },
];

export function splitConversationId(id: string): { base: string; messageId?: string } {
  const match = /^(.*?);messageid=([^;]+)$/.exec(id);
  return match ? { base: match[1]!, messageId: match[2]! } : { base: id };
}

export class TeamsSimState {
  readonly conversations = new Map<string, SimConversation>();
  readonly messages: TeamsSimMessage[] = [];
  /** Accepted writes per base conversation id (timestamps), for the thread limits. */
  private readonly windows = new Map<string, number[]>();
  private readonly faults: Array<TeamsFault & { at: number; op: WriteOp | 'any' }> = [];
  private readonly writeCounts = new Map<WriteOp | 'any', number>();
  private lastId = Date.now();

  constructor(
    /** Enforce the thread limits (429 once a window is full). */
    public enforceLimits = true,
    /** Send Retry-After with a limit 429 (whether Teams does is unconfirmed; off by default). */
    public retryAfterOnLimit = false,
  ) {}

  nextId(): string {
    this.lastId = Math.max(Date.now(), this.lastId + 1);
    return String(this.lastId);
  }

  addConversation(
    conversation: Omit<SimConversation, 'botInRoster' | 'writesBlocked' | 'members'> & {
      members?: SimUser[];
    },
  ): SimConversation {
    const stored = { botInRoster: true, writesBlocked: false, members: [], ...conversation };
    this.conversations.set(stored.id, stored);
    return stored;
  }

  injectFault(fault: TeamsFault): void {
    const op = fault.op ?? 'any';
    this.faults.push({ ...fault, op, at: (this.writeCounts.get(op) ?? 0) + (fault.nth ?? 1) });
  }

  reset(): void {
    this.messages.length = 0;
    this.faults.length = 0;
    this.windows.clear();
    this.writeCounts.clear();
    for (const conversation of this.conversations.values()) {
      conversation.botInRoster = true;
      conversation.writesBlocked = false;
    }
  }

  /** Counts the write and returns the fault it hits, if any. */
  takeFault(op: WriteOp): (Failure & { accept: boolean }) | undefined {
    let hit: (typeof this.faults)[number] | undefined;
    for (const key of [op, 'any'] as const) {
      const count = (this.writeCounts.get(key) ?? 0) + 1;
      this.writeCounts.set(key, count);
      hit ??= this.faults.find((f) => f.op === key && f.at === count);
    }
    if (!hit) return undefined;
    this.faults.splice(this.faults.indexOf(hit), 1);
    const failure = { ...FAULTS[hit.kind], accept: hit.kind === 'accepted-then-500' };
    if (hit.kind === 'throttled') failure.headers = { 'retry-after': String(hit.retryAfterS ?? 1) };
    return failure;
  }

  /** Where a write to `id` may go: the conversation exists, the bot is in it and the thread limits allow it. */
  admit(id: string): Outcome<{ conversation: SimConversation; messageId?: string }> {
    const { base, messageId } = splitConversationId(id);
    const conversation = this.conversations.get(base);
    if (!conversation) return { fail: FAULTS['conversation-not-found'] };
    if (!conversation.botInRoster) return { fail: FAULTS['not-in-roster'] };
    if (conversation.writesBlocked) return { fail: FAULTS['writes-blocked'] };
    const waitMs = this.windowWait(base);
    if (waitMs > 0) {
      const failure: Failure = { ...FAULTS.throttled };
      if (this.retryAfterOnLimit) failure.headers = { 'retry-after': String(Math.ceil(waitMs / 1000)) };
      return { fail: failure };
    }
    return { ok: { conversation, ...(messageId ? { messageId } : {}) } };
  }

  /** Records an accepted write against the conversation's windows. */
  count(base: string): void {
    const now = Date.now();
    const recent = (this.windows.get(base) ?? []).filter((t) => now - t < 3_600_000);
    recent.push(now);
    this.windows.set(base, recent);
  }

  store(input: {
    conversation: SimConversation;
    threadId?: string;
    fromBot: boolean;
    from: { id: string; name?: string };
    text: string;
    attachments: unknown[];
  }): TeamsSimMessage {
    const id = this.nextId();
    const at = Date.now();
    const threadId = input.conversation.type === 'channel' ? (input.threadId ?? id) : undefined;
    const message: TeamsSimMessage = {
      id,
      conversationId: input.conversation.id,
      ...(threadId ? { threadId } : {}),
      fromBot: input.fromBot,
      from: input.from,
      text: input.text,
      attachments: input.attachments,
      edits: 0,
      at,
      history: [{ text: input.text, attachments: input.attachments, at }],
    };
    this.messages.push(message);
    return message;
  }

  find(conversationId: string, id: string): TeamsSimMessage | undefined {
    return this.messages.find((m) => m.conversationId === conversationId && m.id === id);
  }

  /** Root posts of a channel (or every message of a chat). */
  roots(conversationId: string): TeamsSimMessage[] {
    return this.messages.filter(
      (m) => m.conversationId === conversationId && (m.threadId === undefined || m.threadId === m.id),
    );
  }

  /** Replies under a channel post, oldest first. */
  replies(conversationId: string, rootId: string): TeamsSimMessage[] {
    return this.messages.filter(
      (m) => m.conversationId === conversationId && m.threadId === rootId && m.id !== rootId,
    );
  }

  private windowWait(base: string): number {
    if (!this.enforceLimits) return 0;
    const now = Date.now();
    const times = this.windows.get(base) ?? [];
    let wait = 0;
    for (const window of THREAD_WINDOWS) {
      const inside = times.filter((t) => now - t < window.ms);
      if (inside.length >= window.max)
        wait = Math.max(wait, inside[inside.length - window.max]! + window.ms - now);
    }
    return wait;
  }
}

export function failure(status: number, code: string, message: string): { fail: Failure } {
  return { fail: { status, code, message } };
}
