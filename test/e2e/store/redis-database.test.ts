/**
 * REDIS_URL naming a database the server does not have (`redis://host:6379/99` on a server with 16): ioredis only
 * emits the SELECT's error and carries on in database 0, so the bot would have run on data not its own. The start
 * refuses it as a REDIS_URL config error instead; a database that exists is used.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { connectInfra } from '../../../src/services.js';
import { REDIS_URL, testPrefix } from '../../helpers/redis.js';

const prefix = testPrefix('redis-database');
const logger = createLogger('silent');
const configFor = (url: string) =>
  loadConfig({ REDIS_URL: url, ALIGN_BOT_REDIS_PREFIX: prefix }, '/nonexistent/.env');
const base = new URL(REDIS_URL);
const withDb = (db: number) => `${base.protocol}//${base.host}/${db}`;

describe('a REDIS_URL database number', () => {
  it('that the server does not have is a REDIS_URL config error, not a silent database 0', async () => {
    const failure = await connectInfra(configFor(withDb(9999)), logger, 'web').then(
      async (infra) => {
        await infra.close();
        return undefined;
      },
      (error: Error) => error,
    );
    expect(failure).toBeInstanceOf(ConfigError);
    expect(failure?.message).toMatch(/REDIS_URL/);
    expect(failure?.message).toMatch(/database 9999/);
  });

  it('that exists is used', async () => {
    const infra = await connectInfra(configFor(withDb(0)), logger, 'web');
    await infra.close();
  });
});
