/**
 * A whole bot in this process against real Redis and the simulators: web (Bolt on a real port) and workers, with
 * the Slack simulator sending signed requests to it and the Jira simulator behind pinned host names.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type Config, loadConfig } from '../../src/config.js';
import type { Clock } from '../../src/core/ports.js';
import { PROJECT_PERMISSIONS } from '../../src/core/runbooks/checks/jira.js';
import { createLogger } from '../../src/logger.js';
import { AlignSim } from '../../src/sandbox/align-sim.js';
import { JiraSim } from '../../src/sandbox/jira-sim.js';
import type { JiraSite } from '../../src/sandbox/jira-site.js';
import { SlackSim } from '../../src/sandbox/slack-sim.js';
import { startTeamsSandbox, type TeamsSandbox } from '../../src/sandbox/teams-sandbox.js';
import { TEAMS_SIM_USERS } from '../../src/sandbox/teams-sim-state.js';
import { connectInfra, type Infra, type Stoppable, startWeb, startWorkers } from '../../src/services.js';
import { recordOutput, registerSecret } from './leaks.js';
import { deleteKeys, REDIS_URL } from './redis.js';

export const ADMIN = 'UADMIN';
export const OPERATOR = 'UOPER';
export const APPROVER = 'UAPPROVER';
export const APPROVER2 = 'UAPPROVER2';
export const OUTSIDER = 'UOUTSIDER';
export const CHANNEL = 'CTEST';

/** The Teams simulator's users (Entra object ids in the role lists, as src/sandbox/sandbox.ts does). */
export const TEAMS_USERS = TEAMS_SIM_USERS;

export interface BotHarness {
  slack: SlackSim;
  /** With `teams: true`: the Bot Connector simulator, sending JWT-signed activities to /api/messages. */
  teams?: TeamsSandbox;
  jira: JiraSim;
  align: AlignSim;
  config: Config;
  web?: Infra;
  worker?: Infra;
  port: number;
  /** The internal listener (/metrics) of the web part. */
  metricsPort: number;
  connectorsFile: string;
  env: Record<string, string>;
  /** The first phase of a SIGTERM: the web answers "restarting", the workers hand their runs back. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export interface ConnectorInput {
  name: string;
  host: string;
  email?: string;
  token?: string;
  project?: string;
  setup?: (site: JiraSite) => void;
  /** More fields of the connectors-file entry (a Jira Align section, …). */
  entry?: Record<string, unknown>;
}

/** A Jira Cloud site with a healthy service account; returns the connectors-file entry and the token variable. */
export function addHealthySite(jira: JiraSim, input: ConnectorInput, env: Record<string, string>) {
  const site = jira.addSite({ host: input.host, baseUrl: jira.siteUrl(input.host) });
  const token = registerSecret(
    input.token ?? `tok-${input.name}-${Math.random().toString(36).slice(2)}`,
    `Jira token of ${input.name}`,
  );
  const email = input.email ?? `svc@${input.name}.example`;
  const account = site.addAccount({ email, token, accountType: 'app', appType: 'service' });
  const project = input.project ?? 'ALIGN';
  site.addProject(project);
  site.grantAll(account, project, PROJECT_PERMISSIONS);
  input.setup?.(site);
  const variable = `T_${input.name.toUpperCase().replace(/-/g, '_')}_TOKEN`;
  env[variable] = token;
  process.env[variable] = token;
  return {
    site,
    account,
    token,
    entry: {
      name: input.name,
      jira: jira.siteUrl(input.host),
      kind: 'cloud',
      auth: 'basic',
      email,
      project,
      secrets: { jira: { env: variable } },
      ...input.entry,
    },
  };
}

export function botEnv(
  prefix: string,
  slack: SlackSim,
  jira: JiraSim,
  connectorsFile: string,
  extra: Record<string, string> = {},
) {
  return {
    REDIS_URL,
    ALIGN_BOT_REDIS_PREFIX: prefix,
    SLACK_SIGNING_SECRET: registerSecret(slack.signingSecret, 'Slack signing secret'),
    SLACK_BOT_TOKEN: registerSecret(slack.botToken, 'Slack bot token'),
    SLACK_API_URL: slack.apiUrl,
    ALIGN_BOT_CONNECTORS_FILE: connectorsFile,
    ALIGN_BOT_RESOLVE: `*.atlassian.net=127.0.0.1,${jira.gatewayHost}=127.0.0.1,*.jiraalign.com=127.0.0.1`,
    ALIGN_BOT_ALLOWED_HOSTS: jira.allowedHosts().join(','),
    ALIGN_BOT_ATLASSIAN_API_URL: jira.gatewayUrl,
    ALIGN_BOT_ADMINS: ADMIN,
    ALIGN_BOT_OPERATORS: OPERATOR,
    ALIGN_BOT_APPROVERS: `${APPROVER},${APPROVER2},${ADMIN}`,
    ALIGN_BOT_MASTER_KEY: `t1:${registerSecret(randomBytes(32).toString('base64'), 'master key')}`,
    LOG_LEVEL: 'silent',
    PORT: '0',
    ALIGN_BOT_METRICS_PORT: '0',
    ...extra,
  };
}

export function writeConnectors(entries: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'align-bot-'));
  const file = join(dir, 'connectors.yaml');
  writeFileSync(file, stringify({ connectors: entries }));
  return file;
}

export async function startBot(options: {
  prefix: string;
  connectors: ConnectorInput[];
  web?: boolean;
  workers?: boolean;
  env?: Record<string, string>;
  /** Collects every log line the bot writes (at trace level). */
  logSink?: string[];
  /** Slack user groups the simulator knows (group id → members), set before the bot loads them. */
  slackGroups?: Record<string, string[]>;
  /** Slack in Socket Mode: the WebSocket URL the simulator's apps.connections.open hands out (no signing secret). */
  socketModeUrl?: string;
  /**
   * Teams beside Slack, as the sandbox runs it: the Bot Connector simulator with its JWKS (JWT auth on), its users'
   * Entra object ids added to the role lists (admin, operator, approver).
   */
  teams?: boolean;
  /** The clock runs and the ack path see (a test's controllable one); BullMQ delays stay in real time. */
  clock?: Clock;
}): Promise<BotHarness> {
  const slack = await new SlackSim().start();
  const socketMode: Record<string, string> = {};
  if (options.socketModeUrl) {
    slack.socketModeUrl = options.socketModeUrl;
    socketMode.SLACK_APP_TOKEN = registerSecret(slack.appToken, 'Slack app-level token');
    socketMode.SLACK_SIGNING_SECRET = '';
  }
  for (const [group, users] of Object.entries(options.slackGroups ?? {})) slack.usergroups.set(group, users);
  const jira = await new JiraSim().start();
  const align = await new AlignSim().start();
  const env: Record<string, string> = {};
  const entries = options.connectors.map((c) => addHealthySite(jira, c, env).entry);
  const connectorsFile = writeConnectors(entries);
  // The simulators' host:port entries, plus any a test adds.
  const allowed = [
    ...jira.allowedHosts(),
    `*.jiraalign.com:${align.port}`,
    options.env?.ALIGN_BOT_ALLOWED_HOSTS,
  ];
  const allEnv = botEnv(options.prefix, slack, jira, connectorsFile, {
    ...socketMode,
    ...options.env,
    ALIGN_BOT_ALLOWED_HOSTS: allowed.filter(Boolean).join(','),
  });
  const teams = options.teams ? await startTeamsSandbox({ auth: true }) : undefined;
  if (teams) {
    registerSecret(teams.settings.appPassword!, 'Teams app password');
    withTeamsRoles(allEnv);
  }
  const config = loadConfig(allEnv as NodeJS.ProcessEnv);
  if (teams) config.platforms.teams = { ...teams.settings, credentials: teams.credentials };
  // Always at trace level, so the leak check searches every line the bot could log.
  const logger = createLogger('trace', {
    write: (line: string) => {
      options.logSink?.push(line);
      recordOutput('bot log', line);
    },
  });
  const stack: Stoppable[] = [];
  const harness: BotHarness = {
    slack,
    ...(teams ? { teams } : {}),
    jira,
    align,
    config,
    port: 0,
    metricsPort: 0,
    connectorsFile,
    env: { ...allEnv, ...env },
    drain: async () => {
      await Promise.all(stack.map((item) => item.drain?.()));
    },
    stop: async () => undefined,
  };
  if (options.workers !== false) {
    harness.worker = await connectInfra(config, logger, 'worker');
    if (options.clock) harness.worker.clock = options.clock;
    stack.push(harness.worker, await startWorkers(harness.worker));
  }
  if (options.web !== false) {
    harness.web = await connectInfra(config, logger, 'web');
    if (options.clock) harness.web.clock = options.clock;
    const web = await startWeb(harness.web, 0);
    stack.push(harness.web, web);
    harness.port = web.port;
    harness.metricsPort = web.internal.port;
    slack.botUrl = `http://127.0.0.1:${web.port}/slack/events`;
    teams?.connect(`http://127.0.0.1:${web.port}/api/messages`);
  }
  harness.stop = async () => {
    for (const item of stack.reverse()) await item.close().catch(() => undefined);
    recordSlack(slack);
    if (teams) recordTeams(teams);
    await Promise.all([slack.stop(), jira.stop(), align.stop(), teams?.stop()]);
    await deleteKeys(options.prefix);
  };
  return harness;
}

/**
 * What the bot said in Slack, for the leak check: messages, ephemerals, response_url posts and the arguments of
 * every Web API call, less `token` (the bot token authenticating the call to Slack, where it belongs).
 */
function recordSlack(slack: SlackSim): void {
  const { messages, ephemerals, responses } = slack;
  const calls = slack.calls.map(({ args: { token: _, ...args }, ...call }) => ({ ...call, args }));
  recordOutput('Slack simulator', JSON.stringify({ messages, ephemerals, responses, calls }));
}

/** Adds the Teams simulator's users to the role lists (after any a test set). */
function withTeamsRoles(env: Record<string, string>): void {
  const add = (name: string, ...ids: string[]) => {
    env[name] = [env[name], ...ids].filter(Boolean).join(',');
  };
  add('ALIGN_BOT_ADMINS', TEAMS_USERS.admin.aadObjectId);
  add('ALIGN_BOT_OPERATORS', TEAMS_USERS.operator.aadObjectId);
  add('ALIGN_BOT_APPROVERS', TEAMS_USERS.approver.aadObjectId, TEAMS_USERS.admin.aadObjectId);
}

/** What the bot said in Teams and answered to its clicks, for the leak check (less the connector's tokens). */
function recordTeams(teams: TeamsSandbox): void {
  const { messages } = teams.sim.state;
  const calls = teams.sim.calls.map((call) => ({ ...call }));
  const answers = teams.sim.deliveries.map((d) => ({ status: d.status, body: d.body }));
  recordOutput('Teams simulator', JSON.stringify({ messages, calls, answers }));
}

/** The site also accepts `token` for its service account, as Jira does once the admin created a new token. */
export function acceptToken(site: JiraSite, token: string): void {
  const first = site.accounts[0]!;
  site.addAccount({
    email: first.email,
    token: registerSecret(token, 'accepted Jira token'),
    accountType: first.accountType,
    appType: 'service',
    projectPermissions: first.projectPermissions,
  });
}
