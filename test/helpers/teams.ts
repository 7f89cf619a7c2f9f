/**
 * A Teams world for tests: the Bot Connector simulator, and the bot's real CloudAdapter ingress on loopback with
 * the simulator's OpenID metadata / JWKS as its endpoint group and the simulator's tokens as outbound credentials.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTeamsAdapter, type TeamsAdapter } from '../../src/chat/teams/adapter.js';
import { noCredentials, tokenCredentials } from '../../src/chat/teams/credentials.js';
import {
  createTeamsIngress,
  type TeamsHandlers,
  type TeamsInvokeEvent,
  type TeamsMessageEvent,
  type TeamsRefusal,
} from '../../src/chat/teams/ingress.js';
import { cardResponse } from '../../src/chat/teams/outgoing.js';
import type { TeamsReferenceStore } from '../../src/chat/teams/references.js';
import type { TeamsSettings } from '../../src/chat/teams/settings.js';
import type { MessageView } from '../../src/core/views/view.js';
import { TeamsSim, type TeamsSimOptions } from '../../src/sandbox/teams-sim.js';
import { registerSecret } from './leaks.js';

/** A minimal stand-in for the card renderer (src/chat/teams/cards.ts). */
export function testCard(message: MessageView): object {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [{ type: 'TextBlock', text: message.text, wrap: true }],
  };
}

export function view(text: string): MessageView {
  return { text, blocks: [{ type: 'text', text: [text] }] };
}

export interface TeamsWorld {
  sim: TeamsSim;
  settings: TeamsSettings;
  adapter: TeamsAdapter;
  messages: TeamsMessageEvent[];
  invokes: TeamsInvokeEvent[];
  refusals: TeamsRefusal[];
  botUrl: string;
  stop(): Promise<void>;
}

export interface WorldOptions {
  sim?: TeamsSimOptions;
  /** Auth off: the sandbox (no app id). */
  sandbox?: boolean;
  tenants?: string[];
  handlers?: Partial<TeamsHandlers>;
  references?: TeamsReferenceStore;
}

export function settingsFor(
  sim: TeamsSim,
  options: { sandbox?: boolean; tenants?: string[] } = {},
): TeamsSettings {
  if (options.sandbox) {
    return {
      sandbox: true,
      appType: 'MultiTenant',
      endpoints: {},
      tenants: options.tenants ?? [],
      maxBodyBytes: 262_144,
    };
  }
  return {
    sandbox: false,
    appId: sim.appId,
    appPassword: registerSecret(`unused-client-secret-${sim.appId}`, 'teams app password'),
    appType: 'MultiTenant',
    endpoints: sim.endpointSettings,
    tenants: options.tenants ?? [sim.tenantId],
    maxBodyBytes: 262_144,
  };
}

export function adapterFor(sim: TeamsSim, settings: TeamsSettings): TeamsAdapter {
  const credentials = settings.sandbox ? noCredentials() : tokenCredentials(sim.appId, () => sim.botToken());
  return createTeamsAdapter(settings, { credentials });
}

export async function startTeamsWorld(options: WorldOptions = {}): Promise<TeamsWorld> {
  const sim = await new TeamsSim({ ...options.sim, ...(options.sandbox ? { auth: false } : {}) }).start();
  const settings = settingsFor(sim, options);
  const adapter = adapterFor(sim, settings);
  const messages: TeamsMessageEvent[] = [];
  const invokes: TeamsInvokeEvent[] = [];
  const refusals: TeamsRefusal[] = [];
  const handlers: TeamsHandlers = {
    onMessage: async (event) => {
      messages.push(event);
      return { message: view(`Run for "${event.text}" queued`) };
    },
    onInvoke: async (event) => {
      invokes.push(event);
      return cardResponse(testCard(view(`${event.verb} by ${event.user.name}`)));
    },
    onRefused: (refusal) => void refusals.push(refusal),
    ...options.handlers,
  };
  const ingress = createTeamsIngress(settings, handlers, {
    render: testCard,
    adapter,
    ...(options.references ? { references: options.references } : {}),
  });
  const server: Server = createServer(ingress.listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const botUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
  sim.botUrl = botUrl;
  return {
    sim,
    settings,
    adapter,
    messages,
    invokes,
    refusals,
    botUrl,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sim.stop();
    },
  };
}
