/**
 * Teams in the sandbox: the Bot Connector simulator and the settings that point the bot at it. With `auth` (the
 * default) the bot validates the simulator's JWTs through its JWKS and signs connector calls with the simulator's
 * tokens — the production code path, offline. Without it the bot runs as botbuilder's no-app-id mode, which is
 * what Microsoft's Agents Playground needs.
 */
import { randomBytes } from 'node:crypto';
import type { CredentialsFactory } from '../chat/teams/adapter.js';
import { noCredentials, tokenCredentials } from '../chat/teams/credentials.js';
import type { TeamsSettings } from '../chat/teams/settings.js';
import { TEAMS_SIM_CHANNEL, TeamsSim } from './teams-sim.js';

/**
 * The mock users of Microsoft's Agents Playground (its default configuration): with Teams auth off the sandbox
 * lets its current user act as admin and the next as approver, so the Playground can drive every command.
 */
export const PLAYGROUND_USERS = {
  admin: '00000000-0000-0000-0000-0000000000020',
  approver: '00000000-0000-0000-0000-0000000000021',
};

/** ALIGN_BOT_SANDBOX_TEAMS_AUTH: `on` (default: the simulator's JWTs) or `off` (for the Agents Playground). */
export function sandboxTeamsAuth(env: Record<string, string | undefined>): boolean {
  const value = (env.ALIGN_BOT_SANDBOX_TEAMS_AUTH ?? 'on').trim().toLowerCase();
  if (value === 'on' || value === '') return true;
  if (value === 'off') return false;
  throw new Error(`ALIGN_BOT_SANDBOX_TEAMS_AUTH: use on or off (got "${value.slice(0, 20)}")`);
}

/** The command that starts Microsoft's Agents Playground against the bot on `port` (Teams auth off). */
export function playgroundCommand(port: number | string): string {
  return `TEAMSAPPTESTER_BROWSER=none npx @microsoft/m365agentsplayground -e http://localhost:${port}/api/messages -c msteams --disable-telemetry`;
}

export interface TeamsSandbox {
  sim: TeamsSim;
  settings: TeamsSettings;
  credentials: CredentialsFactory;
  /** Points the simulator at the bot's /api/messages and returns curl lines to try it. */
  connect(botMessagesUrl: string): string[];
  stop(): Promise<void>;
}

export async function startTeamsSandbox(options: { auth?: boolean } = {}): Promise<TeamsSandbox> {
  const auth = options.auth ?? true;
  const sim = await new TeamsSim({ auth }).start();
  const settings: TeamsSettings = auth
    ? {
        sandbox: false,
        appId: sim.appId,
        // Never used: outbound tokens come from the simulator. It only satisfies the settings check.
        appPassword: `sandbox-unused-${randomBytes(12).toString('base64url')}`,
        appType: 'MultiTenant',
        endpoints: sim.endpointSettings,
        tenants: [sim.tenantId],
        maxBodyBytes: 262_144,
      }
    : { sandbox: true, appType: 'MultiTenant', endpoints: {}, tenants: [], maxBodyBytes: 262_144 };
  const credentials = auth ? tokenCredentials(sim.appId, () => sim.botToken()) : noCredentials();
  return {
    sim,
    settings,
    credentials,
    connect(botMessagesUrl) {
      sim.botUrl = botMessagesUrl;
      return curlLines(sim, botMessagesUrl);
    },
    stop: () => sim.stop(),
  };
}

function curlLines(sim: TeamsSim, botMessagesUrl: string): string[] {
  const channel = encodeURIComponent(TEAMS_SIM_CHANNEL);
  const playground = sim.auth
    ? ['  (ALIGN_BOT_SANDBOX_TEAMS_AUTH=off turns auth off for Microsoft’s Agents Playground, see README)']
    : [
        'Microsoft’s Agents Playground (auth is off):',
        `  ${playgroundCommand(new URL(botMessagesUrl).port)}`,
      ];
  return [
    `Teams (simulated, ${sim.auth ? 'JWT auth on' : 'auth off'}):`,
    `  curl -s -XPOST ${sim.url}/_sim/mention -d '{"text":"test acme","user":"operator"}'`,
    `  curl -s -XPOST ${sim.url}/_sim/personal -d '{"text":"help"}'`,
    `  curl -s ${sim.url}/_sim/conversations/${channel}`,
    `  curl -s -XPOST ${sim.url}/_sim/invoke -d '{"conversation":"<conversationId>","replyToId":"<card id>","verb":"<verb>","data":{},"user":"approver"}'`,
    `  curl -s -XPOST ${sim.url}/_sim/fault -d '{"kind":"throttled-no-retry-after","op":"update"}'`,
    ...playground,
  ];
}
