/**
 * The Bot Connector v3 routes the bot calls, answered the way the Teams service answers them (reference/teams.md
 * §2, §3): create a channel post (201 `{id: '<channel>;messageid=<n>', activityId}`) or a personal chat, send to a
 * conversation (threaded when the id carries `;messageid=`, a new top-level post on a bare channel id), reply,
 * update the bot's own message in place, list members.
 */
import type { SimBot } from './teams-sim-activities.js';
import {
  type Failure,
  failure,
  type Outcome,
  type SimConversation,
  splitConversationId,
  type TeamsSimState,
  type WriteOp,
} from './teams-sim-state.js';

export interface ConnectorAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  op?: WriteOp | 'members';
  conversationId?: string;
  activityId?: string;
  code?: string;
}

type Body = Record<string, unknown>;

/** What changed in the simulator's store; emitted as 'change' on `TeamsSim.events`. */
export interface TeamsSimChange {
  kind: 'post' | 'update' | 'reset';
  /** The base conversation id (no `;messageid=`). */
  conversationId?: string;
  messageId?: string;
}

/** One call of the bot: refused without a valid token (`denied`), 400 for a body that is not JSON, else routed. */
export function connectorCall(
  ctx: ConnectorContext,
  input: { method: string; rest: string; raw: string; denied?: string },
): { result: ConnectorAnswer; body: unknown } {
  const body = input.raw ? parseJson(input.raw) : {};
  if (input.denied) {
    const message = 'Authorization has been denied for this request.';
    return { result: { status: 401, body: { message }, code: input.denied }, body };
  }
  if (typeof body !== 'object' || body === null) {
    const error = { code: 'BadSyntax', message: 'Malformed JSON.' };
    return { result: { status: 400, body: { error }, code: 'BadSyntax' }, body };
  }
  return { result: connectorRoute(ctx, input.method, input.rest, body as Body), body };
}

/**
 * The store change a call made: a write that stored something, accepted or answered 500 after it was (a 5xx that
 * stored nothing only makes listeners read the same state again).
 */
export function changeOf(result: ConnectorAnswer): TeamsSimChange | undefined {
  const write = result.op === 'update' || result.op === 'send' || result.op === 'create';
  if (!write || !result.activityId || !result.conversationId) return undefined;
  if (result.status >= 300 && result.status < 500) return undefined;
  return {
    kind: result.op === 'update' ? 'update' : 'post',
    conversationId: splitConversationId(result.conversationId).base,
    messageId: result.activityId,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface ConnectorContext {
  state: TeamsSimState;
  bot: SimBot;
  /** Largest activity accepted, counted as UTF-16 bytes like Teams does. */
  maxMessageBytes: number;
}

/** Routes `method path` (the part after `/v3/conversations`) to its operation. */
export function connectorRoute(
  ctx: ConnectorContext,
  method: string,
  rest: string,
  body: Body,
): ConnectorAnswer {
  const parts = rest.split('/').filter(Boolean).map(decodeURIComponent);
  if (method === 'POST' && parts.length === 0) return createConversation(ctx, body);
  const [conversationId, resource, activityId] = parts;
  if (!conversationId) return answer(failure(405, 'MethodNotAllowed', 'Not supported.'));
  if (resource === 'activities' && method === 'POST' && parts.length <= 3) {
    return write(ctx, 'send', conversationId, body, activityId);
  }
  if (resource === 'activities' && method === 'PUT' && activityId && parts.length === 3) {
    return write(ctx, 'update', conversationId, body, activityId);
  }
  if ((resource === 'members' || resource === 'pagedmembers') && method === 'GET') {
    return members(ctx, conversationId, resource === 'pagedmembers');
  }
  return answer(failure(405, 'MethodNotAllowed', `${method} is not supported on this resource.`));
}

function createConversation(ctx: ConnectorContext, params: Body): ConnectorAnswer {
  const fault = ctx.state.takeFault('create');
  if (fault && !fault.accept) return answer({ fail: fault }, 'create');
  const channelId = (params.channelData as { channel?: { id?: string } } | undefined)?.channel?.id;
  const activity = params.activity as Body | undefined;
  if (channelId) {
    if (!activity) return answer(failure(400, 'BadSyntax', 'Activity is required.'), 'create');
    const admitted = ctx.state.admit(channelId);
    if ('fail' in admitted) return answer(admitted, 'create', channelId);
    if (admitted.ok.conversation.type !== 'channel') {
      return answer(failure(400, 'BadSyntax', 'Not a channel.'), 'create', channelId);
    }
    const invalid = validateActivity(ctx, activity);
    if (invalid) return answer({ fail: invalid }, 'create', channelId);
    const root = storeFromBot(ctx, admitted.ok.conversation, activity, undefined);
    ctx.state.count(channelId);
    const id = `${channelId};messageid=${root.id}`;
    if (fault?.accept) return answer({ fail: fault }, 'create', id, root.id);
    return {
      status: 201,
      body: { id, activityId: root.id },
      op: 'create',
      conversationId: id,
      activityId: root.id,
    };
  }
  return createPersonal(ctx, params, activity, fault);
}

function createPersonal(
  ctx: ConnectorContext,
  params: Body,
  activity: Body | undefined,
  fault: (Failure & { accept: boolean }) | undefined,
): ConnectorAnswer {
  const members = (params.members as Array<{ id?: string }> | undefined) ?? [];
  if (params.isGroup || members.length !== 1 || !members[0]?.id || !params.tenantId) {
    return answer(failure(400, 'BadSyntax', 'Only channel posts and 1:1 chats can be created.'), 'create');
  }
  const memberId = members[0].id;
  const existing = [...ctx.state.conversations.values()].find(
    (c) => c.type === 'personal' && c.members.some((m) => m.id === memberId),
  );
  const conversation =
    existing ??
    ctx.state.addConversation({
      id: `a:sim-${ctx.state.nextId()}`,
      type: 'personal',
      tenantId: String(params.tenantId),
      members: [{ id: memberId, name: memberId }],
    });
  if (!activity)
    return { status: 201, body: { id: conversation.id }, op: 'create', conversationId: conversation.id };
  const admitted = ctx.state.admit(conversation.id);
  if ('fail' in admitted) return answer(admitted, 'create', conversation.id);
  const invalid = validateActivity(ctx, activity);
  if (invalid) return answer({ fail: invalid }, 'create', conversation.id);
  const message = storeFromBot(ctx, conversation, activity, undefined);
  ctx.state.count(conversation.id);
  if (fault?.accept) return answer({ fail: fault }, 'create', conversation.id, message.id);
  return {
    status: 201,
    body: { id: conversation.id, activityId: message.id },
    op: 'create',
    conversationId: conversation.id,
    activityId: message.id,
  };
}

function write(
  ctx: ConnectorContext,
  op: 'send' | 'update',
  conversationId: string,
  activity: Body,
  activityId: string | undefined,
): ConnectorAnswer {
  const fault = ctx.state.takeFault(op);
  if (fault && !fault.accept) return answer({ fail: fault }, op, conversationId, activityId);
  const admitted = ctx.state.admit(conversationId);
  if ('fail' in admitted) return answer(admitted, op, conversationId, activityId);
  const invalid = validateActivity(ctx, activity);
  if (invalid) return answer({ fail: invalid }, op, conversationId, activityId);
  const { conversation, messageId } = admitted.ok;
  const result =
    op === 'send'
      ? send(ctx, conversation, messageId, activity)
      : update(ctx, conversation, messageId, activityId!, activity);
  if ('fail' in result) return answer(result, op, conversationId, activityId);
  ctx.state.count(conversation.id);
  if (fault?.accept) return answer({ fail: fault }, op, conversationId, result.ok);
  return {
    status: op === 'send' ? 201 : 200,
    body: { id: result.ok },
    op,
    conversationId,
    activityId: result.ok,
  };
}

function send(
  ctx: ConnectorContext,
  conversation: SimConversation,
  threadId: string | undefined,
  activity: Body,
): Outcome<string> {
  if (threadId && !ctx.state.find(conversation.id, threadId)) {
    return failure(404, 'ActivityNotFoundInConversation', 'The thread root does not exist.');
  }
  return { ok: storeFromBot(ctx, conversation, activity, threadId).id };
}

function update(
  ctx: ConnectorContext,
  conversation: SimConversation,
  threadId: string | undefined,
  activityId: string,
  activity: Body,
): Outcome<string> {
  const message = ctx.state.find(conversation.id, activityId);
  // The same conversation id as the original send: a channel message is addressed through its thread.
  if (!message || message.threadId !== threadId) {
    return failure(404, 'ActivityNotFoundInConversation', 'Activity not found in this conversation.');
  }
  if (!message.fromBot) return failure(403, 'Forbidden', 'A bot can only update its own messages.');
  message.text = String(activity.text ?? activity.summary ?? '');
  message.attachments = (activity.attachments as unknown[]) ?? [];
  message.edits += 1;
  message.history.push({ text: message.text, attachments: message.attachments, at: Date.now() });
  return { ok: message.id };
}

function members(ctx: ConnectorContext, conversationId: string, paged: boolean): ConnectorAnswer {
  const conversation = ctx.state.conversations.get(splitConversationId(conversationId).base);
  if (!conversation)
    return answer(failure(404, 'ConversationNotFound', 'Conversation not found.'), 'members');
  const list = conversation.members.map((m) => ({
    id: m.id,
    name: m.name,
    ...(m.aadObjectId ? { aadObjectId: m.aadObjectId, objectId: m.aadObjectId } : {}),
    tenantId: conversation.tenantId,
    userRole: 'user',
  }));
  return { status: 200, body: paged ? { members: list } : list, op: 'members', conversationId };
}

function storeFromBot(
  ctx: ConnectorContext,
  conversation: SimConversation,
  activity: Body,
  threadId: string | undefined,
) {
  return ctx.state.store({
    conversation,
    ...(threadId ? { threadId } : {}),
    fromBot: true,
    from: { id: `28:${ctx.bot.appId}`, name: ctx.bot.name },
    // A card-only message shows its summary in notifications and the chat list: keep it as the message's text.
    text: String(activity.text ?? activity.summary ?? ''),
    attachments: (activity.attachments as unknown[]) ?? [],
  });
}

function validateActivity(ctx: ConnectorContext, activity: Body): Failure | undefined {
  if (activity.type !== 'message') return { status: 400, code: 'BadArgument', message: 'Unsupported type.' };
  const attachments = activity.attachments;
  if (attachments !== undefined && !Array.isArray(attachments)) {
    return { status: 400, code: 'BadArgument', message: 'attachments must be an array.' };
  }
  if (!activity.text && (!attachments || attachments.length === 0)) {
    return { status: 400, code: 'BadArgument', message: 'Message has no text and no attachments.' };
  }
  for (const attachment of (attachments as Array<{ contentType?: string; content?: { type?: string } }>) ??
    []) {
    if (
      attachment.contentType === 'application/vnd.microsoft.card.adaptive' &&
      attachment.content?.type !== 'AdaptiveCard'
    ) {
      return {
        status: 400,
        code: 'BadArgument',
        message: 'Adaptive Card content must have type AdaptiveCard.',
      };
    }
  }
  if (JSON.stringify(activity).length * 2 > ctx.maxMessageBytes) {
    return { status: 413, code: 'MessageSizeTooBig', message: 'Message size too big.' };
  }
  return undefined;
}

function answer(
  outcome: { fail: Failure },
  op?: WriteOp | 'members',
  conversationId?: string,
  activityId?: string,
): ConnectorAnswer {
  const { status, code, message, subCode, headers } = outcome.fail;
  return {
    status,
    body: { error: { code, message, ...(subCode ? { subCode } : {}) } },
    ...(headers ? { headers } : {}),
    ...(op ? { op } : {}),
    ...(conversationId ? { conversationId } : {}),
    ...(activityId ? { activityId } : {}),
    code,
  };
}
