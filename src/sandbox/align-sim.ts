/**
 * A Jira Align simulator on loopback HTTP, serving any number of instances by Host header (reference §6): REST API
 * 2.0 with `Authorization: bearer <token>` compared verbatim (Align tokens hold any character), `/Users`, and a
 * connector's `/projects` and `/boards` with settable `errorMessage`s, paged with `$top`/`$skip` (at most 100).
 * Like the real one it sits behind Cloudflare (`cf-ray` on every answer): faults give Cloudflare's 403 error 1006
 * page for a blocked IP address and a 502 gateway page; unknown routes answer 404 with an empty body.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, LoopbackServer } from './loopback-server.js';

export const ALIGN_FAULTS = ['ip-blocked', 'server-error'] as const;
export type AlignFault = (typeof ALIGN_FAULTS)[number];

export interface AlignUser {
  id: number;
  firstName: string;
  lastName: string;
  email: string;
  token: string;
}

export interface AlignProject {
  projectId: number;
  projectKey: string;
  projectName: string;
  programId: number;
  errorMessage: string | null;
}

export interface AlignBoard {
  id: number;
  boardId: number;
  boardName: string;
  connectorId: number;
  programId: number;
  teamId: number;
  teamName: string;
  areSprintsEnabled: boolean;
  errorMessage: string | null;
}

export interface AlignConnector {
  id: number;
  projects: AlignProject[];
  boards: AlignBoard[];
}

const API = '/rest/align/api/2';
const MAX_TOP = 100;
const DENIED = { message: 'Authorization has been denied for this request.' };

export class AlignInstance {
  readonly host: string;
  users: AlignUser[] = [];
  readonly connectors = new Map<number, AlignConnector>();
  fault?: AlignFault;
  latencyMs = 0;
  /** Authorization headers exactly as received, for tests that check a token arrived byte for byte. */
  readonly authorizations: string[] = [];
  /** Requests per lower-cased path. */
  readonly hits = new Map<string, number>();

  constructor(host: string) {
    this.host = host.toLowerCase();
  }

  addUser(token: string, email = `user${this.users.length + 1}@align.example`): AlignUser {
    const n = this.users.length + 1;
    const user = { id: 100 + n, firstName: 'Align', lastName: `User ${n}`, email, token };
    this.users.push(user);
    return user;
  }

  addConnector(id = this.connectors.size + 1): AlignConnector {
    const connector = { id, projects: [], boards: [] };
    this.connectors.set(id, connector);
    return connector;
  }

  addProject(connector: AlignConnector, key: string, errorMessage: string | null = null): AlignProject {
    const project = {
      projectId: 10_000 + connector.projects.length,
      projectKey: key,
      projectName: `${key} project`,
      programId: 1,
      errorMessage,
    };
    connector.projects.push(project);
    return project;
  }

  addBoard(connector: AlignConnector, name: string, errorMessage: string | null = null): AlignBoard {
    const n = connector.boards.length + 1;
    const board = {
      id: n,
      boardId: 100 + n,
      boardName: name,
      connectorId: connector.id,
      programId: 1,
      teamId: 200 + n,
      teamName: `${name} team`,
      areSprintsEnabled: true,
      errorMessage,
    };
    connector.boards.push(board);
    return board;
  }

  userByToken(token: string): AlignUser | undefined {
    return this.users.find((u) => u.token === token);
  }
}

export class AlignSim extends LoopbackServer {
  readonly instances = new Map<string, AlignInstance>();

  addInstance(host: string): AlignInstance {
    const instance = new AlignInstance(host);
    this.instances.set(instance.host, instance);
    return instance;
  }

  /** The URL a client uses for `host` (which must resolve to this server: ALIGN_BOT_RESOLVE). */
  instanceUrl(host: string): string {
    return `http://${host}:${this.port}`;
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for await (const _ of req); // drain the body; no route reads one
    const url = new URL(req.url ?? '/', 'http://align');
    const hostname = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const instance = this.instances.get(hostname);
    res.setHeader('server', 'cloudflare');
    res.setHeader('cf-ray', `${randomBytes(8).toString('hex')}-FRA`);
    if (!instance) return void res.writeHead(404).end();
    const path = url.pathname.toLowerCase();
    instance.hits.set(path, (instance.hits.get(path) ?? 0) + 1);
    const authorization = rawHeader(req, 'authorization');
    if (authorization !== undefined) instance.authorizations.push(authorization);
    if (instance.latencyMs > 0) await new Promise((r) => setTimeout(r, instance.latencyMs));
    if (instance.fault === 'ip-blocked') return cloudflarePage(res, 403, blockedPage(req, hostname));
    if (instance.fault === 'server-error') return cloudflarePage(res, 502, BAD_GATEWAY);
    route(instance, req, res, url, path, authorization);
  }
}

function route(
  instance: AlignInstance,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  path: string,
  authorization: string | undefined,
): void {
  const connector = /^\/rest\/align\/api\/2\/connectors\/(\d+)\/(projects|boards)\/?$/.exec(path);
  const known = path === `${API}/users` || path === `${API}/users/` || connector;
  if (!known) return void res.writeHead(404).end();
  if (req.method !== 'GET')
    return json(res, 405, { message: `The requested resource does not support ${req.method}.` });
  const token = /^bearer (.*)$/is.exec(authorization ?? '')?.[1];
  if (token === undefined || !instance.userByToken(token)) {
    res.setHeader('www-authenticate', 'Bearer');
    return json(res, 401, DENIED);
  }
  if (!connector)
    return json(
      res,
      200,
      page(
        instance.users.map(({ token: _, ...u }) => u),
        url,
      ),
    );
  const found = instance.connectors.get(Number(connector[1]));
  if (!found) return json(res, 404, { message: `Connector ${connector[1]} was not found.` });
  const items: object[] = connector[2] === 'projects' ? found.projects : found.boards;
  return json(res, 200, page(items, url));
}

function page<T>(items: T[], url: URL): T[] {
  const top = Math.min(MAX_TOP, Math.max(0, Number(url.searchParams.get('$top') ?? MAX_TOP) || 0));
  const skip = Math.max(0, Number(url.searchParams.get('$skip') ?? 0) || 0);
  return items.slice(skip, skip + top);
}

/** Node keeps the header bytes as latin1 in rawHeaders: exactly what was sent, for ASCII tokens byte for byte. */
function rawHeader(req: IncomingMessage, name: string): string | undefined {
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === name) return req.rawHeaders[i + 1];
  }
  return undefined;
}

function blockedPage(req: IncomingMessage, host: string): string {
  const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  return `<!DOCTYPE html><html lang="en-US"><head><title>Access denied | ${host} used Cloudflare to restrict access</title></head><body><div id="cf-wrapper"><div id="cf-error-details"><h1><span class="cf-error-type">Error</span> <span class="cf-error-code">1006</span></h1><h2 class="cf-subheadline">Access denied</h2><p>The owner of this website (${host}) has banned your IP address (${ip}).</p><div class="cf-error-footer"><span>Your IP: <span class="hidden" id="cf-footer-ip">${ip}</span></span> <span>Performance &amp; security by Cloudflare</span></div></div></div></body></html>`;
}

const BAD_GATEWAY =
  '<!DOCTYPE html><html><head><title>502 Bad gateway</title></head><body><h1>Bad gateway <span class="code-label">Error code 502</span></h1><p>Performance &amp; security by Cloudflare</p></body></html>';

function cloudflarePage(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=UTF-8' }).end(body);
}
