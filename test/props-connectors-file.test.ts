/**
 * Property tests of the connectors file loader (src/store/connectors-file.ts, issue 12 item 6): any file — random
 * bytes, broken YAML, arbitrary JSON/YAML structures — gives connectors or a ConnectorsFileError, never another
 * exception; a valid file loads to exactly its entries; one bad field gives an error that names the entry and the
 * field; and a secret written into the file by mistake is never echoed in the error.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { ConnectorSpec } from '../src/core/connector-spec.js';
import { ConnectorsFileError, loadConnectorsFile } from '../src/store/connectors-file.js';
import { hostileText } from './helpers/hostile.js';
import { registerSecret } from './helpers/leaks.js';

const SEED = 0x12_06_04;
/** A failing run, shrinking included, reports within this time (fast-check stops and prints what it has). */
const BOUNDED = { interruptAfterTimeLimit: 10_000 };
const SECRET = registerSecret('hunter2-Pr0ps-S3cret value', 'secret written into a connectors file');
const dir = mkdtempSync(join(tmpdir(), 'props-connectors-'));
const file = join(dir, 'connectors.yaml');

/** Node warnings (the YAML parser's go to stderr, quoting the source line). */
const warnings: string[] = [];
const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
process.on('warning', onWarning);

afterAll(() => {
  process.off('warning', onWarning);
  rmSync(dir, { recursive: true, force: true });
});

type Outcome = { ok: true; specs: ConnectorSpec[] } | { ok: false; message: string };

function load(text: string): Outcome {
  writeFileSync(file, text);
  warnings.length = 0;
  try {
    return { ok: true, specs: loadConnectorsFile(file) };
  } catch (error) {
    if (error instanceof ConnectorsFileError) return { ok: false, message: error.message };
    throw error;
  }
}

/** Warnings are emitted on the next tick: wait for them before looking. */
async function expectNoSecretWarned() {
  await new Promise((resolve) => setImmediate(resolve));
  for (const warning of warnings) expect(warning).not.toContain(SECRET);
}

function expectClearError(message: string) {
  expect(message.startsWith(`${file}: `), message).toBe(true);
  expect(message).not.toContain(SECRET);
  expect(message).not.toMatch(/\n\s+at /); // no stack trace
}

describe('any file → connectors or a ConnectorsFileError', () => {
  it('arbitrary text and bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(hostileText({ long: 2000 }), fc.string({ unit: 'binary', maxLength: 400 })),
        (text) => {
          const result = load(text);
          if (!result.ok) expectClearError(result.message);
        },
      ),
      { seed: SEED, numRuns: 400, ...BOUNDED },
    );
  });

  it('YAML fragments: anchors, aliases, tags, merge keys, flow and block forms, with a secret inside', async () => {
    const piece = fc.constantFrom(
      'connectors:',
      '  - name: acme',
      '    jira: https://acme.atlassian.net',
      `    password: ${SECRET}`,
      `    token: "${SECRET}`,
      `    secrets: { jira: ${SECRET} }`,
      `    secrets: { jira: { value: ${SECRET} } }`,
      `  - &a { name: x, jira: "https://x.atlassian.net", apiToken: ${SECRET} }`,
      '  - *a',
      '  - *missing',
      '  - <<: *a',
      '    <<: *a',
      '  - !!binary aGVsbG8=',
      `  - !secret ${SECRET}`,
      '  - !!set { a, b }',
      '  - !!omap [ a: 1 ]',
      '  - !!int nope',
      '  - { name: acme, name: acme }',
      '  - __proto__: { polluted: true }',
      '    constructor: { prototype: { polluted: true } }',
      '  -',
      '  - null',
      '  - [ ]',
      '---',
      '...',
      '%YAML 1.1',
      '%TAG ! tag:example.com,2000:',
      '? complex key',
      ': value',
      '\t- tab',
      `"${SECRET}": 1`,
      `connectors: ${SECRET}`,
      'connectors: { }',
      'connectors: ~',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 10 }), async (lines) => {
        const result = load(lines.join('\n'));
        if (!result.ok) expectClearError(result.message);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        await expectNoSecretWarned();
      }),
      { seed: SEED, numRuns: 600, ...BOUNDED },
    );
  });

  it('arbitrary JSON and YAML structures, at the top and as entries', () => {
    const value = fc.jsonValue({ maxDepth: 4 });
    const entry = fc.oneof(
      value,
      fc.dictionary(
        fc.constantFrom(
          'name',
          'jira',
          'kind',
          'auth',
          'secrets',
          'email',
          'apiUrl',
          'alignConnectorId',
          'x',
        ),
        value,
      ),
    );
    const document = fc.oneof(
      value,
      fc.array(entry, { maxLength: 5 }).map((connectors) => ({ connectors })),
      fc.record(
        { connectors: fc.array(entry, { maxLength: 5 }), extra: value },
        { requiredKeys: ['connectors'] },
      ),
    );
    fc.assert(
      fc.property(document, fc.boolean(), (doc, asJson) => {
        const result = load(asJson ? JSON.stringify(doc) : stringify(doc));
        if (!result.ok) expectClearError(result.message);
      }),
      { seed: SEED, numRuns: 600, ...BOUNDED },
    );
  });
});

// ---- Valid files and one bad field ----

const domain = fc.domain();
const url = domain.map((d) => `https://${d}`);
const entryArb = fc.record(
  {
    name: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,20}$/),
    jira: url,
    kind: fc.constantFrom('cloud', 'datacenter'),
    apiUrl: url,
    align: url,
    alignConnectorId: fc.integer({ min: 1, max: 1_000_000 }),
    auth: fc.constantFrom('oauth', 'basic', 'pat'),
    email: fc.emailAddress(),
    project: fc.stringMatching(/^[A-Z][A-Z0-9_]{1,9}$/),
    consumerKey: fc.stringMatching(/^[A-Za-z0-9_-]{1,30}$/),
    tokenConsumerKey: fc.stringMatching(/^[A-Za-z0-9_-]{1,30}$/),
    tokenExpiresAt: fc
      .date({ min: new Date('2020-01-01'), max: new Date('2040-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10)),
    secrets: fc.record(
      {
        jira: fc.oneof(
          fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,20}$/).map((env) => ({ env })),
          fc.stringMatching(/^\/[a-z0-9/._-]{1,30}$/).map((f) => ({ file: f })),
        ),
        align: fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,20}$/).map((env) => ({ env })),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['name', 'jira'] },
);
const entries = fc.uniqueArray(entryArb, {
  minLength: 1,
  maxLength: 6,
  selector: (e) => e.name.toLowerCase(),
});

function expectedSpec(e: Record<string, unknown>): ConnectorSpec {
  const oauth = {
    ...(e.consumerKey ? { consumerKey: String(e.consumerKey) } : {}),
    ...(e.tokenConsumerKey ? { tokenConsumerKey: String(e.tokenConsumerKey) } : {}),
  };
  return {
    name: String(e.name).toLowerCase(),
    jira: {
      url: String(e.jira),
      kind: (e.kind as 'cloud') ?? 'cloud',
      ...(e.apiUrl ? { apiUrl: String(e.apiUrl) } : {}),
    },
    ...(e.align
      ? {
          align: {
            url: String(e.align),
            ...(e.alignConnectorId ? { connectorId: e.alignConnectorId as number } : {}),
          },
        }
      : {}),
    auth: (e.auth as 'basic') ?? 'basic',
    ...(e.email ? { email: String(e.email) } : {}),
    ...(e.project ? { project: String(e.project) } : {}),
    ...(Object.keys(oauth).length > 0 ? { oauth } : {}),
    ...(e.tokenExpiresAt ? { tokenExpiresAt: String(e.tokenExpiresAt) } : {}),
    ...(e.secrets ? { secrets: e.secrets as ConnectorSpec['secrets'] } : {}),
    active: true,
    source: 'file',
  };
}

/** A value each field refuses; strings carry the secret, to prove it is not echoed. */
const BAD: Record<string, unknown[]> = {
  name: [SECRET, 42, null, ['acme'], { a: 1 }, '', '-acme', 'a'.repeat(65)],
  jira: [SECRET, 42, null, 'ftp://acme.example', 'acme.atlassian.net', { url: SECRET }],
  kind: [SECRET, 'server', 1, null],
  apiUrl: [SECRET, 7, 'javascript:alert(1)'],
  align: [SECRET, true, 'mailto:a@b.c'],
  alignConnectorId: [SECRET, 0, -1, 1.5, '12'],
  auth: [SECRET, 'OAUTH', 'bearer', 0],
  email: ['', 5, { a: SECRET }],
  project: [SECRET, 'acme', 'A', 9],
  consumerKey: [5, [SECRET], { value: SECRET }],
  tokenExpiresAt: [SECRET, '2027-13-40', '31.05.2027', 20270531],
  secrets: [
    SECRET,
    { jira: SECRET },
    { jira: { value: SECRET } },
    { jira: { env: SECRET } },
    { password: SECRET },
  ],
};
const UNKNOWN_KEYS = ['password', 'token', 'apiToken', 'privateKey', 'secret', 'Name', 'jira_url'];

describe('valid files and single mistakes', () => {
  it('a valid file loads to exactly its entries, in order', () => {
    fc.assert(
      fc.property(entries, fc.boolean(), (list, asJson) => {
        const doc = { connectors: list };
        const result = load(asJson ? JSON.stringify(doc) : stringify(doc));
        expect(result).toEqual({ ok: true, specs: list.map((e) => expectedSpec(e)) });
      }),
      { seed: SEED, numRuns: 300, ...BOUNDED },
    );
  });

  it('one bad field: the error names the entry and the field, and echoes no secret', () => {
    const mistake = entries.chain((list) =>
      fc.record({
        list: fc.constant(list),
        index: fc.nat({ max: list.length - 1 }),
        change: fc.oneof(
          fc
            .constantFrom(...Object.keys(BAD))
            .chain((field) =>
              fc.constantFrom(...BAD[field]!).map((value) => ({ field, value, unknown: false })),
            ),
          fc
            .constantFrom(...UNKNOWN_KEYS)
            .map((field) => ({ field, value: SECRET as unknown, unknown: true })),
        ),
      }),
    );
    fc.assert(
      fc.property(mistake, fc.boolean(), ({ list, index, change }, asJson) => {
        const bad = list.map((e, i) => (i === index ? { ...e, [change.field]: change.value } : e));
        const doc = { connectors: bad };
        const result = load(asJson ? JSON.stringify(doc) : stringify(doc));
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expectClearError(result.message);
        expect(result.message).toContain(`connectors.${index}`);
        expect(result.message).toContain(change.unknown ? `"${change.field}"` : change.field);
        if (change.unknown) expect(result.message).toMatch(/Secrets are not allowed in the file/);
      }),
      { seed: SEED, numRuns: 600, ...BOUNDED },
    );
  });

  it('two entries with the same name (any case) are refused by name', () => {
    fc.assert(
      fc.property(entries, fc.nat(), (list, pick) => {
        const twin = list[pick % list.length]!;
        const doc = { connectors: [...list, { ...twin, name: twin.name.toUpperCase() }] };
        const result = load(stringify(doc));
        expect(result).toEqual({
          ok: false,
          message: `${file}: connector "${twin.name.toLowerCase()}" appears twice.`,
        });
      }),
      { seed: SEED, numRuns: 200, ...BOUNDED },
    );
  });
});
