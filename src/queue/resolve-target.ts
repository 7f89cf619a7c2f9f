/** Builds a test target for a run: the connector's spec and its secrets, resolved now and kept only in memory. */
import { adhocSpec, type ConnectorSpec, type TestTarget } from '../core/connector-spec.js';
import type { ConnectorStore } from '../store/connectors.js';
import { resolveSecret, type StoredSecretReader } from '../store/secret-sources.js';

export interface SecretDeps {
  env: NodeJS.ProcessEnv;
  storedSecret?: StoredSecretReader;
}

export interface TargetDeps extends SecretDeps {
  connectors: Pick<ConnectorStore, 'get'>;
}

export async function targetFor(spec: ConnectorSpec, deps: SecretDeps): Promise<TestTarget> {
  const [jiraSecret, alignSecret, oauthAccessToken, oauthPrivateKey] = await Promise.all([
    resolveSecret(spec.secrets?.jira, deps.env, deps.storedSecret),
    resolveSecret(spec.secrets?.align, deps.env, deps.storedSecret),
    resolveSecret(spec.secrets?.oauthAccessToken, deps.env, deps.storedSecret),
    resolveSecret(spec.secrets?.oauthPrivateKey, deps.env, deps.storedSecret),
  ]);
  return {
    label: spec.name,
    spec,
    ...(jiraSecret ? { jiraSecret } : {}),
    ...(alignSecret ? { alignSecret } : {}),
    ...(oauthAccessToken ? { oauthAccessToken } : {}),
    ...(oauthPrivateKey ? { oauthPrivateKey } : {}),
  };
}

/** A run's target: a named connector, or the ad-hoc URLs of `test --jira`. Undefined when the connector is gone. */
export async function runTarget(
  params: Record<string, unknown>,
  deps: TargetDeps,
): Promise<TestTarget | undefined> {
  const adhoc = params.adhoc as { jira: string; align?: string } | undefined;
  if (adhoc) return { label: adhoc.jira, spec: adhocSpec(adhoc.jira, adhoc.align) };
  const spec = await deps.connectors.get(String(params.name));
  return spec ? targetFor(spec, deps) : undefined;
}
