/**
 * Jira Align through the CLI (`align-bot test … --align URL --align-token-env VAR --align-connector ID --json`)
 * against the Jira Align simulator: one row per outcome, each asserting the exact code in the JSON; the token sent
 * verbatim, byte for byte; and no token in anything the CLI printed.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliWorld } from '../../helpers/cli-world.js';

/** Jira Align's own example of what its tokens look like (reference §6). */
const SPECIAL_TOKEN = 'user:999999|w~h<1p7Fj$z]tR@F&qT7bUeF/0Y[1tN{hmqP2E;T';

let w: CliWorld;
let jiraArgs: string[];

beforeAll(async () => {
  w = await CliWorld.start();
  const dc = w.dcSite('align-jira');
  jiraArgs = ['--jira', dc.url, '--dc', '--pat-env', dc.patEnv];
});

afterAll(async () => {
  await w.stop();
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Expect {
  id: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  code?: string;
  detail?: RegExp;
}

const rows: Array<{ name: string; argv: () => Promise<string[]> | string[]; expect: Expect[] }> = [
  {
    name: 'a token Jira Align does not know: ALIGN_TOKEN_REJECTED',
    argv: () => {
      const align = w.alignInstance('al-rejected');
      const stale = w.secret('al_rejected_stale', 'user:42|an-old-token-replaced-by-a-newer-one');
      return ['--align', align.url, '--align-token-env', stale];
    },
    expect: [
      { id: 'align-reach', status: 'pass' },
      {
        id: 'align-token',
        status: 'fail',
        code: 'ALIGN_TOKEN_REJECTED',
        detail: /401: Authorization has been denied/,
      },
    ],
  },
  {
    name: 'Cloudflare refuses the caller’s IP address (403, error 1006): ALIGN_IP_BLOCKED',
    argv: () => {
      const align = w.alignInstance('al-blocked');
      align.instance.fault = 'ip-blocked';
      return ['--align', align.url, '--align-token-env', align.tokenEnv];
    },
    expect: [
      {
        id: 'align-reach',
        status: 'fail',
        code: 'ALIGN_IP_BLOCKED',
        detail: /403 \(error 1006, access denied\) for the address 127\.0\.0\.1, Ray ID [0-9a-f]{16}-FRA/,
      },
      { id: 'align-token', status: 'skip' },
    ],
  },
  {
    name: 'a Cloudflare 502 gateway page: ALIGN_UNREACHABLE',
    argv: () => {
      const align = w.alignInstance('al-down');
      align.instance.fault = 'server-error';
      return ['--align', align.url, '--align-token-env', align.tokenEnv];
    },
    expect: [
      {
        id: 'align-reach',
        status: 'fail',
        code: 'ALIGN_UNREACHABLE',
        detail: /answered 502 with an HTML error page/,
      },
    ],
  },
  {
    name: 'nothing listens at the Jira Align address: ALIGN_UNREACHABLE',
    argv: async () => {
      const port = await closedPort();
      w.allow(`al-refused.jiraalign.com:${port}`);
      return ['--align', `http://al-refused.jiraalign.com:${port}`];
    },
    expect: [
      { id: 'align-host', status: 'pass' },
      { id: 'align-reach', status: 'fail', code: 'ALIGN_UNREACHABLE', detail: /refused the connection/ },
    ],
  },
  {
    name: 'some projects and boards carry errorMessages (found on the second page too): ALIGN_SYNC_ERRORS warns',
    argv: () => {
      const align = w.alignInstance('al-some');
      for (let i = 0; i < 149; i += 1) align.instance.addProject(align.connector, `P${i}`);
      align.connector.projects[5]!.errorMessage = 'Project permission "Browse Projects" is missing.';
      align.connector.projects[130]!.errorMessage = 'The project was deleted in Jira.';
      align.connector.boards[0]!.errorMessage = 'Board 12 not found.';
      align.instance.addBoard(align.connector, 'Healthy board');
      return ['--align', align.url, '--align-token-env', align.tokenEnv, '--align-connector', '1'];
    },
    expect: [
      {
        id: 'align-sync',
        status: 'warn',
        code: 'ALIGN_SYNC_ERRORS',
        detail:
          /errors on 2 of 150 projects and 1 of 2 boards — project “P4”: Project permission "Browse Projects" is missing\.; project “P129”: The project was deleted in Jira\.; board “ALIGN board”: Board 12 not found\./,
      },
    ],
  },
  {
    name: 'every project and board carries an errorMessage: ALIGN_SYNC_ERRORS fails',
    argv: () => {
      const align = w.alignInstance('al-all');
      for (const item of [...align.connector.projects, ...align.connector.boards])
        item.errorMessage = 'Unauthorized';
      return ['--align', align.url, '--align-token-env', align.tokenEnv, '--align-connector', '1'];
    },
    expect: [
      {
        id: 'align-sync',
        status: 'fail',
        code: 'ALIGN_SYNC_ERRORS',
        detail:
          /errors on 1 of 1 project and 1 of 1 board — project “ALIGN”: Unauthorized; board “ALIGN board”: Unauthorized\.$/,
      },
    ],
  },
  {
    name: 'no Jira Align token: the token and sync checks skip and say which flag to use',
    argv: () => ['--align', w.alignInstance('al-notoken').url, '--align-connector', '1'],
    expect: [
      { id: 'align-reach', status: 'pass' },
      { id: 'align-token', status: 'skip', detail: /--align-token-env VAR/ },
      { id: 'align-sync', status: 'skip' },
    ],
  },
  {
    name: 'a connector id Jira Align does not have: the sync check skips and names the id',
    argv: () => {
      const align = w.alignInstance('al-noconnector');
      return ['--align', align.url, '--align-token-env', align.tokenEnv, '--align-connector', '7'];
    },
    expect: [
      { id: 'align-token', status: 'pass' },
      { id: 'align-sync', status: 'skip', detail: /404 for connector 7/ },
    ],
  },
];

describe('align-bot test --align', () => {
  it('a healthy instance: Jira Align’s own example token reaches the simulator byte for byte', async () => {
    const align = w.alignInstance('al-healthy', SPECIAL_TOKEN);
    const run = await w.run([
      ...jiraArgs,
      '--align',
      align.url,
      '--align-token-env',
      align.tokenEnv,
      '--align-connector',
      '1',
    ]);
    const alignChecks = run.report.checks.filter((c) => c.id.startsWith('align-'));
    expect(alignChecks.map((c) => [c.id, c.status])).toEqual([
      ['align-host', 'pass'],
      ['align-reach', 'pass'],
      ['align-token', 'pass'],
      ['align-sync', 'pass'],
    ]);
    expect(run.check('align-sync').detail).toBe(
      'Connector 1: 1 project and 1 board, none with an errorMessage.',
    );
    // The unauthenticated reach probe sends none; the token check and both sync reads send it verbatim.
    expect(align.instance.authorizations).toEqual([
      `bearer ${SPECIAL_TOKEN}`,
      `bearer ${SPECIAL_TOKEN}`,
      `bearer ${SPECIAL_TOKEN}`,
    ]);
    expect(align.instance.hits.get('/rest/align/api/2/users')).toBe(2);
    expect(run.code).toBe(0);
  });

  it('without --align the plan has no Jira Align checks', async () => {
    const run = await w.run(jiraArgs);
    expect(run.report.checks.some((c) => c.id.startsWith('align-'))).toBe(false);
  });

  it.each(rows)('$name', async (row) => {
    const run = await w.run([...jiraArgs, ...(await row.argv())]);
    for (const e of row.expect) {
      const check = run.check(e.id);
      expect({ id: check.id, status: check.status, code: check.code }).toEqual({
        id: e.id,
        status: e.status,
        code: e.code,
      });
      if (e.detail) expect(check.detail).toMatch(e.detail);
    }
    expect(run.code).toBe(row.expect.some((e) => e.status === 'fail') ? 1 : 0);
  });

  it('no Jira Align token or PAT appears in anything the CLI printed', () => {
    const printed = w.outputs.join('\n');
    expect(printed.length).toBeGreaterThan(1000);
    expect(w.secrets).toContain(SPECIAL_TOKEN);
    for (const secret of w.secrets) expect(printed).not.toContain(secret);
  });
});
