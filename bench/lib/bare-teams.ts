/**
 * The baseline of bench/teams.ts: a bare botbuilder app — CloudAdapter behind express.json() on /api/messages,
 * authenticated the same way as Align Bot (ConfigurationBotFrameworkAuthentication with the simulator's endpoint
 * group, the simulator's token outbound) — that answers every message with a short text. Run as a child process:
 * env PORT, MicrosoftAppId, the endpoint group, BENCH_TEAMS_BOT_TOKEN.
 */
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import express from 'express';
import { tokenCredentials } from '../../src/chat/teams/credentials.js';
import { ENDPOINT_KEYS, OPTIONAL_ENDPOINT_KEYS } from '../../src/chat/teams/settings.js';

const env = process.env;
const appId = env.MicrosoftAppId ?? '';
const endpoints = Object.fromEntries(
  [...ENDPOINT_KEYS, ...OPTIONAL_ENDPOINT_KEYS].flatMap((k) => (env[k] ? [[k, env[k]]] : [])),
);
const token = env.BENCH_TEAMS_BOT_TOKEN ?? '';
const adapter = new CloudAdapter(
  new ConfigurationBotFrameworkAuthentication(
    { ...endpoints, MicrosoftAppId: appId },
    tokenCredentials(appId, () => token),
  ),
);
const app = express();
app.post('/api/messages', express.json(), (req, res) => {
  void adapter.process(req, res, async (ctx) => {
    if (ctx.activity.type === 'message') await ctx.sendActivity('ok');
  });
});
const server = app.listen(Number(env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
