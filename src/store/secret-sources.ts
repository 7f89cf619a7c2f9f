/**
 * Resolves where a connector's secret comes from (an environment variable or a file) into a Secret, at run time
 * only. Encrypted secrets handed over through the secret form are resolved by the secrets vault.
 */
import { readFile } from 'node:fs/promises';
import type { SecretSource } from '../core/connector-spec.js';
import { Secret } from '../core/secret.js';

export type StoredSecretReader = (id: string) => Promise<Secret | undefined>;

export async function resolveSecret(
  source: SecretSource | undefined,
  env: NodeJS.ProcessEnv,
  stored?: StoredSecretReader,
): Promise<Secret | undefined> {
  if (!source) return undefined;
  if ('env' in source) {
    const value = env[source.env];
    return value ? new Secret(value) : undefined;
  }
  if ('file' in source) {
    try {
      const value = (await readFile(source.file, 'utf8')).replace(/\r?\n$/, '');
      return value ? new Secret(value) : undefined;
    } catch {
      return undefined;
    }
  }
  return stored ? stored(source.stored) : undefined;
}
