/**
 * The Teams app package (issue 10, "Packaging"): the manifest template filled from the environment validates
 * offline against its 1.22 schema with @microsoft/app-manifest, lists every verb for each scope, and the zip holds
 * exactly manifest.json and the two icons, at 192×192 (colour, opaque) and 32×32 (white on transparency).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import {
  fillManifest,
  packageSettings,
  TEMPLATE_DIR,
  teamsPackageCommand,
  validateManifest,
} from '../scripts/teams-package.js';
import { VERBS } from '../src/core/commands.js';
import { readPng } from './helpers/png.js';
import { REPO_ROOT } from './helpers/process.js';

const APP_ID = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const ENV = { MicrosoftAppId: APP_ID, ALIGN_BOT_PUBLIC_URL: 'https://align-bot.example.com/' };
const template = readFileSync(join(TEMPLATE_DIR, 'manifest.json'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'teams-package-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Manifest {
  $schema: string;
  manifestVersion: string;
  version: string;
  id: string;
  developer: { websiteUrl: string };
  icons: { color: string; outline?: string };
  validDomains: string[];
  bots: Array<{
    botId: string;
    scopes: string[];
    commandLists: Array<{ scopes: string[]; commands: Array<{ title: string; description: string }> }>;
  }>;
}

function io(env: Record<string, string | undefined>) {
  const lines = { out: [] as string[], err: [] as string[] };
  return { lines, io: { out: (t: string) => lines.out.push(t), err: (t: string) => lines.err.push(t), env } };
}

describe('Teams manifest', () => {
  const manifest = fillManifest(template, packageSettings(ENV, '1.2.3')) as unknown as Manifest;

  it('validates against the 1.22 schema with zero errors once filled', async () => {
    expect(await validateManifest(manifest as never)).toEqual([]);
    expect(manifest.manifestVersion).toBe('1.22');
    expect(manifest.$schema).toBe(
      'https://developer.microsoft.com/json-schemas/teams/v1.22/MicrosoftTeams.schema.json',
    );
    expect(manifest.version).toBe('1.2.3');
    expect(manifest.id).toBe(APP_ID);
    expect(manifest.bots[0]!.botId).toBe(APP_ID);
    expect(manifest.validDomains).toEqual(['align-bot.example.com']);
    expect(manifest.developer.websiteUrl).toBe('https://align-bot.example.com/');
    expect(JSON.stringify(manifest)).not.toContain('{{');
  });

  it('the validator does catch mistakes (so zero errors means something)', async () => {
    const broken = structuredClone(manifest);
    broken.bots[0]!.scopes = ['team', 'groupchat'];
    delete broken.icons.outline;
    const errors = await validateManifest(broken as never);
    expect(errors).toEqual([
      expect.stringContaining("/icons must have required property 'outline'"),
      expect.stringContaining('/bots/0/scopes/1 must be equal to one of the allowed values'),
    ]);
  });

  it('puts the bot in team, group chat and personal scope, with every verb in each command list', () => {
    const bot = manifest.bots[0]!;
    expect(bot.scopes).toEqual(['team', 'groupChat', 'personal']);
    expect(bot.commandLists.map((l) => l.scopes)).toEqual([['team'], ['groupChat'], ['personal']]);
    for (const list of bot.commandLists) {
      expect([...list.commands.map((c) => c.title)].sort()).toEqual([...VERBS].sort());
      for (const command of list.commands) expect(command.description.startsWith(command.title)).toBe(true);
    }
  });
});

describe('teams:package', () => {
  it('writes a zip with exactly manifest.json, color.png and outline.png', async () => {
    const out = join(dir, 'align-bot-teams.zip');
    const { lines, io: console } = io(ENV);
    expect(await teamsPackageCommand(['--out', out], console)).toBe(0);
    expect(lines.out.join('\n')).toContain(out);
    const files = unzipSync(readFileSync(out));
    expect(Object.keys(files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(Buffer.from(files['manifest.json']!).toString('utf8'));
    expect(await validateManifest(manifest)).toEqual([]);
    expect(manifest.id).toBe(APP_ID);
    expect(manifest.icons).toEqual({ color: 'color.png', outline: 'outline.png' });
    for (const icon of ['color.png', 'outline.png'])
      expect(Buffer.from(files[icon]!).equals(readFileSync(join(TEMPLATE_DIR, icon)))).toBe(true);
  });

  it('has a 192×192 opaque colour icon and a 32×32 white outline on transparency', () => {
    const color = readPng(readFileSync(join(TEMPLATE_DIR, 'color.png')));
    expect([color.width, color.height]).toEqual([192, 192]);
    expect(color.rgba.filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
    expect(
      new Set(Array.from({ length: 192 * 192 }, (_, i) => color.rgba.subarray(i * 4, i * 4 + 3).join())).size,
    ).toBeGreaterThan(10);
    const outline = readPng(readFileSync(join(TEMPLATE_DIR, 'outline.png')));
    expect([outline.width, outline.height]).toEqual([32, 32]);
    expect(outline.colorType).toBe(6);
    const pixels = Array.from({ length: 32 * 32 }, (_, i) =>
      Array.from(outline.rgba.subarray(i * 4, i * 4 + 4)),
    );
    expect(pixels.every(([r, g, b, a]) => a === 0 || (r === 255 && g === 255 && b === 255))).toBe(true);
    const transparent = pixels.filter(([, , , a]) => a === 0).length;
    expect(transparent / pixels.length).toBeGreaterThan(0.5);
    expect(pixels.filter(([, , , a]) => a === 255).length).toBeGreaterThan(30);
    expect(pixels[0]![3]).toBe(0);
  });

  it.each([
    [{ ALIGN_BOT_PUBLIC_URL: 'https://align-bot.example.com' }, 'MicrosoftAppId is not set'],
    [{ ...ENV, MicrosoftAppId: 'align-bot' }, 'MicrosoftAppId "align-bot" is not a GUID'],
    [{ MicrosoftAppId: APP_ID }, 'ALIGN_BOT_PUBLIC_URL is not set'],
    [
      { ...ENV, ALIGN_BOT_PUBLIC_URL: 'http://align-bot.example.com' },
      'ALIGN_BOT_PUBLIC_URL must be an https:// URL',
    ],
    [{ ...ENV, ALIGN_BOT_PUBLIC_URL: 'align-bot.example.com' }, 'is not a URL'],
    [
      { ...ENV, ALIGN_BOT_TEAMS_PRIVACY_URL: 'ftp://x' },
      'ALIGN_BOT_TEAMS_PRIVACY_URL must be an https:// URL',
    ],
  ])('refuses %o with exit 2: %s', async (env, message) => {
    const out = join(dir, 'refused.zip');
    const { lines, io: console } = io(env);
    expect(await teamsPackageCommand(['--out', out], console)).toBe(2);
    expect(lines.err.join('\n')).toContain(message);
    expect(() => readFileSync(out)).toThrow();
  });

  it('npm run teams:package without an app id exits 2 with a clear message', () => {
    const result = spawnSync(
      'npm',
      ['run', '--silent', 'teams:package', '--', '--out', join(dir, 'npm.zip')],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          ALIGN_BOT_PUBLIC_URL: 'https://x.example',
        },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      'MicrosoftAppId is not set. Set it to the Microsoft App ID of the Azure Bot',
    );
  });
});
