/**
 * The one CloudAdapter of a process (web or worker), authenticated with ConfigurationBotFrameworkAuthentication
 * built from TeamsSettings. Every ConnectorClient it creates has botbuilder's retry policy removed (the outbox
 * retries, knowing what was delivered: an SDK retry of a send that was stored but answered 5xx posts it twice) and
 * a request timeout added (core-rest-pipeline has none by default).
 */
import {
  type Activity,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type ConfigurationBotFrameworkAuthenticationOptions,
  ConfigurationServiceClientCredentialFactory,
  type TurnContext,
} from 'botbuilder';
import type { CredentialsFactory } from './credentials-factory.js';
import { checkTeamsSettings, TeamsConfigError, type TeamsSettings } from './settings.js';

export type { CredentialsFactory } from './credentials-factory.js';

type ConnectorFactory = ReturnType<ConfigurationBotFrameworkAuthentication['createConnectorFactory']>;
export type ConnectorClient = Awaited<ReturnType<ConnectorFactory['create']>>;
export type AuthenticateResult = Awaited<
  ReturnType<ConfigurationBotFrameworkAuthentication['authenticateRequest']>
>;

export interface TeamsAdapterOptions {
  /** Outbound credentials; default: botbuilder's own from the settings (MSAL). Tests and the sandbox stub it. */
  credentials?: CredentialsFactory;
  /** Per connector request (default 15 s). */
  requestTimeoutMs?: number;
}

interface Pipeline {
  removePolicy(options: { name: string }): unknown[];
  addPolicy(policy: {
    name: string;
    sendRequest(request: { timeout: number }, next: (r: unknown) => unknown): unknown;
  }): void;
}

/** The name core-rest-pipeline gives the retry policy every ServiceClient gets. */
const RETRY_POLICY = 'defaultRetryPolicy';

/** Removes the SDK's retries from a ConnectorClient and bounds each request; throws if botbuilder changed shape. */
export function tuneConnector(client: ConnectorClient, timeoutMs: number): ConnectorClient {
  const pipeline = (client as unknown as { client?: { pipeline?: Pipeline } }).client?.pipeline;
  const removed = pipeline?.removePolicy({ name: RETRY_POLICY }) ?? [];
  if (!pipeline || removed.length !== 1) {
    throw new Error('botbuilder ConnectorClient: cannot remove its retry policy (library changed?)');
  }
  pipeline.addPolicy({
    name: 'alignBotTimeout',
    sendRequest: (request, next) => {
      request.timeout = timeoutMs;
      return next(request);
    },
  });
  return client;
}

function tunedFactory(factory: ConnectorFactory, timeoutMs: number): ConnectorFactory {
  return {
    create: async (serviceUrl, audience) =>
      tuneConnector(await factory.create(serviceUrl, audience), timeoutMs),
  };
}

class TunedAuthentication extends ConfigurationBotFrameworkAuthentication {
  constructor(
    options: ConfigurationBotFrameworkAuthenticationOptions,
    credentials: CredentialsFactory,
    private readonly timeoutMs: number,
  ) {
    super(options, credentials);
  }

  override createConnectorFactory(
    claimsIdentity: Parameters<ConfigurationBotFrameworkAuthentication['createConnectorFactory']>[0],
  ) {
    return tunedFactory(super.createConnectorFactory(claimsIdentity), this.timeoutMs);
  }

  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateResult> {
    const result = await super.authenticateRequest(activity, authHeader);
    return result.connectorFactory
      ? { ...result, connectorFactory: tunedFactory(result.connectorFactory, this.timeoutMs) }
      : result;
  }
}

/** CloudAdapter with authentication and the turn run as two steps, so the ingress can refuse a tenant in between. */
export class TeamsAdapter extends CloudAdapter {
  constructor(
    readonly settings: TeamsSettings,
    authentication: ConfigurationBotFrameworkAuthentication,
  ) {
    super(authentication);
  }

  /** The app id to pass to continueConversationAsync / createConversationAsync ('' in the sandbox). */
  get appId(): string {
    return this.settings.appId ?? '';
  }

  authenticate(activity: Activity, authHeader: string): Promise<AuthenticateResult> {
    return this.botFrameworkAuthentication.authenticateRequest(activity, authHeader);
  }

  runTurn(auth: AuthenticateResult, activity: Activity, logic: (context: TurnContext) => Promise<void>) {
    return this.processActivity(auth, activity, logic);
  }
}

export function createTeamsAdapter(settings: TeamsSettings, options: TeamsAdapterOptions = {}): TeamsAdapter {
  const problems = checkTeamsSettings(settings);
  if (problems.length > 0) throw new TeamsConfigError(problems);
  if (!settings.appId && !settings.sandbox)
    throw new TeamsConfigError(['MicrosoftAppId: required outside the sandbox']);
  const config: ConfigurationBotFrameworkAuthenticationOptions = { ...settings.endpoints };
  if (settings.channelService) config.ChannelService = settings.channelService;
  if (settings.appId) config.MicrosoftAppId = settings.appId;
  if (settings.appTenantId) config.MicrosoftAppTenantId = settings.appTenantId;
  const authentication = new TunedAuthentication(
    config,
    options.credentials ?? credentialsFromSettings(settings),
    options.requestTimeoutMs ?? 15_000,
  );
  return new TeamsAdapter(settings, authentication);
}

/** botbuilder's own credentials (MSAL client credentials, certificate or managed identity). */
export function credentialsFromSettings(settings: TeamsSettings): CredentialsFactory {
  try {
    return new ConfigurationServiceClientCredentialFactory({
      ...(settings.appId ? { MicrosoftAppId: settings.appId } : {}),
      ...(settings.appPassword ? { MicrosoftAppPassword: settings.appPassword } : {}),
      ...(settings.appId ? { MicrosoftAppType: settings.appType } : {}),
      ...(settings.appTenantId ? { MicrosoftAppTenantId: settings.appTenantId } : {}),
      ...(settings.certificateThumbprint ? { CertificateThumbprint: settings.certificateThumbprint } : {}),
      ...(settings.certificatePrivateKey ? { CertificatePrivateKey: settings.certificatePrivateKey } : {}),
    });
  } catch (error) {
    throw new TeamsConfigError([(error as Error).message]);
  }
}
