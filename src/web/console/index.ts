/**
 * The sandbox console (issue 11): one page at `/` with a tab per chat platform, each backed by its simulator, and
 * the simulated Jira and Jira Align admin panels beside it. Mounted by the web process in sandbox mode only, which
 * then listens on 127.0.0.1; every route also refuses non-loopback hosts and cross-site requests.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { Sandbox } from '../../sandbox/sandbox.js';
import { SANDBOX_USERS } from '../../sandbox/sandbox.js';
import { TEAMS_SIM_USERS } from '../../sandbox/teams-sim-state.js';
import { adminRouter } from './admin-routes.js';
import { adaptiveCardsScript, consoleAssetsDir } from './assets.js';
import { EventHub } from './events.js';
import { loopbackOnly } from './guard.js';
import { slackRouter } from './slack-routes.js';
import { TEAMS_CHANNEL, TEAMS_PERSONAS, teamsRouter } from './teams-routes.js';

export const CONSOLE_CHANNEL = { id: 'CSANDBOX', name: 'align-sandbox' };

/** The chat platforms the console has a tab for; a platform's routes live under /console/api/<id>/. */
function platforms(sandbox: Sandbox) {
  return [
    { id: 'slack', label: 'Slack', channel: CONSOLE_CHANNEL },
    { id: 'teams', label: 'Teams', channel: TEAMS_CHANNEL, bot: sandbox.teams.sim.bot.name },
  ];
}

export function mountConsole(app: Router, sandbox: Sandbox, logger: Logger): { close(): void } {
  const events = new EventHub();
  const onChange = () => events.send('admin');
  sandbox.world.events.on('change', onChange);
  const router = express.Router();
  router.use('/console', loopbackOnly);
  router.use('/console/api', express.json({ limit: '64kb' }));
  router.get('/console/api/events', events.stream);
  router.get('/console/api/info', (_req, res) => {
    res.json({
      platforms: platforms(sandbox),
      users: users(),
      demos: sandbox.demos,
      rehearsal: rehearsal(sandbox),
    });
  });
  const slack = slackRouter(sandbox.slack, events, logger);
  router.use(slack);
  const teams = teamsRouter(sandbox.teams.sim, events, logger);
  router.use(teams);
  router.use(adminRouter(sandbox.world, logger));
  router.use('/console/api', (_req, res) => {
    res.status(404).json({ error: 'No such console route.' });
  });
  const adaptiveCards = adaptiveCardsScript();
  router.get('/console/vendor/adaptivecards.min.js', (_req, res) => {
    if (!adaptiveCards)
      return void res.status(404).type('text/plain').send('adaptivecards is not installed.');
    res.sendFile(adaptiveCards);
  });
  const assets = consoleAssetsDir();
  if (assets) {
    router.use('/console', express.static(assets, { index: false, fallthrough: false }));
    router.get('/', loopbackOnly, (_req, res) => res.sendFile('index.html', { root: assets }));
  } else {
    router.get('/', loopbackOnly, (_req, res) => {
      res
        .status(404)
        .type('text/plain')
        .send('The console’s files (src/web/console/static) are not installed here.');
    });
  }
  router.use('/console', failure(logger));
  app.use(router);
  return {
    close() {
      sandbox.world.events.off('change', onChange);
      slack.close();
      teams.close();
      events.close();
    },
  };
}

/** The sandbox's people: their Slack user id (the picker's value) and who they are in Teams. */
function users() {
  const roles = { admin: 'Align Bot admin', operator: 'operator', approver: 'approver' };
  return TEAMS_PERSONAS.map((name) => ({
    id: SANDBOX_USERS[name],
    name,
    role: roles[name],
    teams: { user: name, id: TEAMS_SIM_USERS[name].id, name: TEAMS_SIM_USERS[name].name },
  }));
}

/** The rehearsal sites and the commands that use them, ready to paste. */
function rehearsal(sandbox: Sandbox) {
  const r = sandbox.rehearsal;
  const base = `connect ${r.name} --jira ${r.jira} --align ${r.align}`;
  return {
    ...r,
    commands: [
      `/align ${base} --auth oauth --email ${r.email} --project ${r.project}`,
      `/align ${base} --auth basic --email ${r.email} --project ${r.project}`,
    ],
  };
}

/** Body-parser refusals, missing files and anything thrown: a short answer, never a stack trace. */
function failure(logger: Logger) {
  return (error: { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500)
      logger.warn({ err: { message: String((error as Error).message) } }, 'console route failed');
    const message =
      status === 404
        ? 'Not found.'
        : status === 413
          ? 'The request is too large.'
          : status === 400
            ? 'The request body is not valid JSON.'
            : status === 500
              ? 'Something went wrong.'
              : 'The request was refused.';
    res.status(status).json({ error: message });
  };
}
