/**
 * The baseline of bench/ack.ts: a bare Bolt app that acks /align and does nothing else, on Bolt's own
 * HTTPReceiver. Run as a child process: env PORT, SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_API_URL.
 */
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';

const env = process.env;
const app = new App({
  signingSecret: env.SLACK_SIGNING_SECRET!,
  token: env.SLACK_BOT_TOKEN!,
  receiver: new HTTPReceiver({ signingSecret: env.SLACK_SIGNING_SECRET! }),
  clientOptions: { slackApiUrl: env.SLACK_API_URL! },
  logLevel: LogLevel.ERROR,
});
app.command('/align', async ({ ack }) => {
  await ack();
});
await app.start(Number(env.PORT));
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void app.stop().then(() => process.exit(0));
});
