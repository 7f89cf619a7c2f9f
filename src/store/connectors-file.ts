/**
 * ALIGN_BOT_CONNECTORS_FILE (YAML): connectors an operator manages as code. Secrets are never in the file, only
 * where to read them (an environment variable or a file path).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ConnectorSpec } from '../core/connector-spec.js';

const secretSource = z.union([
  z.strictObject({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name') }),
  z.strictObject({ file: z.string().min(1) }),
]);

const url = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));

const connector = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/)
    .transform((n) => n.toLowerCase()),
  jira: url,
  kind: z.enum(['cloud', 'datacenter']).default('cloud'),
  apiUrl: url.optional(),
  align: url.optional(),
  alignConnectorId: z.number().int().positive().optional(),
  auth: z.enum(['oauth', 'basic', 'pat']).default('basic'),
  email: z.string().min(1).optional(),
  project: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{1,9}$/)
    .optional(),
  consumerKey: z.string().optional(),
  publicKeyFile: z.string().optional(),
  /** The consumer of Align Bot's own application link, to which `secrets.oauthAccessToken` was issued. */
  tokenConsumerKey: z.string().optional(),
  tokenExpiresAt: z.iso.date().optional(),
  secrets: z
    .strictObject({
      jira: secretSource.optional(),
      align: secretSource.optional(),
      oauthAccessToken: secretSource.optional(),
      oauthPrivateKey: secretSource.optional(),
    })
    .optional(),
});

const file = z.strictObject({ connectors: z.array(connector).default([]) });

export class ConnectorsFileError extends Error {
  readonly code = 'CONNECTORS_FILE';
}

export function loadConnectorsFile(path: string): ConnectorSpec[] {
  let raw: unknown;
  try {
    // 'error': YAML warnings would go to stderr quoting the source line, which may hold a mis-pasted secret.
    raw = parseYaml(readFileSync(path, 'utf8'), { logLevel: 'error' });
  } catch (error) {
    throw new ConnectorsFileError(`${path}: not readable YAML (${(error as Error).message.split('\n')[0]})`);
  }
  const parsed = file.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map(describeIssue);
    const hint = problems.some((p) => p.includes('Unrecognized key'))
      ? ' Secrets are not allowed in the file: use secrets: { jira: { env: VAR } } or { file: /path }.'
      : '';
    throw new ConnectorsFileError(`${path}: ${problems.join('; ')}.${hint}`);
  }
  const names = new Set<string>();
  for (const c of parsed.data.connectors) {
    if (names.has(c.name)) throw new ConnectorsFileError(`${path}: connector "${c.name}" appears twice.`);
    names.add(c.name);
  }
  return parsed.data.connectors.map((c) => toSpec(c, path));
}

/** A key is echoed only when it looks like a field name: a mis-pasted secret can end up as a key. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,39}$/;

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.join('.') || '(top)';
  if (issue.code !== 'unrecognized_keys') return `${where}: ${issue.message}`;
  const keys = issue.keys.map((k) => (FIELD_NAME.test(k) ? `"${k}"` : 'a key that is not a field name'));
  return `${where}: Unrecognized key${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}`;
}

function toSpec(c: z.infer<typeof connector>, path: string): ConnectorSpec {
  return {
    name: c.name,
    jira: { url: c.jira, kind: c.kind, ...(c.apiUrl ? { apiUrl: c.apiUrl } : {}) },
    ...(c.align
      ? { align: { url: c.align, ...(c.alignConnectorId ? { connectorId: c.alignConnectorId } : {}) } }
      : {}),
    auth: c.auth,
    ...(c.email ? { email: c.email } : {}),
    ...(c.project ? { project: c.project } : {}),
    ...(c.consumerKey || c.publicKeyFile || c.tokenConsumerKey
      ? {
          oauth: {
            ...(c.consumerKey ? { consumerKey: c.consumerKey } : {}),
            ...(c.tokenConsumerKey ? { tokenConsumerKey: c.tokenConsumerKey } : {}),
            ...(c.publicKeyFile ? { publicKey: readKeyFile(c.publicKeyFile, path) } : {}),
          },
        }
      : {}),
    ...(c.tokenExpiresAt ? { tokenExpiresAt: c.tokenExpiresAt } : {}),
    ...(c.secrets ? { secrets: c.secrets } : {}),
    active: true,
    source: 'file',
  };
}

function readKeyFile(keyPath: string, path: string): string {
  try {
    return readFileSync(keyPath, 'utf8');
  } catch {
    throw new ConnectorsFileError(`${path}: publicKeyFile ${keyPath} cannot be read.`);
  }
}
