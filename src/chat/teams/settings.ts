/**
 * Teams settings: typed, validated once, passed to the ingress and the client (never process.env directly).
 * `teamsSettingsFromEnv` reads botbuilder's own variable names (MicrosoftAppId, …) plus ALIGN_BOT_TEAMS_*.
 */
import { PlatformSettingsError } from '../platform.js';
import type { CredentialsFactory } from './credentials-factory.js';

/** botbuilder's "parameterized" endpoint group: if one is set, botbuilder uses all of them as given. */
export const ENDPOINT_KEYS = [
  'ToBotFromChannelOpenIdMetadataUrl',
  'ToBotFromChannelTokenIssuer',
  'ToChannelFromBotLoginUrl',
  'ToChannelFromBotOAuthScope',
  'OAuthUrl',
] as const;
/** Optional members of the group. */
export const OPTIONAL_ENDPOINT_KEYS = [
  'ToBotFromEmulatorOpenIdMetadataUrl',
  'CallerId',
  'ValidateAuthority',
] as const;

export type EndpointKey = (typeof ENDPOINT_KEYS)[number] | (typeof OPTIONAL_ENDPOINT_KEYS)[number];

export type AppType = 'MultiTenant' | 'SingleTenant' | 'UserAssignedMsi';

export interface TeamsSettings {
  /** Sandbox: no app id, inbound auth off. Never true in production. */
  sandbox: boolean;
  appId?: string;
  /** Secret: never logged. */
  appPassword?: string;
  appType: AppType;
  appTenantId?: string;
  certificateThumbprint?: string;
  /** Secret: never logged. */
  certificatePrivateKey?: string;
  /** Government clouds by botbuilder's constant (e.g. https://botframework.azure.us). */
  channelService?: string;
  /** botbuilder's endpoint group, passed through as given (government clouds, tests' local JWKS). */
  endpoints: Partial<Record<EndpointKey, string>>;
  /** Pinned Entra tenant ids: activities from any other tenant are refused (403) and audited. */
  tenants: string[];
  /** Largest inbound activity accepted (bytes); Bot Service itself caps requests at 256 KB. */
  maxBodyBytes: number;
  /** Outbound credentials other than the app password's (the sandbox's simulator tokens, tests' stubs). */
  credentials?: CredentialsFactory;
}

export class TeamsConfigError extends Error {
  readonly code = 'CONFIG';
  constructor(readonly problems: string[]) {
    super(`Teams configuration is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'TeamsConfigError';
  }
}

const APP_TYPES: Record<string, AppType> = {
  multitenant: 'MultiTenant',
  singletenant: 'SingleTenant',
  userassignedmsi: 'UserAssignedMsi',
};

type Env = Record<string, string | undefined>;

/**
 * Teams settings from the environment, or undefined when Teams is not configured (no MicrosoftAppId and not the
 * sandbox). Throws TeamsConfigError naming every problem and its fix.
 */
export function teamsSettingsFromEnv(env: Env, options: { sandbox: boolean }): TeamsSettings | undefined {
  const get = (name: string) => env[name]?.trim() || undefined;
  const appId = get('MicrosoftAppId');
  if (!appId && !options.sandbox) return undefined;
  const rawType = get('MicrosoftAppType');
  const appType = rawType ? APP_TYPES[rawType.toLowerCase()] : 'MultiTenant';
  const settings: TeamsSettings = {
    sandbox: !appId,
    ...opt('appId', appId),
    ...opt('appPassword', get('MicrosoftAppPassword')),
    appType: appType ?? 'MultiTenant',
    ...opt('appTenantId', get('MicrosoftAppTenantId')),
    ...opt('certificateThumbprint', get('CertificateThumbprint')),
    ...opt('certificatePrivateKey', get('CertificatePrivateKey')),
    ...opt('channelService', get('ChannelService')),
    endpoints: endpointsOf(get),
    tenants: (get('ALIGN_BOT_TEAMS_TENANTS') ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
    maxBodyBytes: 262_144,
  };
  const problems = checkTeamsSettings(settings);
  if (rawType && !appType)
    problems.unshift('MicrosoftAppType: use MultiTenant, SingleTenant or UserAssignedMsi');
  if (problems.length > 0) throw new TeamsConfigError(problems);
  if (settings.tenants.length === 0 && settings.appType !== 'MultiTenant' && settings.appTenantId) {
    settings.tenants = [settings.appTenantId.toLowerCase()];
  }
  return settings;
}

/** Every problem of a settings object, with its fix; empty when it can be used. */
export function checkTeamsSettings(s: TeamsSettings): string[] {
  const problems: string[] = [];
  if (!s.appId) {
    if (!s.sandbox)
      problems.push('MicrosoftAppId: set the Azure Bot app id (without it inbound auth is off)');
    return problems;
  }
  const certificate = Boolean(s.certificateThumbprint || s.certificatePrivateKey);
  if (certificate && !(s.certificateThumbprint && s.certificatePrivateKey)) {
    problems.push('CertificateThumbprint and CertificatePrivateKey: set both, or neither');
  }
  if (s.appType === 'UserAssignedMsi') {
    if (s.appPassword) problems.push('MicrosoftAppPassword: must not be set for UserAssignedMsi');
  } else if (!s.appPassword && !certificate) {
    problems.push('MicrosoftAppPassword: set the client secret of the app registration (or a certificate)');
  }
  if (s.appType !== 'MultiTenant' && !s.appTenantId) {
    problems.push(`MicrosoftAppTenantId: required for ${s.appType}; set the Entra tenant id of the app`);
  }
  const given = ENDPOINT_KEYS.filter((k) => s.endpoints[k]);
  if (given.length > 0 && given.length < ENDPOINT_KEYS.length) {
    const missing = ENDPOINT_KEYS.filter((k) => !s.endpoints[k]);
    problems.push(
      `${missing.join(', ')}: botbuilder uses the endpoint group as a whole once one is set; set them all`,
    );
  }
  if (s.tenants.length === 0 && s.appType === 'MultiTenant') {
    problems.push(
      'ALIGN_BOT_TEAMS_TENANTS: list the Entra tenant ids allowed to use the bot (comma-separated)',
    );
  }
  if (!Number.isInteger(s.maxBodyBytes) || s.maxBodyBytes < 16_384 || s.maxBodyBytes > 4_194_304) {
    problems.push('maxBodyBytes: use a number of bytes from 16384 to 4194304');
  }
  return problems;
}

function endpointsOf(get: (name: string) => string | undefined): TeamsSettings['endpoints'] {
  const out: TeamsSettings['endpoints'] = {};
  for (const key of [...ENDPOINT_KEYS, ...OPTIONAL_ENDPOINT_KEYS]) {
    const value = get(key);
    if (value) out[key] = value;
  }
  return out;
}

function opt<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/** The platform list's reader: Teams is configured when MicrosoftAppId is set (the sandbox sets its own). */
export function readTeamsSettings(env: Env): TeamsSettings | undefined {
  try {
    return teamsSettingsFromEnv(env, { sandbox: false });
  } catch (error) {
    if (error instanceof TeamsConfigError) throw new PlatformSettingsError(error.problems);
    throw error;
  }
}
