/**
 * Align Bot with Teams for bench/teams.ts, as a child process: `align-bot web` or `start` from the environment
 * (MicrosoftAppId, the endpoint group pointing at the Teams simulator, ALIGN_BOT_TEAMS_TENANTS, …), with one
 * difference: outbound connector calls carry the simulator's token (BENCH_TEAMS_BOT_TOKEN) instead of one from
 * Entra, which the simulator cannot issue to another process. Argument: web | start.
 */
import { tokenCredentials } from '../../src/chat/teams/credentials.js';
import type { TeamsSettings } from '../../src/chat/teams/settings.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { connectInfra, type Stoppable, startWeb, startWorkers } from '../../src/services.js';

const env = process.env;
const mode = process.argv[2] === 'start' ? 'start' : 'web';
const config = loadConfig(env);
const teams = config.platforms.teams as TeamsSettings | undefined;
if (!teams?.appId) throw new Error('bench/lib/teams-bot: set MicrosoftAppId and the Teams endpoint group');
const token = env.BENCH_TEAMS_BOT_TOKEN ?? '';
config.platforms.teams = { ...teams, credentials: tokenCredentials(teams.appId, () => token) };
const logger = createLogger(env.LOG_LEVEL ?? 'warn');
const stack: Stoppable[] = [];
if (mode === 'start') {
  const worker = await connectInfra(config, logger, 'worker');
  stack.push(worker, await startWorkers(worker));
}
const infra = await connectInfra(config, logger, 'web');
const web = await startWeb(infra, config.port);
stack.push(infra, web);
process.stdout.write(`ready ${web.port}\n`);
process.once('SIGTERM', () => {
  void (async () => {
    for (const item of stack.reverse()) await item.close().catch(() => undefined);
    process.exit(0);
  })();
});
