/**
 * Slack as a chat platform: Bolt on /slack/events (or, in Socket Mode, on the bot's own connection to Slack and no
 * HTTP route), the Web API client for workers (which logs at start whether it can look posts up), "/align" for
 * its users.
 */
import type { ChatPlatform, Ingress } from '../platform.js';
import { createSlackApp } from './app.js';
import { SlackChat } from './client.js';
import { SLACK_EVENTS_PATH, slackEndpoint } from './ingress.js';
import type { SlackSettings } from './settings.js';

export const slackPlatform: ChatPlatform<SlackSettings> = {
  id: 'slack',
  commandPrefix: '/align',
  async ingress(settings, deps) {
    const slack = await createSlackApp({
      ...settings,
      commands: deps.commands,
      actions: deps.actions,
      roles: { ...deps.roles },
      logger: deps.logger,
    });
    const listener = slack.requestListener;
    const routes: Ingress['routes'] = {};
    if (listener) routes[SLACK_EVENTS_PATH] = slackEndpoint(listener, deps.logger);
    return {
      routes,
      close: () => slack.stop(),
    };
  },
  chat(settings, deps) {
    const chat = new SlackChat({
      token: settings.botToken,
      apiUrl: settings.apiUrl,
      historyLookupsPerMinute: settings.historyLookupsPerMinute,
      logger: deps.logger,
    });
    // Once at start: which scopes the app has decides (and logs) how an ambiguous post is resolved.
    void chat.lookup.check();
    return chat;
  },
};
