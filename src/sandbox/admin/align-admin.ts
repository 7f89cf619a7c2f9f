/**
 * The simulated Jira Align admin: Administration › Connectors › Jira Settings › Jira Connectors (reference/
 * procedure.md steps 1–6 and 16–24). A connector's settings, its key pair, its OAuth authorization, Save,
 * Activate/Deactivate and the Service Light; its synced projects carry the errorMessage the bot reads through
 * Jira Align's REST API. Jira Align applies a changed authentication only to a deactivated connector.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { AlignConnector, AlignInstance, AlignSim } from '../align-sim.js';
import { AdminError } from './jira-admin.js';

export type AlignAuth = 'oauth' | 'basic' | 'pat';

export interface ConnectorSettings {
  name: string;
  /** "Jira Link", e.g. https://acme.atlassian.net/browse/ */
  jiraLink: string;
  /** "Jira API URL": the site, or the gateway URL for scoped tokens. */
  apiUrl: string;
  authType: AlignAuth;
  consumerKey: string;
  /** "Jira Username" (Basic Auth). */
  username: string;
}

export interface OAuthState {
  status: 'none' | 'requested' | 'authorized' | 'failed';
  message?: string;
  requestToken?: string;
  accessToken?: string;
  authorizedAs?: string;
}

export interface AdminConnector {
  instance: AlignInstance;
  connector: AlignConnector;
  settings: ConnectorSettings;
  /** "API Token/Jira Password": write-only, never shown again. */
  apiToken?: string;
  key?: { publicPem: string; privateKey: KeyObject };
  oauth: OAuthState;
  active: boolean;
  serviceLight: 'green' | 'gray';
  /** Sync errors forced on projects ("project:KEY") or boards ("board:ID"). */
  forced: Map<string, string>;
  /** Set for a demo connector whose OAuth access token Align Bot also holds (in this environment variable). */
  botTokenEnv?: string;
}

export interface SaveInput extends Partial<ConnectorSettings> {
  /** Typed into the password field; absent keeps the saved one. */
  apiToken?: string;
}

const DEFAULTS: ConnectorSettings = {
  name: '',
  jiraLink: '',
  apiUrl: '',
  authType: 'oauth',
  consumerKey: '',
  username: '',
};

export class AlignAdmin {
  private readonly records = new WeakMap<AlignConnector, AdminConnector>();
  /** Instances whose new connectors start with a gray Service Light (Support has not enabled the service). */
  readonly grayByDefault = new WeakSet<AlignInstance>();
  /** Instances whose connectors report a sync error on every project and board, whatever the connection does. */
  readonly failingSync = new WeakSet<AlignInstance>();

  constructor(readonly sim: AlignSim) {}

  instance(host: string): AlignInstance {
    const found = this.sim.instances.get(host.toLowerCase());
    if (!found) throw new AdminError(`No Jira Align instance ${host}.`);
    return found;
  }

  connectors(instance: AlignInstance): AdminConnector[] {
    return [...instance.connectors.values()].map((c) => this.record(instance, c));
  }

  connector(instance: AlignInstance, id: number): AdminConnector {
    const found = instance.connectors.get(id);
    if (!found) throw new AdminError(`No connector ${id} on ${instance.host}.`);
    return this.record(instance, found);
  }

  /** "Add": a new, inactive connector with the next ID. */
  add(instance: AlignInstance): AdminConnector {
    const id = Math.max(0, ...instance.connectors.keys()) + 1;
    return this.record(instance, instance.addConnector(id));
  }

  /** Step 4 and 21: Save. A changed authentication is refused while the connector is active. */
  save(c: AdminConnector, input: SaveInput): void {
    const next: ConnectorSettings = { ...c.settings };
    for (const field of Object.keys(DEFAULTS) as Array<keyof ConnectorSettings>) {
      const value = input[field];
      if (typeof value === 'string') (next as unknown as Record<string, string>)[field] = value.trim();
    }
    validate(next);
    const token = input.apiToken?.trim() || undefined;
    const authChanged =
      next.authType !== c.settings.authType ||
      next.consumerKey !== c.settings.consumerKey ||
      next.username !== c.settings.username ||
      next.apiUrl !== c.settings.apiUrl ||
      (token !== undefined && token !== c.apiToken);
    if (authChanged && c.active)
      throw new AdminError(
        'Deactivate the connector first: Jira Align applies a changed authentication only after Deactivate → update → Save → Activate.',
      );
    if (next.authType !== c.settings.authType || next.consumerKey !== c.settings.consumerKey)
      c.oauth = { status: 'none' };
    c.settings = next;
    if (token !== undefined) c.apiToken = token;
  }

  /** Step 5: "Generate New Key". A new key needs the Jira link updated and OAuth authorized again. */
  generateKey(c: AdminConnector): string {
    if (c.active) throw new AdminError('Deactivate the connector before generating a new key.');
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    c.key = {
      publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      privateKey: pair.privateKey,
    };
    c.oauth = { status: 'none' };
    return c.key.publicPem;
  }

  /** Step 23. Refused while the service is not enabled (gray light) or the saved settings are incomplete. */
  activate(c: AdminConnector): void {
    if (c.serviceLight === 'gray')
      throw new AdminError(
        'The Service Light is gray: Jira Align Support must enable the service first (give them the connector type “Jira Connector” and ID).',
      );
    const missing = missingForActivation(c);
    if (missing) throw new AdminError(missing);
    c.active = true;
  }

  deactivate(c: AdminConnector): void {
    c.active = false;
  }

  /** Jira Align Support enables (or the sandbox withdraws) the service behind the connector. */
  setServiceLight(c: AdminConnector, light: 'green' | 'gray'): void {
    c.serviceLight = light;
    if (light === 'gray') c.active = false;
  }

  /** Step 24: map a Jira project to the connector; the next sync fills its errorMessage. */
  addProject(c: AdminConnector, key: string): void {
    const clean = key.trim().toUpperCase();
    if (!/^[A-Z][A-Z0-9_]{1,9}$/.test(clean)) throw new AdminError('A Jira project key, e.g. ALIGN.');
    if (c.connector.projects.some((p) => p.projectKey === clean))
      throw new AdminError(`${clean} is already synced.`);
    c.instance.addProject(c.connector, clean);
    if (c.connector.boards.length === 0) c.instance.addBoard(c.connector, `${clean} board`);
  }

  removeProject(c: AdminConnector, key: string): void {
    const index = c.connector.projects.findIndex((p) => p.projectKey === key);
    if (index < 0) throw new AdminError(`${key} is not synced.`);
    c.connector.projects.splice(index, 1);
    c.forced.delete(`project:${key}`);
  }

  /** A sync error Jira Align reports whatever the connection does (e.g. a field mapping), or none. */
  forceProjectError(c: AdminConnector, key: string, message: string | undefined): void {
    if (!c.connector.projects.some((p) => p.projectKey === key))
      throw new AdminError(`${key} is not synced.`);
    if (message?.trim()) c.forced.set(`project:${key}`, message.trim());
    else c.forced.delete(`project:${key}`);
  }

  /** A connector set up outside the UI (the sandbox's demo connectors). */
  adopt(instance: AlignInstance, connector: AlignConnector, fields: Partial<AdminConnector>): AdminConnector {
    const record = this.record(instance, connector);
    Object.assign(record, fields);
    return record;
  }

  private record(instance: AlignInstance, connector: AlignConnector): AdminConnector {
    let record = this.records.get(connector);
    if (!record) {
      record = {
        instance,
        connector,
        settings: { ...DEFAULTS, name: `Connector ${connector.id}` },
        oauth: { status: 'none' },
        active: false,
        serviceLight: this.grayByDefault.has(instance) ? 'gray' : 'green',
        forced: new Map(),
      };
      this.records.set(connector, record);
    }
    return record;
  }
}

function validate(s: ConnectorSettings): void {
  if (!s.name) throw new AdminError('Connector Name is required.');
  for (const [label, value] of [
    ['Jira Link', s.jiraLink],
    ['Jira API URL', s.apiUrl],
  ] as const) {
    if (value && !/^https?:\/\/[^\s/]+/i.test(value))
      throw new AdminError(`${label} must be a URL starting with http(s)://`);
  }
  if (!['oauth', 'basic', 'pat'].includes(s.authType)) throw new AdminError('Unknown authentication type.');
}

function missingForActivation(c: AdminConnector): string | undefined {
  const s = c.settings;
  if (!s.jiraLink || !s.apiUrl) return 'Fill in Jira Link and Jira API URL, and Save, before activating.';
  if (s.authType === 'oauth') {
    if (!s.consumerKey || !c.key) return 'OAuth needs a consumer key and a generated key pair.';
    if (c.oauth.status !== 'authorized')
      return 'Authorize Jira OAuth access (steps 17–20) before activating.';
    return undefined;
  }
  if (s.authType === 'basic' && !s.username) return 'Jira Username is required for Basic Auth.';
  return c.apiToken ? undefined : 'API Token/Jira Password is required.';
}

/** The Jira base URL the connector talks to (scheme, host and port of its API URL, else of its Jira Link). */
export function jiraOrigin(s: ConnectorSettings): string | undefined {
  for (const value of [s.apiUrl, s.jiraLink]) {
    try {
      if (value) return new URL(value).origin;
    } catch {
      // tried the next one
    }
  }
  return undefined;
}
