/**
 * Sandbox mode: simulators of Slack and Jira Cloud on loopback, demo connectors that show a healthy site and the
 * common failures, and the config that points the bot at them — the whole procedure on one laptop.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { PROJECT_PERMISSIONS } from '../core/runbooks/checks/jira.js';
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
  stop(): Promise<void>;
}

export const SANDBOX_USERS = { admin: 'UADMIN', operator: 'UOPERATOR', approver: 'UAPPROVER' };

interface DemoSite {
  name: string;
  host: string;
  setup?: (site: JiraSite) => void;
}

const DEMO: DemoSite[] = [
  { name: 'acme', host: 'acme.atlassian.net' },
  { name: 'globex', host: 'globex.atlassian.net', setup: (s) => (s.fault = 'token-rejected') },
  { name: 'initech', host: 'initech.atlassian.net', setup: (s) => (s.fault = 'anonymous-fallback') },
];

export async function startSandbox(base: Config, dataDir = resolve('.data/sandbox')): Promise<Sandbox> {
  const slack = await new SlackSim().start();
  const teams = await startTeamsSandbox({ auth: sandboxTeamsAuth(process.env) });
  // Without auth the Agents Playground's mock users drive Teams; their ids prove nothing, so only here.
  const playground = teams.sim.auth ? [] : [PLAYGROUND_USERS.admin];
  const playgroundApprover = teams.sim.auth ? [] : [PLAYGROUND_USERS.approver];
  const jira = await new JiraSim().start();
  const align = await new AlignSim().start();
  const env: Record<string, string> = {};
  const connectors = DEMO.map((demo) => {
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
    env[alignVariable] = demoAlign(align, alignHost);
    return {
      name: demo.name,
      jira: jira.siteUrl(demo.host),
      kind: 'cloud',
      align: align.instanceUrl(alignHost),
      alignConnectorId: 1,
      auth: 'basic',
      email: account.email,
      project: 'ALIGN',
      secrets: { jira: { env: variable }, align: { env: alignVariable } },
    };
  });
  Object.assign(process.env, env);
  mkdirSync(dataDir, { recursive: true });
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
    egress: {
      ...base.egress,
      // The simulators serve plain HTTP on their own ports: admitted only as host:port entries.
      allowedHosts: [...base.egress.allowedHosts, ...jira.allowedHosts(), `*.jiraalign.com:${align.port}`],
      resolve: {
        ...base.egress.resolve,
        '*.atlassian.net': '127.0.0.1',
        '*.jiraalign.com': '127.0.0.1',
        [jira.gatewayHost]: '127.0.0.1',
      },
    },
    atlassianApiUrl: jira.gatewayUrl,
    // Secrets handed over in the sandbox are encrypted under a key that lives as long as the process.
    masterKeys: base.masterKeys.length > 0 ? base.masterKeys : [{ id: 'sandbox', key: randomBytes(32) }],
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
    async stop() {
      await Promise.all([slack.stop(), teams.stop(), jira.stop(), align.stop()]);
    },
  };
}

/** A Jira Align instance whose connector 1 syncs the demo project and one board; returns its API token. */
function demoAlign(align: AlignSim, host: string): string {
  const instance = align.addInstance(host);
  const token = `user:${randomBytes(3).readUIntBE(0, 3)}|${randomBytes(18).toString('base64')}`;
  instance.addUser(token);
  const connector = instance.addConnector(1);
  instance.addProject(connector, 'ALIGN');
  instance.addBoard(connector, 'ALIGN board');
  return token;
}
