/**
 * The CLI's looks at the bot's state (`report`, `maintenance start|end`) with a REDIS_URL naming a database the
 * server does not have: a configuration error naming REDIS_URL (exit 2), as at `start` — not a silent look at
 * database 0, where another deployment's data may live.
 */
import { describe, expect, it } from 'vitest';
import { runBot } from '../../helpers/process.js';
import { REDIS_URL } from '../../helpers/redis.js';

const env = { REDIS_URL: `${REDIS_URL.replace(/\/\d*$/, '')}/99`, LOG_LEVEL: 'silent' };

describe('a REDIS_URL database the server lacks', () => {
  it.each([[['report']], [['maintenance', 'start', 'acme']], [['maintenance', 'end', 'acme']]])(
    '%j: exit 2, naming REDIS_URL and the database',
    async (args) => {
      const { code, stderr } = await runBot(args, env);
      expect(code).toBe(2);
      expect(stderr).toContain('REDIS_URL: this Redis has no database 99');
    },
    30_000,
  );
});
