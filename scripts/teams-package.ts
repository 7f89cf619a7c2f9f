/**
 * `npm run teams:package`: the Teams app package. Fills manifests/teams/manifest.json with the bot's app id
 * (MicrosoftAppId) and public host (ALIGN_BOT_PUBLIC_URL), validates it offline against the bundled 1.22 schema
 * (@microsoft/app-manifest, reference/teams.md §5), checks the icon sizes the schema cannot, and writes
 * dist/align-bot-teams.zip holding exactly manifest.json, color.png and outline.png. Upload that zip in Teams
 * (Apps › Manage your apps › Upload an app) or the Teams admin center.
 *
 * Exit codes: 0 written; 1 the manifest does not validate; 2 a setting is missing or malformed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AppManifestUtils } from '@microsoft/app-manifest';
import { strToU8, zipSync } from 'fflate';

const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const TEMPLATE_DIR = resolve(ROOT, 'manifests/teams');
export const DEFAULT_OUT = 'dist/align-bot-teams.zip';
export const ICONS = { 'color.png': 192, 'outline.png': 32 } as const;

export class PackageSettingError extends Error {
  readonly code = 'TEAMS_PACKAGE_SETTING';
}

export interface PackageSettings {
  appId: string;
  publicUrl: string;
  host: string;
  version: string;
  developer: { name: string; websiteUrl: string; privacyUrl: string; termsUrl: string };
}

type Env = Record<string, string | undefined>;

function httpsUrl(name: string, raw: string | undefined, fallback?: string): URL {
  const value = raw?.trim() || fallback;
  if (!value)
    throw new PackageSettingError(
      `${name} is not set. Set it to the bot's public https:// address, e.g. https://align-bot.example.com.`,
    );
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new PackageSettingError(`${name} "${value}" is not a URL; use https://host[/path].`);
  }
  if (url.protocol !== 'https:')
    throw new PackageSettingError(`${name} must be an https:// URL (Teams reaches bots over HTTPS only).`);
  if (url.username || url.password || url.search || url.hash)
    throw new PackageSettingError(`${name} must be a plain https:// address, without credentials, ? or #.`);
  return url;
}

/** The values the template needs, from the environment; throws PackageSettingError naming the variable. */
export function packageSettings(env: Env, version: string): PackageSettings {
  const appId = env.MicrosoftAppId?.trim();
  if (!appId)
    throw new PackageSettingError(
      'MicrosoftAppId is not set. Set it to the Microsoft App ID of the Azure Bot (a GUID, Azure portal › Bot › Configuration).',
    );
  if (!GUID.test(appId))
    throw new PackageSettingError(
      `MicrosoftAppId "${appId.slice(0, 60)}" is not a GUID (like 00000000-0000-0000-0000-000000000000).`,
    );
  const url = httpsUrl('ALIGN_BOT_PUBLIC_URL', env.ALIGN_BOT_PUBLIC_URL);
  const publicUrl = url.href.replace(/\/+$/, '');
  const name = env.ALIGN_BOT_TEAMS_DEVELOPER?.trim() || 'Align Bot';
  if (name.length > 32)
    throw new PackageSettingError('ALIGN_BOT_TEAMS_DEVELOPER must be at most 32 characters.');
  const page = (variable: string) => httpsUrl(variable, env[variable], publicUrl).href;
  return {
    appId: appId.toLowerCase(),
    publicUrl,
    host: url.host,
    version,
    developer: {
      name,
      websiteUrl: page('ALIGN_BOT_TEAMS_WEBSITE_URL'),
      privacyUrl: page('ALIGN_BOT_TEAMS_PRIVACY_URL'),
      termsUrl: page('ALIGN_BOT_TEAMS_TERMS_URL'),
    },
  };
}

/** The template with every {{PLACEHOLDER}} string replaced; an unknown placeholder is an error. */
export function fillManifest(template: string, settings: PackageSettings): Record<string, unknown> {
  const values: Record<string, string> = {
    APP_ID: settings.appId,
    VERSION: settings.version,
    PUBLIC_HOST: settings.host,
    DEVELOPER_NAME: settings.developer.name,
    WEBSITE_URL: settings.developer.websiteUrl,
    PRIVACY_URL: settings.developer.privacyUrl,
    TERMS_URL: settings.developer.termsUrl,
  };
  const fill = (value: unknown): unknown => {
    if (typeof value === 'string')
      return value.replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
        const filled = values[key];
        if (filled === undefined)
          throw new PackageSettingError(`The template has an unknown placeholder {{${key}}}.`);
        return filled;
      });
    if (Array.isArray(value)) return value.map(fill);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)]));
    return value;
  };
  return fill(JSON.parse(template)) as Record<string, unknown>;
}

/** Schema errors of the manifest ([] when valid), offline: the package maps the $schema URL to its own copy. */
export async function validateManifest(manifest: Record<string, unknown>): Promise<string[]> {
  return AppManifestUtils.validateAgainstSchema(manifest as never);
}

/** Width and height from a PNG's IHDR, or undefined when the bytes are not a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signature = '89504e470d0a1a0a';
  if (buffer.length < 24 || buffer.subarray(0, 8).toString('hex') !== signature) return undefined;
  if (buffer.subarray(12, 16).toString('ascii') !== 'IHDR') return undefined;
  return { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20) };
}

export function readIcons(dir: string): Record<keyof typeof ICONS, Uint8Array> {
  const icons = {} as Record<keyof typeof ICONS, Uint8Array>;
  for (const [file, size] of Object.entries(ICONS) as Array<[keyof typeof ICONS, number]>) {
    const bytes = readFileSync(resolve(dir, file));
    const found = pngSize(bytes);
    if (!found || found.width !== size || found.height !== size)
      throw new Error(
        `${file} must be a ${size}×${size} PNG${found ? `, not ${found.width}×${found.height}` : ''}.`,
      );
    icons[file] = bytes;
  }
  return icons;
}

export function zipPackage(manifest: Record<string, unknown>, icons: Record<string, Uint8Array>): Uint8Array {
  const mtime = new Date('2026-01-01T00:00:00Z');
  return zipSync(
    {
      'manifest.json': [strToU8(`${JSON.stringify(manifest, null, 2)}\n`), { mtime }],
      ...Object.fromEntries(Object.entries(icons).map(([name, bytes]) => [name, [bytes, { mtime }]])),
    },
    { level: 9 },
  );
}

interface Io {
  out(text: string): void;
  err(text: string): void;
  env: Env;
}

export async function teamsPackageCommand(argv: string[], io: Io): Promise<number> {
  let out: string;
  let settings: PackageSettings;
  try {
    const { values } = parseArgs({ args: argv, options: { out: { type: 'string' } }, strict: true });
    out = resolve(values.out ?? resolve(ROOT, DEFAULT_OUT));
    const version = (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string })
      .version;
    settings = packageSettings(io.env, version);
  } catch (error) {
    io.err(error instanceof PackageSettingError ? error.message : 'Usage: teams-package [--out file.zip]');
    return 2;
  }
  const manifest = fillManifest(readFileSync(resolve(TEMPLATE_DIR, 'manifest.json'), 'utf8'), settings);
  const errors = await validateManifest(manifest);
  if (errors.length > 0) {
    io.err(
      `The Teams manifest does not validate against its schema:\n${errors.map((e) => `  ${e}`).join('\n')}`,
    );
    return 1;
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, zipPackage(manifest, readIcons(TEMPLATE_DIR)));
  io.out(
    `Wrote ${out}: manifest.json, color.png, outline.png for app ${settings.appId} at ${settings.host}.`,
  );
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const io: Io = {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    env: process.env,
  };
  process.exitCode = await teamsPackageCommand(process.argv.slice(2), io);
}
