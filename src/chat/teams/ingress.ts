/**
 * Teams ingress: POST /api/messages through a real CloudAdapter. Authentication runs first (every failure → 401,
 * including a bad signature that botbuilder would answer 500; unreachable OpenID metadata → 503), then the tenant
 * pin (→ 403, audited), then the turn: a message goes to `onMessage` (mention stripped; refused without an Entra
 * object id) and its reply is sent at once; an Action.Execute invoke goes to `onInvoke` and its body is the HTTP
 * answer. Bad input gets a short 4xx, never a 5xx or a stack trace.
 */
import { type Activity, ActivityTypes, type TurnContext } from 'botbuilder';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { MessageRef } from '../../core/run.js';
import type { MessageView } from '../../core/views/view.js';
import {
  commandTextOf,
  conversationTypeOf,
  encodedAddressOf,
  referenceOfActivity,
  type TeamsUser,
  tenantOf,
  userOf,
} from './activity.js';
import { type CredentialsFactory, createTeamsAdapter, type TeamsAdapter } from './adapter.js';
import { baseConversationId, type ConversationType, isLoopbackUrl } from './address.js';
import type { CardOptions } from './cards.js';
import { backoffDelay, TeamsDeliveryError, translateTeamsError } from './errors.js';
import type { GoneConversations } from './gone.js';
import { errorResponse, type InvokeResponseBody, messageResponse, outgoing } from './outgoing.js';
import type { TeamsReferenceStore } from './references.js';
import type { TeamsSettings } from './settings.js';
import type { ThreadLimiter } from './thread-limiter.js';

export type IdentifiedUser = TeamsUser & { aadObjectId: string };

export interface TeamsMessageEvent {
  /** The command text, the bot's @mention removed. */
  text: string;
  user: IdentifiedUser;
  /** Encoded TeamsAddress of this conversation (threaded id in a channel thread). */
  address: string;
  conversationType: ConversationType;
  tenantId: string;
  activityId: string;
}

export interface TeamsReply {
  message: MessageView | string;
  /** Names and the like for the card's renderer. */
  card?: CardOptions;
  /** Where the reply landed (e.g. the run's root card), before the HTTP answer goes back to Teams. */
  delivered?(ref: MessageRef): Promise<void> | void;
  /** The reply could not be sent (translated error: ChatRateLimited or ChatDeliveryError). */
  failed?(error: Error): Promise<void> | void;
}

export interface TeamsInvokeEvent {
  verb: string;
  data: Record<string, unknown>;
  user: IdentifiedUser;
  address: string;
  /** The id of the message whose card was clicked. */
  replyToId?: string;
  conversationType: ConversationType;
  tenantId: string;
}

export type RefusalReason =
  | 'tenant-not-pinned'
  | 'no-entra-id'
  | 'unsupported-channel'
  | 'non-local-service-url';

export interface TeamsRefusal {
  reason: RefusalReason;
  tenantId?: string;
  user: TeamsUser;
  conversationType: ConversationType;
  activityType: string;
}

export interface TeamsHandlers {
  onMessage(event: TeamsMessageEvent): Promise<TeamsReply | undefined>;
  onInvoke(event: TeamsInvokeEvent): Promise<InvokeResponseBody>;
  /** Audit of refused activities (tenant not pinned, no Entra id). */
  onRefused?(refusal: TeamsRefusal): Promise<void> | void;
}

export interface TeamsIngressOptions {
  render: (message: MessageView, options?: CardOptions) => object;
  /** Share one adapter with the client; otherwise one is built from the settings (and `credentials`). */
  adapter?: TeamsAdapter;
  credentials?: CredentialsFactory;
  references?: TeamsReferenceStore;
  /** Conversations marked gone: an activity from one clears its mark. */
  gone?: GoneConversations;
  /** The threads' send windows shared with the workers (answers to commands count too). */
  limiter?: ThreadLimiter;
  logger?: Logger;
  /** Default /api/messages. */
  path?: string;
}

export interface TeamsIngress {
  listener: Express;
  adapter: TeamsAdapter;
}

const REFUSAL_TEXT: Record<RefusalReason, string> = {
  'tenant-not-pinned': 'tenant not allowed',
  'no-entra-id': 'no Entra object id',
  'unsupported-channel': 'unsupported channel',
  'non-local-service-url': 'the sandbox answers loopback service URLs only',
};

/** Longest wait for a thread slot before answering a command anyway. */
const ANSWER_MAX_WAIT_MS = 1000;

export const NO_ENTRA_ID_TEXT =
  'Align Bot takes commands only from signed-in members of your organization (no Microsoft Entra account was sent).';

export function createTeamsIngress(
  settings: TeamsSettings,
  handlers: TeamsHandlers,
  options: TeamsIngressOptions,
): TeamsIngress {
  const adapter =
    options.adapter ??
    createTeamsAdapter(settings, options.credentials ? { credentials: options.credentials } : {});
  const turn = new Turn(handlers, options);
  const pinned = new Set(settings.tenants.map((t) => t.toLowerCase()));
  const app = express();
  app.disable('x-powered-by');
  const path = options.path ?? '/api/messages';

  app.post(path, express.json({ limit: settings.maxBodyBytes }), async (req: Request, res: Response) => {
    const activity = req.body as Activity | undefined;
    const invalid = checkActivity(activity);
    if (invalid || !activity) return void res.status(400).json({ error: invalid });
    let auth: Awaited<ReturnType<TeamsAdapter['authenticate']>>;
    try {
      auth = await adapter.authenticate(activity, String(req.headers.authorization ?? ''));
    } catch (error) {
      const status = authFailureStatus(error);
      options.logger?.warn(
        { status, reason: (error as Error).message?.slice(0, 120) },
        'teams: request refused',
      );
      return void res
        .status(status)
        .json({ error: status === 401 ? 'unauthorized' : 'authentication unavailable' });
    }
    const tenantId = tenantOf(activity)?.toLowerCase();
    const refusal = refusalOf(activity, tenantId, pinned, settings.sandbox);
    if (refusal) {
      await turn.refuse(refusal);
      return void res.status(403).json({ error: REFUSAL_TEXT[refusal.reason] });
    }
    // Remembered alongside the turn: the turn's answer goes into this very conversation and needs none of it.
    const remembered = remember(activity, options);
    try {
      const [invoke] = await Promise.all([
        adapter.runTurn(auth, activity, (ctx) => turn.run(ctx)),
        remembered,
      ]);
      if (invoke) res.status(invoke.status).json(invoke.body ?? {});
      else res.status(200).end();
    } catch (error) {
      options.logger?.error({ err: error }, 'teams: turn failed');
      if (!res.headersSent) res.status(500).json({ error: 'internal error' });
    }
  });
  app.all(path, (_req, res) => void res.status(405).json({ error: 'use POST' }));
  app.use(path, bodyErrors);
  return { listener: app, adapter };
}

/**
 * What every accepted activity teaches: where its conversation is now, the sender's MRI (approval cards refresh
 * for approvers by it), and that the conversation takes messages (again).
 */
async function remember(activity: Activity, options: TeamsIngressOptions): Promise<void> {
  const user = userOf(activity);
  const tenantId = tenantOf(activity);
  await Promise.all([
    options.references?.remember(referenceOfActivity(activity), user.aadObjectId),
    user.aadObjectId && tenantId
      ? options.references?.rememberUser(tenantId, user.aadObjectId, user.id, user.name)
      : undefined,
    options.gone?.clear(activity.conversation.id),
  ]).catch((error: Error) => options.logger?.warn({ err: error.message }, 'teams: reference not stored'));
}

/** The handlers' side of a turn. */
class Turn {
  constructor(
    private readonly handlers: TeamsHandlers,
    private readonly options: TeamsIngressOptions,
  ) {}

  async run(ctx: TurnContext): Promise<void> {
    if (ctx.activity.type === ActivityTypes.Message) return this.message(ctx);
    if (ctx.activity.type === ActivityTypes.Invoke) return this.invoke(ctx);
  }

  async refuse(refusal: TeamsRefusal): Promise<void> {
    this.options.logger?.warn({ ...refusal, user: refusal.user.aadObjectId }, 'teams: activity refused');
    try {
      await this.handlers.onRefused?.(refusal);
    } catch (error) {
      this.options.logger?.error({ err: error }, 'teams: refusal not audited');
    }
  }

  private async message(ctx: TurnContext): Promise<void> {
    const activity = ctx.activity;
    // Action.Submit from a legacy card: no text, a value. Our cards use Action.Execute.
    if (activity.value && !activity.text) return;
    const user = await this.identified(activity);
    if (!user) return void (await ctx.sendActivity(outgoing(NO_ENTRA_ID_TEXT, this.options.render)));
    // The thread's send slot is taken while the command is answered: both are Redis round trips.
    const [reply] = await Promise.all([
      this.handlers.onMessage({
        text: commandTextOf(activity),
        user,
        address: encodedAddressOf(activity),
        conversationType: conversationTypeOf(activity),
        tenantId: tenantOf(activity) ?? '',
        activityId: activity.id ?? '',
      }),
      this.slot(activity.conversation.id),
    ]);
    if (!reply) return;
    let sent: { id?: string } | undefined;
    try {
      const card = reply.card ?? {};
      sent = await ctx.sendActivity(outgoing(reply.message, (view) => this.options.render(view, card)));
    } catch (error) {
      const translated = translateTeamsError(error, () => backoffDelay(1));
      this.options.logger?.warn({ reason: translated.message }, 'teams: reply not sent');
      return void (await reply.failed?.(translated));
    }
    if (sent?.id) await reply.delivered?.({ channel: activity.conversation.id, id: sent.id });
    // Posted (a 2xx) but not addressable: like an ambiguous failure, the outbox may post it once more.
    else await reply.failed?.(new TeamsDeliveryError('no-activity-id', false, 200, undefined, 'unknown'));
  }

  /**
   * The answer counts against the thread's send windows like the workers' posts (thread-limiter.ts), so their
   * budget stays true. It waits briefly for a slot, then goes anyway: a person is waiting for it.
   */
  private async slot(conversationId: string): Promise<void> {
    const limiter = this.options.limiter;
    if (!limiter) return;
    const thread = baseConversationId(conversationId);
    const deadline = Date.now() + ANSWER_MAX_WAIT_MS;
    try {
      for (let wait = await limiter.take(thread); wait > 0; wait = await limiter.take(thread)) {
        if (Date.now() + wait > deadline) return;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    } catch (error) {
      this.options.logger?.warn({ err: (error as Error).message }, 'teams: no thread slot taken');
    }
  }

  private async invoke(ctx: TurnContext): Promise<void> {
    const body = await this.invokeBody(ctx.activity);
    await ctx.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: body.statusCode, body } });
  }

  private async invokeBody(activity: Activity): Promise<InvokeResponseBody> {
    if (activity.name !== 'adaptiveCard/action') {
      return errorResponse(400, 'BadRequest', 'This invoke is not supported.');
    }
    const action = (
      activity.value as { action?: { type?: unknown; verb?: unknown; data?: unknown } } | undefined
    )?.action;
    if (action?.type !== 'Action.Execute' || typeof action.verb !== 'string' || action.verb.length > 200) {
      return errorResponse(400, 'BadRequest', 'Expected an Action.Execute with a verb.');
    }
    const user = await this.identified(activity);
    if (!user) return messageResponse(NO_ENTRA_ID_TEXT);
    const data =
      typeof action.data === 'object' && action.data !== null ? (action.data as Record<string, unknown>) : {};
    return this.handlers.onInvoke({
      verb: action.verb,
      data,
      user,
      address: encodedAddressOf(activity),
      ...(activity.replyToId ? { replyToId: activity.replyToId } : {}),
      conversationType: conversationTypeOf(activity),
      tenantId: tenantOf(activity) ?? '',
    });
  }

  /** The sender with an Entra object id, or undefined after auditing the refusal. */
  private async identified(activity: Activity): Promise<IdentifiedUser | undefined> {
    const user = userOf(activity);
    if (user.aadObjectId) return user as IdentifiedUser;
    await this.refuse({
      reason: 'no-entra-id',
      ...(tenantOf(activity) ? { tenantId: tenantOf(activity) } : {}),
      user,
      conversationType: conversationTypeOf(activity),
      activityType: activity.type,
    });
    return undefined;
  }
}

function checkActivity(activity: unknown): string | undefined {
  if (typeof activity !== 'object' || activity === null || Array.isArray(activity)) {
    return 'send a Bot Framework activity as application/json';
  }
  const a = activity as Partial<Activity>;
  if (typeof a.type !== 'string' || !a.type) return 'the activity has no type';
  if (typeof a.serviceUrl !== 'string' || !URL.canParse(a.serviceUrl))
    return 'the activity has no valid serviceUrl';
  if (typeof a.conversation?.id !== 'string' || !a.conversation.id)
    return 'the activity has no conversation id';
  return undefined;
}

function refusalOf(
  activity: Activity,
  tenantId: string | undefined,
  pinned: Set<string>,
  sandbox: boolean,
): TeamsRefusal | undefined {
  const base = {
    user: userOf(activity),
    conversationType: conversationTypeOf(activity),
    activityType: activity.type,
  };
  if (pinned.size > 0 && (!tenantId || !pinned.has(tenantId))) {
    return { reason: 'tenant-not-pinned', ...(tenantId ? { tenantId } : {}), ...base };
  }
  if (!sandbox && activity.channelId !== 'msteams') return { reason: 'unsupported-channel', ...base };
  // Auth is off in the sandbox: replies may only go to a local simulator or the Agents Playground, never to a
  // service URL a stranger on the network put in an activity.
  if (sandbox && !isLoopbackUrl(activity.serviceUrl)) return { reason: 'non-local-service-url', ...base };
  return undefined;
}

/**
 * botbuilder throws AuthenticationError (401) for most refusals but lets jsonwebtoken's errors (bad signature,
 * malformed token) escape as plain errors; all of them are the caller's fault. Only a failure to load the OpenID
 * metadata or keys (AuthenticationError with status 500, or a fetch error) is ours.
 */
function authFailureStatus(error: unknown): 401 | 503 {
  const e = error as { statusCode?: unknown; name?: unknown };
  if (typeof e?.statusCode === 'number' && e.statusCode >= 500) return 503;
  if (e?.name === 'FetchError') return 503;
  return 401;
}

function bodyErrors(
  error: { type?: string; status?: number },
  _req: Request,
  res: Response,
  next: NextFunction,
): void {
  if (res.headersSent) return next(error);
  if (error.type === 'entity.too.large') return void res.status(413).json({ error: 'activity too large' });
  if (error.type === 'entity.parse.failed') return void res.status(400).json({ error: 'malformed JSON' });
  if (error.status && error.status >= 400 && error.status < 500) {
    return void res.status(error.status).json({ error: 'bad request' });
  }
  res.status(500).json({ error: 'internal error' });
}
