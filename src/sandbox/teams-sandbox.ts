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
      return curlLines(sim);
    },
    stop: () => sim.stop(),
  };
}

function curlLines(sim: TeamsSim): string[] {
  const channel = encodeURIComponent(TEAMS_SIM_CHANNEL);
  return [
    `Teams (simulated, ${sim.auth ? 'JWT auth on' : 'auth off'}):`,
    `  curl -s -XPOST ${sim.url}/_sim/mention -d '{"text":"test acme","user":"operator"}'`,
    `  curl -s -XPOST ${sim.url}/_sim/personal -d '{"text":"help"}'`,
    `  curl -s ${sim.url}/_sim/conversations/${channel}`,
    `  curl -s -XPOST ${sim.url}/_sim/invoke -d '{"conversation":"<conversationId>","replyToId":"<card id>","verb":"<verb>","data":{},"user":"approver"}'`,
    `  curl -s -XPOST ${sim.url}/_sim/fault -d '{"kind":"throttled-no-retry-after","op":"update"}'`,
  ];
}
