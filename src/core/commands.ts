/**
 * "/align ..." text → Command | UsageError. The same grammar serves Slack (text after the slash command) and
 * Teams (message with the mention stripped). Pure: no I/O.
 */
import { parseArgs } from 'node:util';

export const AUTH_TYPES = ['oauth', 'basic', 'pat'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export const VERBS = [
  'help',
  'connect',
  'test',
  'rotate',
  'status',
  'list',
  'report',
  'audit',
  'cancel',
  'maintenance',
] as const;
export type Verb = (typeof VERBS)[number];

export type Command =
  | { verb: 'help'; topic?: Verb }
  | {
      verb: 'connect';
      name: string;
      jira: string;
      align: string;
      auth: AuthType;
      dc: boolean;
      project?: string;
    }
  | { verb: 'test'; name: string }
  | { verb: 'test'; adhoc: { jira: string; align?: string } }
  | { verb: 'rotate'; name: string; auth?: AuthType }
  | { verb: 'status'; name?: string }
  | { verb: 'list' }
  | { verb: 'report'; action: 'now' | 'off' | 'list' }
  | { verb: 'report'; action: 'schedule'; cron: string; tz?: string; onlyChanges: boolean }
  | { verb: 'audit'; name?: string }
  | { verb: 'cancel'; runId: string }
  | MaintenanceCommand;

/** `maintenance <name> --from … --until … [--tz Zone]`, `maintenance list`, `maintenance cancel <id>` (issue 13). */
export type MaintenanceCommand =
  | { verb: 'maintenance'; action: 'schedule'; name: string; from: string; until: string; tz: string }
  | { verb: 'maintenance'; action: 'list' }
  | { verb: 'maintenance'; action: 'cancel'; runId: string };

export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(
    message: string,
    readonly verb?: Verb,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export const LIMITS = { text: 2000, argument: 300, url: 2048 } as const;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const PROJECT_KEY = /^[A-Z][A-Z0-9_]{1,9}$/;
const RUN_ID = /^r-[a-z0-9]{6,32}$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

export const USAGE: Record<Verb, { usage: string; summary: string; examples: string[] }> = {
  help: { usage: 'help [verb]', summary: 'Show what Align Bot can do.', examples: ['help test'] },
  connect: {
    usage:
      'connect <name> --jira <url> --align <url> [--auth oauth|basic|pat] [--email E] [--dc] [--project KEY]',
    summary: 'Set up a Jira Align → Jira connector step by step, verifying each step.',
    examples: [
      'connect acme --jira https://acme.atlassian.net --align https://acme.jiraalign.com --auth oauth',
    ],
  },
  test: {
    usage: 'test <name>  ·  test --jira <url> [--align <url>]',
    summary: 'Test a connector live and name the exact cause of any failure.',
    examples: ['test acme', 'test --jira https://acme.atlassian.net'],
  },
  rotate: {
    usage: 'rotate <name> [--auth oauth|basic|pat]',
    summary: 'Change a connector’s credential with approval: Deactivate → update → Save → Activate → verify.',
    examples: ['rotate acme'],
  },
  status: {
    usage: 'status [name]',
    summary: 'Show connectors with their last result.',
    examples: ['status acme'],
  },
  list: { usage: 'list', summary: 'List connectors.', examples: ['list'] },
  report: {
    usage:
      'report now  ·  report schedule "<cron>" [--tz Zone] [--only-changes]  ·  report list  ·  report off',
    summary: 'Fleet connectivity report, now or on a schedule.',
    examples: ['report now', 'report schedule "0 9 * * 1-5" --tz Europe/Berlin --only-changes'],
  },
  audit: { usage: 'audit [name]', summary: 'Who did what, when.', examples: ['audit acme'] },
  cancel: {
    usage: 'cancel <run-id>',
    summary: 'Stop a run that waits for a person.',
    examples: ['cancel r-8f2k1x9q'],
  },
  maintenance: {
    usage:
      'maintenance <name> --from <time> --until <time> [--tz Zone]  ·  maintenance list  ·  maintenance cancel <id>',
    summary:
      'Plan a Jira maintenance window: Deactivate before, “in maintenance” during, Activate and verify after.',
    examples: [
      'maintenance acme --from 2026-12-05T22:00 --until 2026-12-06T02:00 --tz Europe/Berlin',
      'maintenance list',
    ],
  },
};

/** Splits on whitespace, honouring "double", 'single' and the typographic quotes chat clients insert. */
export function tokenize(text: string): string[] {
  const normalized = text.replace(/[\u201C\u201D\u201E]/g, '"').replace(/[\u2018\u2019]/g, "'");
  const tokens: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const match of normalized.matchAll(pattern)) {
    tokens.push(match[1] ?? match[2] ?? match[3] ?? '');
  }
  if ((normalized.match(/"/g)?.length ?? 0) % 2 === 1) throw new UsageError('A quote is not closed.');
  return tokens;
}

export function parseCommand(text: string): Command {
  if (text.length > LIMITS.text)
    throw new UsageError(`That command is too long (over ${LIMITS.text} characters).`);
  const tokens = tokenize(text.trim());
  for (const token of tokens) {
    if (token.length > LIMITS.argument && !(token.length <= LIMITS.url && /^https?:/i.test(token))) {
      throw new UsageError(
        `An argument is too long (${token.length} characters; at most ${LIMITS.argument}).`,
      );
    }
  }
  const [first, ...rest] = tokens;
  if (!first) return { verb: 'help' };
  const verb = first.toLowerCase();
  if (!isVerb(verb)) throw new UsageError(`Unknown command "${clip(first)}". Try: ${VERBS.join(', ')}.`);
  return PARSERS[verb](rest);
}

function isVerb(value: string): value is Verb {
  return (VERBS as readonly string[]).includes(value);
}

type Parser = (args: string[]) => Command;

const PARSERS: Record<Verb, Parser> = {
  help: (args) => {
    const [topic, extra] = args;
    if (extra !== undefined) throw new UsageError('help takes at most one verb.', 'help');
    if (topic === undefined) return { verb: 'help' };
    const t = topic.toLowerCase();
    if (!isVerb(t)) throw new UsageError(`No help for "${clip(topic)}". Verbs: ${VERBS.join(', ')}.`, 'help');
    return { verb: 'help', topic: t };
  },
  connect: (args) => {
    const { values, positionals } = parse('connect', args, {
      jira: { type: 'string' },
      align: { type: 'string' },
      auth: { type: 'string' },
      dc: { type: 'boolean' },
      project: { type: 'string' },
      email: { type: 'string' },
    });
    const name = oneName('connect', positionals);
    if (!values.jira) throw new UsageError('connect needs --jira <url>.', 'connect');
    if (!values.align) throw new UsageError('connect needs --align <url>.', 'connect');
    const auth = values.auth === undefined ? 'oauth' : authType('connect', values.auth);
    if (auth === 'basic' && !values.email) {
      throw new UsageError(
        'Basic Auth needs --email: the service account’s email is the Jira Username.',
        'connect',
      );
    }
    if (values.email !== undefined && !EMAIL.test(values.email)) {
      throw new UsageError(`"${clip(values.email)}" is not an email address.`, 'connect');
    }
    return {
      verb: 'connect',
      name,
      jira: httpUrl('connect', '--jira', values.jira),
      align: httpUrl('connect', '--align', values.align),
      auth,
      dc: values.dc ?? false,
      ...(values.project === undefined ? {} : { project: projectKey('connect', values.project) }),
      ...(values.email === undefined ? {} : { email: values.email }),
    };
  },
  test: (args) => {
    const { values, positionals } = parse('test', args, {
      jira: { type: 'string' },
      align: { type: 'string' },
    });
    if (values.jira !== undefined) {
      if (positionals.length > 0)
        throw new UsageError('Give either a connector name or --jira <url>, not both.', 'test');
      const adhoc: { jira: string; align?: string } = { jira: httpUrl('test', '--jira', values.jira) };
      if (values.align !== undefined) adhoc.align = httpUrl('test', '--align', values.align);
      return { verb: 'test', adhoc };
    }
    if (values.align !== undefined) throw new UsageError('--align needs --jira <url> too.', 'test');
    return { verb: 'test', name: oneName('test', positionals) };
  },
  rotate: (args) => {
    const { values, positionals } = parse('rotate', args, { auth: { type: 'string' } });
    const name = oneName('rotate', positionals);
    return values.auth === undefined
      ? { verb: 'rotate', name }
      : { verb: 'rotate', name, auth: authType('rotate', values.auth) };
  },
  status: (args) => {
    const { positionals } = parse('status', args, {});
    return positionals.length === 0
      ? { verb: 'status' }
      : { verb: 'status', name: oneName('status', positionals) };
  },
  list: (args) => {
    parse('list', args, {});
    if (args.length > 0) throw new UsageError('list takes no arguments.', 'list');
    return { verb: 'list' };
  },
  report: (args) => {
    const [action, ...rest] = args;
    if (action === 'now' || action === 'off' || action === 'list') {
      if (rest.length > 0) throw new UsageError(`report ${action} takes no more arguments.`, 'report');
      return { verb: 'report', action };
    }
    if (action !== 'schedule')
      throw new UsageError('Use report now, report schedule "<cron>", report list or report off.', 'report');
    const { values, positionals } = parse('report', rest, {
      tz: { type: 'string' },
      'only-changes': { type: 'boolean' },
    });
    const [cron, extra] = positionals;
    if (cron === undefined)
      throw new UsageError(
        'report schedule needs a cron expression in quotes, e.g. "0 9 * * 1-5".',
        'report',
      );
    if (extra !== undefined)
      throw new UsageError('Put the cron expression in quotes: report schedule "0 9 * * 1-5".', 'report');
    const fields = cron.trim().split(/\s+/).length;
    if (fields < 5 || fields > 6)
      throw new UsageError(`"${clip(cron)}" is not a cron expression (5 or 6 fields).`, 'report');
    return {
      verb: 'report',
      action: 'schedule',
      cron: cron.trim(),
      ...(values.tz === undefined ? {} : { tz: timeZone(values.tz) }),
      onlyChanges: values['only-changes'] ?? false,
    };
  },
  audit: (args) => {
    const { positionals } = parse('audit', args, {});
    return positionals.length === 0
      ? { verb: 'audit' }
      : { verb: 'audit', name: oneName('audit', positionals) };
  },
  cancel: (args) => {
    const { positionals } = parse('cancel', args, {});
    return { verb: 'cancel', runId: runId('cancel', positionals) };
  },
  maintenance: (args) => parseMaintenance(args),
};

// ── maintenance (issue 13) ─────────────────────────────────────────────────────────────────────────────────────
/** The syntax only; whether the times exist, lie ahead and fit is checked with a clock (core/maintenance.ts). */
function parseMaintenance(args: string[]): MaintenanceCommand {
  const [first, ...rest] = args;
  if (first === 'list') {
    if (rest.length > 0) throw new UsageError('maintenance list takes no more arguments.', 'maintenance');
    return { verb: 'maintenance', action: 'list' };
  }
  if (first === 'cancel') {
    const { positionals } = parse('maintenance', rest, {});
    return {
      verb: 'maintenance',
      action: 'cancel',
      runId: runId('maintenance', positionals, 'maintenance cancel'),
    };
  }
  const { values, positionals } = parse('maintenance', args, {
    from: { type: 'string' },
    until: { type: 'string' },
    tz: { type: 'string' },
  });
  const name = oneName('maintenance', positionals);
  if (!values.from || !values.until)
    throw new UsageError(
      'maintenance needs --from and --until, e.g. --from 2026-12-05T22:00 --until 2026-12-06T02:00 --tz Europe/Berlin.',
      'maintenance',
    );
  return {
    verb: 'maintenance',
    action: 'schedule',
    name,
    from: values.from,
    until: values.until,
    tz: values.tz === undefined ? 'UTC' : timeZone(values.tz, 'maintenance'),
  };
}
// ────────────────────────────────────────────────────────────────────────────────────────────────────────────────

/** One run id; `command` is how the person typed the command ("cancel", "maintenance cancel"). */
function runId(verb: Verb, positionals: string[], command: string = verb): string {
  const [id, extra] = positionals;
  if (id === undefined || extra !== undefined)
    throw new UsageError(`${command} needs one run id, e.g. ${command} r-8f2k1x9q.`, verb);
  if (!RUN_ID.test(id))
    throw new UsageError(`"${clip(id)}" is not a run id (they look like r-8f2k1x9q).`, verb);
  return id;
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function parse<O extends Options>(verb: Verb, args: string[], options: O) {
  try {
    return parseArgs({ args, options: options ?? {}, allowPositionals: true, strict: true }) as {
      values: { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : string };
      positionals: string[];
    };
  } catch (error) {
    throw new UsageError(describeParseError(error), verb);
  }
}

function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  const code = (error as { code?: string }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `Unknown option ${clip(option ?? '')}.`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `Option ${clip(option ?? '')} needs a value.`;
  return 'Could not read the options.';
}

function oneName(verb: Verb, positionals: string[]): string {
  const [name, extra] = positionals;
  if (name === undefined) throw new UsageError(`${verb} needs a connector name.`, verb);
  if (extra !== undefined)
    throw new UsageError(`${verb} takes one connector name; got "${clip(extra)}" too.`, verb);
  if (!NAME.test(name)) {
    throw new UsageError(
      `"${clip(name)}" is not a connector name (letters, digits, - and _, at most 64).`,
      verb,
    );
  }
  return name.toLowerCase();
}

export function httpUrl(verb: Verb, option: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${option} "${clip(raw)}" is not a URL; use https://…`, verb);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`${option} must be an http(s) URL, not ${clip(url.protocol)}`, verb);
  }
  if (url.username || url.password) {
    throw new UsageError(
      `${option} must not contain a user name or password; credentials go through the secret form.`,
      verb,
    );
  }
  if (url.search || url.hash)
    throw new UsageError(`${option} must be the site's base URL, without ? or #.`, verb);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function authType(verb: Verb, raw: string): AuthType {
  const value = raw.toLowerCase();
  if ((AUTH_TYPES as readonly string[]).includes(value)) return value as AuthType;
  throw new UsageError(`--auth must be one of ${AUTH_TYPES.join(', ')}; got "${clip(raw)}".`, verb);
}

function projectKey(verb: Verb, raw: string): string {
  const key = raw.toUpperCase();
  if (!PROJECT_KEY.test(key))
    throw new UsageError(`"${clip(raw)}" is not a Jira project key (like ACME).`, verb);
  return key;
}

function timeZone(raw: string, verb: Verb = 'report'): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: raw });
    return raw;
  } catch {
    throw new UsageError(`"${clip(raw)}" is not a time zone; use an IANA name such as Europe/Berlin.`, verb);
  }
}

/** Echoing user input back: keep it short so a message stays readable. */
function clip(value: string, max = 40): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

/** Usage lines; `prefix` is how the platform addresses the bot (a slash command, or a mention). */
export function helpText(topic: Verb | undefined, prefix: string): string[] {
  if (topic) {
    const u = USAGE[topic];
    return [`${prefix} ${u.usage}`, u.summary, ...u.examples.map((e) => `Example: ${prefix} ${e}`)];
  }
  return VERBS.map((v) => `${prefix} ${USAGE[v].usage} — ${USAGE[v].summary}`);
}
