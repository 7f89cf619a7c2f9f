/**
 * The Jira Align checks (reference/atlassian.md §6): the host is allowed and answers, the REST API 2.0 token is
 * accepted (sent verbatim: Align tokens contain any character), and the connector's projects and boards carry no
 * `errorMessage`. Network failures here are Jira Align's reachability, not Jira's: they become ALIGN_UNREACHABLE.
 */
import { type Credential, type HttpAnswer, NetFailure } from '../../ports.js';
import { Secret } from '../../secret.js';
import { callJira, type TestContext } from './context.js';
import {
  type Classified,
  errorMessages,
  excerpt,
  header,
  hostOf,
  looksLikeHtml,
  parseJson,
} from './jira-answers.js';
import { type CheckDef, type CheckOutcome, fail, pass, skip, warn } from './run-checks.js';

type Check = CheckDef<TestContext>;

const USERS_PROBE = 'rest/align/api/2/Users?$top=1';
/** Jira Align serves at most 100 items per GET. */
const PAGE = 100;
const MAX_ITEMS = 2000;
const LISTED_ERRORS = 3;

function alignUrl(ctx: TestContext): string {
  return ctx.target.spec.align!.url;
}

/** `bearer <token>` exactly as Jira Align documents it; the token is never encoded or trimmed. */
export function alignCredential(token: Secret): Credential {
  return { scheme: 'header', value: new Secret(`bearer ${token.reveal()}`) };
}

/** A request that produced no answer means Jira Align is unreachable; the egress guard and the deadline keep theirs. */
function alignCheck(check: Check): Check {
  return {
    ...check,
    async run(ctx) {
      try {
        return await check.run(ctx);
      } catch (error) {
        if (!(error instanceof NetFailure) || error.code === 'EGRESS_BLOCKED' || ctx.now() >= ctx.deadline)
          throw error;
        return fail('ALIGN_UNREACHABLE', `${error.message} (${error.code})`);
      }
    },
  };
}

/** Signatures that mean the same whatever Align endpoint answered: a Cloudflare block, an outage. */
export function classifyAlignAnswer(answer: HttpAnswer): Classified | undefined {
  const blocked = cloudflareBlock(answer);
  if (blocked) return { code: 'ALIGN_IP_BLOCKED', detail: blocked };
  const host = hostOf(answer.url);
  if (answer.status >= 500) {
    return {
      code: 'ALIGN_UNREACHABLE',
      detail: `${host} answered ${answer.status}${looksLikeHtml(answer) ? ' with an HTML error page' : `: ${excerpt(errorMessages(answer))}`}.`,
    };
  }
  if (answer.status === 429) {
    return {
      code: 'ALIGN_UNREACHABLE',
      detail: `${host} answered 429 (rate limited) with Retry-After: ${excerpt(header(answer, 'retry-after') ?? '—', 20)}.`,
    };
  }
  if (answer.status === 200 && looksLikeHtml(answer)) {
    return { code: 'ALIGN_UNREACHABLE', detail: `${host} answered an HTML page instead of JSON.` };
  }
  return undefined;
}

/**
 * Cloudflare in front of Jira Align refuses callers it does not allow with 403 and an HTML page ("Error 1006:
 * Access denied"). Align's own 403s also pass Cloudflare (cf-ray is on every answer), so the body decides.
 */
function cloudflareBlock(answer: HttpAnswer): string | undefined {
  if (answer.status !== 403) return undefined;
  const ray = header(answer, 'cf-ray');
  const fromCloudflare = ray !== undefined || /cloudflare/i.test(header(answer, 'server') ?? '');
  const text = answer.body.replace(/<[^>]*>/g, ' ');
  const code = /\berror(?:\s+code)?:?\s*(1\d{3})\b/i.exec(text)?.[1];
  if (!code && !(fromCloudflare && looksLikeHtml(answer))) return undefined;
  const ip =
    /id="cf-footer-ip"[^>]*>\s*([0-9a-fA-F:.]{3,45})\s*</.exec(answer.body)?.[1] ??
    /Your IP(?: address)?:?\s*([0-9a-fA-F:.]{3,45})/i.exec(text)?.[1];
  const what = code === '1006' ? 'error 1006, access denied' : `error ${code ?? 'page'}`;
  return `Jira Align’s Cloudflare answered 403 (${what})${ip ? ` for the address ${excerpt(ip, 45)}` : ''}${ray ? `, Ray ID ${excerpt(ray, 40)}` : ''}: this caller’s IP address is not allowed.`;
}

export const alignHostCheck: Check = alignCheck({
  id: 'align-host',
  title: 'Egress guard allows the Jira Align host',
  async run(ctx) {
    const verdict = await ctx.egress.resolve(alignUrl(ctx));
    return pass(`${verdict.host} is allowed and resolves to ${verdict.addresses.join(', ')}.`);
  },
});

export const alignReachCheck: Check = alignCheck({
  id: 'align-reach',
  title: 'Jira Align answers',
  after: ['align-host'],
  async run(ctx) {
    const answer = await callJira(ctx, { base: alignUrl(ctx), path: USERS_PROBE });
    const classified = classifyAlignAnswer(answer);
    if (classified) return fail(classified.code, classified.detail);
    if (answer.status === 404) {
      return fail(
        'ALIGN_UNREACHABLE',
        `${hostOf(answer.url)} answered 404 to /rest/align/api/2/Users: no Jira Align REST API 2.0 at this URL.`,
      );
    }
    // Without a token Jira Align answers 401. A refusal page that is not Cloudflare's comes from something in
    // between; taken for Align's answer it would later read as a token without rights.
    if ((answer.status === 403 || answer.status === 407) && looksLikeHtml(answer)) {
      return fail(
        'ALIGN_UNREACHABLE',
        `${hostOf(answer.url)} answered ${answer.status} with an HTML page that is not Jira Align’s: a proxy or firewall between Align Bot and Jira Align refuses the request.`,
      );
    }
    return pass(`REST API 2.0 answered (${answer.status} without a token) in ${answer.ms} ms.`);
  },
});

export const alignTokenCheck: Check = alignCheck({
  id: 'align-token',
  title: 'Jira Align accepts the API token',
  after: ['align-reach'],
  skipIf: (ctx) =>
    ctx.target.alignSecret ? undefined : 'Needs a Jira Align API token (--align-token-env VAR).',
  async run(ctx) {
    const auth = alignCredential(ctx.target.alignSecret!);
    const answer = await callJira(ctx, { base: alignUrl(ctx), path: USERS_PROBE, auth });
    return tokenOutcome(answer) ?? pass(`The token reads /Users (${answer.ms} ms).`);
  },
});

/** What an authenticated Align answer says about the token; undefined when it is a usable JSON 200. */
function tokenOutcome(answer: HttpAnswer): CheckOutcome | undefined {
  const classified = classifyAlignAnswer(answer);
  if (classified) return fail(classified.code, classified.detail);
  if (answer.status === 401) {
    return fail('ALIGN_TOKEN_REJECTED', `Jira Align answered 401: ${excerpt(errorMessages(answer))}`);
  }
  if (answer.status === 403) {
    return warn(
      'ALIGN_TOKEN_REJECTED',
      `Jira Align accepted the token but refused the read (403: ${excerpt(errorMessages(answer))}): its user’s role lacks the rights.`,
    );
  }
  if (answer.status !== 200 || parseJson(answer) === undefined) {
    return fail(
      'ALIGN_UNREACHABLE',
      `${new URL(answer.url).pathname} answered ${answer.status}: ${excerpt(errorMessages(answer))}`,
    );
  }
  return undefined;
}

interface SyncItem {
  projectKey?: string;
  projectName?: string;
  projectId?: number | string;
  boardName?: string;
  boardId?: number | string;
  errorMessage?: string | null;
}

type Resource = 'projects' | 'boards';

export const alignSyncCheck: Check = alignCheck({
  id: 'align-sync',
  title: 'Jira Align connector reports no sync errors',
  after: ['align-token'],
  skipIf: (ctx) =>
    ctx.target.spec.align?.connectorId ? undefined : 'No Jira Align connector id (--align-connector ID).',
  async run(ctx) {
    const read: Partial<Record<Resource, SyncItem[]>> = {};
    for (const resource of ['projects', 'boards'] as const) {
      const items = await readAll(ctx, resource);
      if (!Array.isArray(items)) return items;
      read[resource] = items;
    }
    return syncOutcome(ctx.target.spec.align!.connectorId!, read.projects!, read.boards!);
  },
});

async function readAll(ctx: TestContext, resource: Resource): Promise<SyncItem[] | CheckOutcome> {
  const id = ctx.target.spec.align!.connectorId!;
  const auth = alignCredential(ctx.target.alignSecret!);
  const items: SyncItem[] = [];
  for (let offset = 0; offset < MAX_ITEMS; offset += PAGE) {
    const path = `rest/align/api/2/connectors/${id}/${resource}?$top=${PAGE}&$skip=${offset}`;
    const answer = await callJira(ctx, { base: alignUrl(ctx), path, auth });
    if (answer.status === 404) {
      return skip(
        `Jira Align answered 404 for connector ${id}’s ${resource}: check the connector id (shown in Jira Align’s connector window).`,
      );
    }
    const bad = tokenOutcome(answer);
    if (bad) return bad;
    const page = listOf(parseJson<unknown>(answer));
    if (!page) return fail('ALIGN_UNREACHABLE', `connectors/${id}/${resource} answered without a list.`);
    items.push(...page);
    if (page.length < PAGE) break;
  }
  return items;
}

/** API 2.0 answers a list, or (some versions) an object wrapping it in `items` or `value`. */
function listOf(json: unknown): SyncItem[] | undefined {
  const wrapped = json as { items?: unknown; value?: unknown } | null | undefined;
  const list = Array.isArray(json) ? json : (wrapped?.items ?? wrapped?.value);
  return Array.isArray(list)
    ? (list.filter((i) => typeof i === 'object' && i !== null) as SyncItem[])
    : undefined;
}

/**
 * Errors on some projects or boards warn: the connector reaches Jira and the rest syncs, and a message can be left
 * over from an earlier sync. Errors on every one fail: nothing of this connector syncs.
 */
function syncOutcome(id: number, projects: SyncItem[], boards: SyncItem[]): CheckOutcome {
  const badProjects = projects.filter(hasError);
  const badBoards = boards.filter(hasError);
  const failing = [
    ...badProjects.map((p) => ({
      item: p,
      what: `project ${name(p.projectKey ?? p.projectName, p.projectId)}`,
    })),
    ...badBoards.map((b) => ({ item: b, what: `board ${name(b.boardName, b.boardId)}` })),
  ];
  if (failing.length === 0) {
    return pass(
      `Connector ${id}: ${count(projects.length, 'project')} and ${count(boards.length, 'board')}, none with an errorMessage.`,
    );
  }
  const listed = failing
    .slice(0, LISTED_ERRORS)
    .map((f) => `${f.what}: ${excerpt(f.item.errorMessage ?? '', 120)}`)
    .join('; ');
  const more = failing.length > LISTED_ERRORS ? `; and ${failing.length - LISTED_ERRORS} more` : '';
  const scope = `${badProjects.length} of ${count(projects.length, 'project')} and ${badBoards.length} of ${count(boards.length, 'board')}`;
  const detail = `Connector ${id}: errors on ${scope} — ${listed}${more}.`;
  return failing.length === projects.length + boards.length
    ? fail('ALIGN_SYNC_ERRORS', detail)
    : warn('ALIGN_SYNC_ERRORS', detail);
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function hasError(item: SyncItem): boolean {
  return typeof item.errorMessage === 'string' && item.errorMessage.trim() !== '';
}

function name(label: string | undefined, id: number | string | undefined): string {
  return label ? `“${excerpt(label, 60)}”` : `#${excerpt(String(id ?? '?'), 20)}`;
}

export const ALIGN_CHECKS: Check[] = [alignHostCheck, alignReachCheck, alignTokenCheck, alignSyncCheck];
