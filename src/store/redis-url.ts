/**
 * REDIS_URL in its three forms: one server (`redis://`, `rediss://`, as ioredis reads it), a Redis Cluster given by
 * seed nodes (`redis+cluster://[user:password@]host:port,host:port`), or a Sentinel group
 * (`redis+sentinel://[user:password@]host:port,host:port/<master name>`). A `rediss+` scheme turns TLS on. Plain
 * ioredis accepts neither list form, and `new URL` cannot read a host list, hence this parser.
 */
export interface RedisNode {
  host: string;
  port: number;
}

interface Credentials {
  username?: string;
  password?: string;
  tls: boolean;
}

export type RedisTarget =
  | { kind: 'single'; url: string }
  | ({ kind: 'cluster'; nodes: RedisNode[] } & Credentials)
  | ({ kind: 'sentinel'; sentinels: RedisNode[]; name: string } & Credentials);

export class RedisUrlError extends Error {}

const LIST_SCHEME = /^(rediss?)\+(cluster|sentinel):\/\/(.*)$/s;
const NODE = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9._-]+))(?::(\d{1,5}))?$/i;

export function parseRedisUrl(url: string): RedisTarget {
  // URL parsing drops tabs and line breaks where ioredis's own reading does not (it then took the rest, password
  // included, for a socket path and printed it): refused, as other control characters are.
  if (/[\u0000-\u001f\u007f]/.test(url))
    throw new RedisUrlError('it holds a tab, line break or other control character');
  const list = LIST_SCHEME.exec(url);
  if (!list) return { kind: 'single', url: singleUrl(url) };
  const [, scheme, kind, rest] = list;
  // The credentials end at the last @, as in a single URL: a password may hold / ? # @ : (base64 ones hold /), and
  // nothing of it may reach the host list, whose parts errors quote.
  const at = rest!.lastIndexOf('@');
  const credentials = { ...parseUserinfo(at < 0 ? undefined : rest!.slice(0, at)), tls: scheme === 'rediss' };
  const [, hosts, path] = /^([^/?#]*)(?:\/([^/?#]*))?$/.exec(rest!.slice(at + 1)) ?? [];
  if (hosts === undefined)
    throw new RedisUrlError(`a ${kind} URL takes no ?options or #fragment, and at most one /path part`);
  if (!hosts) throw new RedisUrlError(`a ${kind} URL lists at least one host:port`);
  const nodes = hosts.split(',').map((node) => parseNode(node, kind === 'cluster' ? 6379 : 26379));
  if (kind === 'cluster') {
    if (path && path !== '0')
      throw new RedisUrlError('a cluster URL has no path (a cluster has no databases but 0)');
    return { kind: 'cluster', nodes, ...credentials };
  }
  if (!path) throw new RedisUrlError('a Sentinel URL ends with /<master name>, e.g. /mymaster');
  return { kind: 'sentinel', sentinels: nodes, name: decoded(path, 'the master name'), ...credentials };
}

/** Where it points, without credentials: for messages and logs. */
export function describeRedisTarget(target: RedisTarget): string {
  const host = (name: string) => (name.includes(':') ? `[${name}]` : name);
  const list = (nodes: RedisNode[]) => nodes.map((n) => `${host(n.host)}:${n.port}`).join(',');
  if (target.kind === 'cluster') return `the cluster nodes ${list(target.nodes)}`;
  if (target.kind === 'sentinel')
    return `the master "${target.name}" of the Sentinels ${list(target.sentinels)}`;
  const { hostname, port } = new URL(target.url);
  return `${hostname}:${port || 6379}`;
}

function singleUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RedisUrlError('not a URL');
  }
  if (!/^rediss?:$/.test(parsed.protocol))
    throw new RedisUrlError(
      `the scheme ${parsed.protocol}// is not one of redis, rediss, redis+cluster, redis+sentinel`,
    );
  // ioredis reads these when it connects; checked here they are a config error, not a crash or a failed SELECT.
  if (!parsed.hostname) throw new RedisUrlError('the URL names no host');
  decoded(parsed.username, 'the user');
  decoded(parsed.password, 'the password');
  if (!/^\/?\d*$/.test(parsed.pathname)) throw new RedisUrlError('the path is a database number, e.g. /0');
  return url;
}

function parseUserinfo(userinfo: string | undefined): { username?: string; password?: string } {
  if (!userinfo) return {};
  const colon = userinfo.indexOf(':');
  const [user, password] = colon < 0 ? [userinfo, ''] : [userinfo.slice(0, colon), userinfo.slice(colon + 1)];
  return {
    ...(user ? { username: decoded(user, 'the user') } : {}),
    ...(password ? { password: decoded(password, 'the password') } : {}),
  };
}

/** Never quotes the text: it may be a password. */
function decoded(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new RedisUrlError(`${what} is not percent-encoded correctly (a % starts %XX)`);
  }
}

function parseNode(text: string, defaultPort: number): RedisNode {
  const match = NODE.exec(text.trim());
  const port = match?.[3] === undefined ? defaultPort : Number(match[3]);
  if (!match || port < 1 || port > 65535) throw new RedisUrlError(`"${text.slice(0, 100)}" is not host:port`);
  return { host: match[1] ?? match[2]!, port };
}

/** The forms REDIS_URL takes, for config errors. */
export const REDIS_URL_FORMS =
  'redis://[user:password@]host:6379, rediss:// for TLS; a cluster: redis+cluster://[user:password@]host:port,host:port; Sentinel: redis+sentinel://[user:password@]host:26379,host:26379/<master name>';

/**
 * On a cluster, BullMQ's multi-key scripts and ours need every key in one slot: the prefix becomes a hash tag
 * (`align` → `{align}`), BullMQ's documented way. A prefix already in braces is kept.
 */
export function keyPrefixFor(target: RedisTarget, prefix: string): string {
  if (target.kind !== 'cluster' || /^\{[^}]+\}$/.test(prefix)) return prefix;
  return `{${prefix}}`;
}
