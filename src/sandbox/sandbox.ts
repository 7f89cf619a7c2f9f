/**
 * Sandbox mode: simulators of Slack and Jira Cloud on loopback, demo connectors that show a healthy site and the
 * common failures, a fresh pair of sites to rehearse `/align connect` on, the simulated admin consoles' world, and
 * the config that points the bot at them — the whole procedure on one laptop.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { PROJECT_PERMISSIONS } from '../core/runbooks/checks/jira.js';
import { applyBreaks, seedBasic, seedOAuth } from './admin/demo.js';
import { tokensOf } from './admin/jira-admin.js';
import { sandboxLookup } from './admin/network.js';
import { SandboxWorld } from './admin/world.js';
import { AlignSim } from './align-sim.js';
import { JiraSim } from './jira-sim.js';
import type { JiraSite } from './jira-site.js';
import { SlackSim } from './slack-sim.js';
import { PLAYGROUND_USERS, sandboxTeamsAuth, startTeamsSandbox, type TeamsSandbox } from './teams-sandbox.js';
import { TEAMS_SIM_USERS } from './teams-sim-state.js';

export interface Sandbox {
  slack: SlackSim;
  teams: TeamsSandbox;
  jira: JiraSim;
  align: AlignSim;
  config: Config;
  connectorsFile: string;
  /** What the admin consoles act on. */
  world: SandboxWorld;
  demos: Array<{ name: string; about: string }>;
  /** Sites with a service account and nothing else, to rehearse `/align connect` on. */
  rehearsal: { name: string; jira: string; align: string; email: string; project: string };
  stop(): Promise<void>;
}

export const SANDBOX_USERS = { admin: 'UADMIN', operator: 'UOPERATOR', approver: 'UAPPROVER' };

interface DemoSite {
  name: string;
  host: string;
  /** What it shows, in the console. */
  about: string;
  auth?: 'basic' | 'oauth';
  setup?: (site: JiraSite) => void;
  /** "Break it" clicks applied once it is set up (src/sandbox/admin/breaks.ts). */
  breaks?: string[];
  /** Its API token expires in that many days (Jira refuses it then; the bot warns before). */
  expiresInDays?: number;
}

const DEMO: DemoSite[] = [
  { name: 'acme', host: 'acme.atlassian.net', about: 'healthy (Basic Auth)' },
  {
    name: 'globex',
    host: 'globex.atlassian.net',
    about: 'its API token was revoked',
    breaks: ['token-revoked'],
  },
  {
    name: 'initech',
    host: 'initech.atlassian.net',
    about: 'Jira answers as anonymous',
    breaks: ['anonymous'],
  },
  { name: 'umbrella', host: 'umbrella.atlassian.net', about: 'healthy (OAuth)', auth: 'oauth' },
  { name: 'stark', host: 'stark.atlassian.net', about: 'its API token expires in 5 days', expiresInDays: 5 },
  {
    name: 'wonka',
    host: 'wonka.atlassian.net',
    about: 'Jira’s IP allowlist is on',
    breaks: ['ip-allowlist'],
  },
];

/** Where `/align connect` is rehearsed: a service account and a project, no link, no connector. */
const REHEARSAL = { name: 'hooli', host: 'hooli.atlassian.net', project: 'ALIGN' };

export async function startSandbox(
  base: Config,
  // One folder per key prefix: sandboxes side by side (tests) do not overwrite each other's connectors file.
  dataDir = resolve('.data/sandbox', base.redisPrefix),
): Promise<Sandbox> {
  const slack = await new SlackSim().start();
  const teams = await startTeamsSandbox({ auth: sandboxTeamsAuth(process.env) });
  // Without auth the Agents Playground's mock users drive Teams; their ids prove nothing, so only here.
  const playground = teams.sim.auth ? [] : [PLAYGROUND_USERS.admin];
  const playgroundApprover = teams.sim.auth ? [] : [PLAYGROUND_USERS.approver];
  const jira = await new JiraSim().start();
  const align = await new AlignSim().start();
  mkdirSync(dataDir, { recursive: true });
  const pins: Record<string, string> = {
    ...base.egress.resolve,
    '*.atlassian.net': '127.0.0.1',
    '*.jiraalign.com': '127.0.0.1',
    [jira.gatewayHost]: '127.0.0.1',
  };
  const world = new SandboxWorld(jira, align, pins, base.limits.requestMs);
  const tlsHosts = await world.network.allowedHosts();
  const env: Record<string, string> = {};
  const connectors: Record<string, unknown>[] = [];
  for (const demo of DEMO) {
    const token = `sandbox-${randomBytes(12).toString('base64url')}`;
    const site = jira.addSite({ host: demo.host, baseUrl: jira.siteUrl(demo.host) });
    const account = site.addAccount({
      email: `svc-align@${demo.name}.example`,
      token,
      accountType: 'app',
      appType: 'service',
    });
    site.addProject('ALIGN');
    site.grantAll(account, 'ALIGN', PROJECT_PERMISSIONS);
    demo.setup?.(site);
    const variable = `SANDBOX_${demo.name.toUpperCase()}_TOKEN`;
    env[variable] = token;
    const alignHost = `${demo.name}.jiraalign.com`;
    const alignVariable = `SANDBOX_${demo.name.toUpperCase()}_ALIGN_TOKEN`;
    const alignInstance = demoAlign(align, alignHost);
    env[alignVariable] = alignInstance.token;
    const seed = {
      name: demo.name,
      site,
      jiraUrl: jira.siteUrl(demo.host),
      alignUrl: align.instanceUrl(alignHost),
      instance: alignInstance.instance,
      connector: alignInstance.connector,
      email: account.email,
      token,
    };
    const oauthVariable = `SANDBOX_${demo.name.toUpperCase()}_OAUTH_TOKEN`;
    const oauth = demo.auth === 'oauth' ? seedOAuth(world, seed, oauthVariable, dataDir) : undefined;
    if (!oauth) seedBasic(world, seed);
    const expires = demo.expiresInDays ? Date.now() + demo.expiresInDays * 24 * 3600_000 : undefined;
    if (expires) tokensOf(account)[0]!.expiresAt = expires;
    await applyBreaks(world, site, demo.breaks ?? []);
    connectors.push({
      name: demo.name,
      jira: jira.siteUrl(demo.host),
      kind: 'cloud',
      align: align.instanceUrl(alignHost),
      alignConnectorId: 1,
      auth: demo.auth ?? 'basic',
      email: account.email,
      project: 'ALIGN',
      ...(oauth ?? {}),
      ...(expires ? { tokenExpiresAt: new Date(expires).toISOString().slice(0, 10) } : {}),
      secrets: {
        jira: { env: variable },
        align: { env: alignVariable },
        ...(oauth ? { oauthAccessToken: { env: oauthVariable } } : {}),
      },
    });
  }
  const rehearsal = rehearsalSites(jira, align);
  world.changed();
  Object.assign(process.env, env);
  const connectorsFile = join(dataDir, 'connectors.json');
  // JSON is YAML: the file stays readable by the same loader.
  writeFileSync(connectorsFile, JSON.stringify({ connectors }, null, 2));
  const config: Config = {
    ...base,
    platforms: {
      slack: { signingSecret: slack.signingSecret, botToken: slack.botToken, apiUrl: slack.apiUrl },
      teams: { ...teams.settings, credentials: teams.credentials },
    },
    connectorsFile,
    // The simulators serve plain HTTP on their own ports (and the "break it" TLS server HTTPS on its own): admitted
    // only as host:port entries. The sandbox's only name service is its pins (world.network changes them): nothing
    // real is ever reached.
    egress: {
      ...base.egress,
      allowedHosts: [
        ...base.egress.allowedHosts,
        ...jira.allowedHosts(),
        `*.jiraalign.com:${align.port}`,
        ...tlsHosts,
      ],
      resolve: pins,
      lookup: sandboxLookup,
    },
    atlassianApiUrl: jira.gatewayUrl,
    // Secrets handed over in the sandbox are encrypted under a key that lives as long as the process.
    masterKeys: base.masterKeys.length > 0 ? base.masterKeys : [{ id: 'sandbox', key: randomBytes(32) }],
    // A laptop may run something on 9464 already: the sandbox's internal listener takes any free port.
    metricsPort: base.metricsPort ?? 0,
    roles: {
      operators: [...base.roles.operators, SANDBOX_USERS.operator, TEAMS_SIM_USERS.operator.aadObjectId],
      admins: [...base.roles.admins, SANDBOX_USERS.admin, TEAMS_SIM_USERS.admin.aadObjectId, ...playground],
      approvers: [
        ...base.roles.approvers,
        SANDBOX_USERS.approver,
        TEAMS_SIM_USERS.approver.aadObjectId,
        ...playgroundApprover,
      ],
    },
  };
  return {
    slack,
    teams,
    jira,
    align,
    config,
    connectorsFile,
    world,
    demos: DEMO.map(({ name, about }) => ({ name, about })),
    rehearsal,
    async stop() {
      await Promise.all([slack.stop(), teams.stop(), jira.stop(), align.stop(), world.stop()]);
    },
  };
}

/** A Jira Align instance whose connector 1 syncs the demo project and one board, and its API token. */
function demoAlign(align: AlignSim, host: string) {
  const instance = align.addInstance(host);
  const token = `user:${randomBytes(3).readUIntBE(0, 3)}|${randomBytes(18).toString('base64')}`;
  instance.addUser(token);
  const connector = instance.addConnector(1);
  instance.addProject(connector, 'ALIGN');
  instance.addBoard(connector, 'ALIGN board');
  return { instance, connector, token };
}

function rehearsalSites(jira: JiraSim, align: AlignSim): Sandbox['rehearsal'] {
  const { name, host, project } = REHEARSAL;
  const site = jira.addSite({ host, baseUrl: jira.siteUrl(host) });
  const account = site.addAccount({
    email: `svc-align@${name}.example`,
    token: '',
    accountType: 'app',
    appType: 'service',
  });
  site.addProject(project);
  site.grantAll(account, project, PROJECT_PERMISSIONS);
  const alignHost = `${name}.jiraalign.com`;
  align.addInstance(alignHost);
  return {
    name,
    jira: jira.siteUrl(host),
    align: align.instanceUrl(alignHost),
    email: account.email,
    project,
  };
}
