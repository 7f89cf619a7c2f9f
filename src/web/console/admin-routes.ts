/**
 * The admin panels' HTTP actions: one POST per control of the simulated Jira admin, Jira Align admin and "break
 * it" menus, validated, applied to the sandbox world, and answered with what the panel shows next. A refusal
 * (AdminError, bad input) is a 400 with the message a real admin UI would show.
 */
import { type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ALIGN_BREAKS } from '../../sandbox/admin/align-breaks.js';
import { accessRequest, authorize, decideAccess } from '../../sandbox/admin/align-oauth.js';
import { connectionProblem } from '../../sandbox/admin/align-sync.js';
import { JIRA_BREAKS } from '../../sandbox/admin/breaks.js';
import * as jiraAdmin from '../../sandbox/admin/jira-admin.js';
import { AdminError } from '../../sandbox/admin/jira-admin.js';
import type { SandboxWorld } from '../../sandbox/admin/world.js';
import { adminView } from './admin-views.js';
import { PasswordManager } from './password-manager.js';

type Body = Record<string, unknown>;
type Action = (world: SandboxWorld, host: string, body: Body) => unknown | Promise<unknown>;

const email = z.string().min(1);
const on = z.boolean();
const isoDate = z.iso.date();

function parse<T extends z.ZodType>(schema: T, body: Body): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AdminError(`${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Midnight UTC of an ISO date. */
function dateMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

function jiraActions(vault: PasswordManager): Record<string, Action> {
  const site = (world: SandboxWorld, host: string) => world.site(host);
  return {
    'token.create': (world, host, body) => {
      const input = parse(
        z.object({
          email,
          label: z.string().max(60).optional(),
          expiresAt: isoDate.optional(),
          scoped: on.optional(),
        }),
        body,
      );
      const token = jiraAdmin.createApiToken(site(world, host), input.email, {
        ...(input.label ? { label: input.label } : {}),
        ...(input.expiresAt ? { expiresAt: dateMs(input.expiresAt) } : {}),
        ...(input.scoped ? { scoped: true } : {}),
      });
      vault.remember(host, input.email, token);
      // Shown once, as Atlassian does: copy it now.
      return { token: { id: token.id, label: token.label, value: token.value } };
    },
    'token.revoke': (world, host, body) => {
      const input = parse(z.object({ email, id: z.string() }), body);
      jiraAdmin.revokeApiToken(site(world, host), input.email, input.id);
    },
    'token.expiry': (world, host, body) => {
      const input = parse(z.object({ email, id: z.string(), expiresAt: isoDate.nullable() }), body);
      const at = input.expiresAt === null ? undefined : dateMs(input.expiresAt);
      jiraAdmin.setTokenExpiry(site(world, host), input.email, input.id, at);
    },
    'account.product': (world, host, body) => {
      const input = parse(z.object({ email, on }), body);
      jiraAdmin.setProductAccess(site(world, host), input.email, input.on);
    },
    'account.admin': (world, host, body) => {
      const input = parse(z.object({ email, on }), body);
      jiraAdmin.setSiteAdmin(site(world, host), input.email, input.on);
    },
    'account.permission': (world, host, body) => {
      const input = parse(z.object({ email, project: z.string(), permission: z.string(), on }), body);
      jiraAdmin.setProjectPermission(
        site(world, host),
        input.email,
        input.project,
        input.permission,
        input.on,
      );
    },
    'site.allowlist': (world, host, body) =>
      jiraAdmin.setIpAllowlist(site(world, host), parse(z.object({ on }), body).on),
    'site.captcha': (world, host, body) =>
      jiraAdmin.setCaptcha(site(world, host), parse(z.object({ on }), body).on),
    'site.rename': (world, host, body) => {
      const renamed = jiraAdmin.renameSite(
        world.jira,
        site(world, host),
        parse(z.object({ name: z.string() }), body).name,
      );
      return { host: renamed.host };
    },
    'link.create': (world, host, body) => {
      const input = parse(z.object({ url: z.string(), name: z.string().optional() }), body);
      const link = jiraAdmin.createAppLink(site(world, host), input.url, input.name);
      return {
        id: link.id,
        warning: `No response was received from the URL you entered (${link.rpcUrl}). It may not be valid. Continue anyway?`,
      };
    },
    'link.update': (world, host, body) => {
      const input = parse(
        z.object({
          id: z.string(),
          name: z.string().optional(),
          consumerKey: z.string().optional(),
          consumerName: z.string().optional(),
          publicKey: z.string().max(20_000).optional(),
        }),
        body,
      );
      const { id, ...edit } = input;
      jiraAdmin.updateAppLink(site(world, host), id, edit);
    },
    'link.clear-auth': (world, host, body) =>
      jiraAdmin.clearIncomingAuth(site(world, host), parse(z.object({ id: z.string() }), body).id),
    'link.delete': (world, host, body) =>
      jiraAdmin.deleteAppLink(site(world, host), parse(z.object({ id: z.string() }), body).id),
    'oauth.revoke': (world, host, body) =>
      jiraAdmin.revokeOAuthToken(site(world, host), parse(z.object({ handle: z.string() }), body).handle),
  };
}

const settings = z.object({
  name: z.string().max(100).optional(),
  jiraLink: z.string().max(500).optional(),
  apiUrl: z.string().max(500).optional(),
  authType: z.enum(['oauth', 'basic', 'pat']).optional(),
  consumerKey: z.string().max(200).optional(),
  username: z.string().max(200).optional(),
  apiToken: z.string().max(500).optional(),
  /** A token from the sandbox's password manager instead of a typed one. */
  apiTokenFrom: z.string().optional(),
});

function alignActions(vault: PasswordManager): Record<string, Action> {
  const connector = (world: SandboxWorld, host: string, body: Body) =>
    world.align.connector(world.align.instance(host), parse(z.object({ id: z.number().int() }), body).id);
  return {
    'connector.add': (world, host) => ({ id: world.align.add(world.align.instance(host)).connector.id }),
    'connector.save': (world, host, body) => {
      const { apiTokenFrom, ...input } = parse(settings, body);
      const apiToken = apiTokenFrom ? vault.value(apiTokenFrom) : input.apiToken;
      world.align.save(connector(world, host, body), { ...input, ...(apiToken ? { apiToken } : {}) });
    },
    'connector.generate-key': (world, host, body) => ({
      publicKey: world.align.generateKey(connector(world, host, body)),
    }),
    'connector.authorize': async (world, host, body) => authorize(world, connector(world, host, body)),
    'connector.request-access': (world, host, body) => accessRequest(world, connector(world, host, body)),
    'connector.decide': async (world, host, body) => {
      const input = parse(z.object({ email, allow: on }), body);
      await decideAccess(world, connector(world, host, body), input.email, input.allow);
    },
    'connector.activate': (world, host, body) => world.align.activate(connector(world, host, body)),
    'connector.deactivate': (world, host, body) => world.align.deactivate(connector(world, host, body)),
    'connector.light': (world, host, body) =>
      world.align.setServiceLight(
        connector(world, host, body),
        parse(z.object({ light: z.enum(['green', 'gray']) }), body).light,
      ),
    'connector.test-now': (world, host, body) => {
      const problem = connectionProblem(world, connector(world, host, body));
      return { result: problem ? `Test failed: ${problem}` : 'Test successful: Jira Align reached Jira.' };
    },
    'project.add': (world, host, body) =>
      world.align.addProject(connector(world, host, body), parse(z.object({ key: z.string() }), body).key),
    'project.remove': (world, host, body) =>
      world.align.removeProject(connector(world, host, body), parse(z.object({ key: z.string() }), body).key),
    'project.error': (world, host, body) => {
      const input = parse(z.object({ key: z.string(), message: z.string().max(300).optional() }), body);
      world.align.forceProjectError(connector(world, host, body), input.key, input.message);
    },
  };
}

async function toggleBreak(world: SandboxWorld, body: Body): Promise<void> {
  const input = parse(
    z.object({ kind: z.enum(['jira', 'align']), host: z.string(), id: z.string(), on }),
    body,
  );
  if (input.kind === 'jira') {
    const found = JIRA_BREAKS.find((b) => b.id === input.id);
    if (!found) throw new AdminError(`No break ${input.id}.`);
    const site = world.site(input.host);
    if (input.on) await found.apply(world, site);
    else await found.repair(world, site);
    return;
  }
  const found = ALIGN_BREAKS.find((b) => b.id === input.id);
  if (!found) throw new AdminError(`No break ${input.id}.`);
  const instance = world.align.instance(input.host);
  if (input.on) await found.apply(world, instance);
  else await found.repair(world, instance);
}

export function adminRouter(world: SandboxWorld, logger: Logger): Router {
  const vault = new PasswordManager(world);
  const router = Router();
  const jira = jiraActions(vault);
  const align = alignActions(vault);
  const run = (fn: (req: Request) => unknown) => async (req: Request, res: Response) => {
    try {
      const result = await fn(req);
      world.changed();
      res.json({ ok: true, ...(result && typeof result === 'object' ? result : {}) });
    } catch (error) {
      if (error instanceof AdminError) {
        world.changed();
        res.status(400).json({ error: error.message });
        return;
      }
      logger.warn({ err: { message: (error as Error).message } }, 'console action failed');
      res.status(500).json({ error: 'That did not work; the sandbox log has the details.' });
    }
  };
  router.get('/console/api/admin', (_req, res) => {
    res.json({ ...adminView(world), passwords: vault.list() });
  });
  router.post(
    '/console/api/jira/:host/:action',
    run((req) => dispatch(jira, world, req)),
  );
  router.post(
    '/console/api/align/:host/:action',
    run((req) => dispatch(align, world, req)),
  );
  router.post(
    '/console/api/breaks',
    run((req) => toggleBreak(world, req.body as Body)),
  );
  return router;
}

function dispatch(actions: Record<string, Action>, world: SandboxWorld, req: Request) {
  const action = Object.hasOwn(actions, String(req.params.action))
    ? actions[String(req.params.action)]
    : undefined;
  if (!action) throw new AdminError(`Unknown action ${String(req.params.action)}.`);
  return action(world, String(req.params.host), (req.body ?? {}) as Body);
}
