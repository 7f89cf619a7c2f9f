/**
 * The suite-wide secret-leak check (issue 3: no secret used in the suite appears in CLI output, logs or thrown
 * errors). Three parts:
 * - this registry: helpers and tests call `registerSecret` for every token, PAT, password and private key they hand
 *   to the bot, and `recordOutput` / `recordError` for what the bot produced that does not pass through the
 *   process's stdout, stderr or console (the CLI's in-process `io`, child processes, log sinks, Slack simulator
 *   messages, thrown errors);
 * - `leak-setup.ts` (vitest `setupFiles`): records stdout, stderr and console writes and every test's failure
 *   errors except assertion errors, and writes one artifact per test file into the run's directory;
 * - `leak-global.ts` (vitest `globalSetup`): creates that directory and, at teardown, searches every output of
 *   every artifact for every secret of every artifact (raw, JSON-escaped, URL-encoded, base64 at each alignment,
 *   and each body line of a PEM), failing the run when one is found.
 * The state lives on globalThis so the setup file and the test file share it whatever module instances they get.
 * Not searched: what a secret legitimately travels in (requests to Jira, Align and Slack), Redis (the vault keeps
 * secrets encrypted; e2e tests dump their own prefix), and fragments of a PEM shorter than one of its lines.
 * ALIGN_BOT_LEAK_SUMMARY=1 prints how much was searched when nothing leaked.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';

export interface Artifact {
  file: string;
  secrets: Array<{ label: string; value: string }>;
  /** Source → everything recorded from it, joined with newlines. */
  outputs: Record<string, string>;
}

export interface Leak {
  file: string;
  source: string;
  secret: string;
  form: string;
  secretFile: string;
}

interface State {
  secrets: Map<string, string>;
  outputs: Map<string, string[]>;
}

const KEY = Symbol.for('align-bot.test.leaks');
/** Shorter values would match by chance; the suite's few test values that short are not searched for. */
const MIN_SECRET = 8;
/** Derived forms (encodings, PEM lines) shorter than this are not searched for. */
const MIN_FORM = 12;

function state(): State {
  const g = globalThis as { [KEY]?: State };
  g[KEY] ??= { secrets: new Map(), outputs: new Map() };
  return g[KEY];
}

/** Remembers a secret for the leak check and returns it, so it can wrap the expression that makes it. */
export function registerSecret<T extends string>(value: T, label = 'secret'): T {
  if (value.trim().length >= MIN_SECRET) state().secrets.set(value, label);
  return value;
}

export function recordOutput(source: string, text: string): void {
  if (!text) return;
  const list = state().outputs.get(source) ?? [];
  list.push(text);
  state().outputs.set(source, list);
}

/** A thrown error as anyone could see it: message, stack and every own property (cause included). */
export function recordError(source: string, error: unknown): void {
  const e = error as { message?: unknown; stack?: unknown };
  recordOutput(
    source,
    [String(e?.message ?? ''), String(e?.stack ?? ''), inspect(error, { depth: 6 })].join('\n'),
  );
}

/** What this process recorded so far, as an artifact (a test file can search its own with `findLeaks`). */
export function currentArtifact(file: string): Artifact {
  const s = state();
  return {
    file,
    secrets: [...s.secrets].map(([value, label]) => ({ label, value })),
    outputs: Object.fromEntries([...s.outputs].map(([source, texts]) => [source, texts.join('\n')])),
  };
}

/** `currentArtifact`, then the state is emptied. */
export function takeArtifact(file: string): Artifact {
  const artifact = currentArtifact(file);
  state().secrets.clear();
  state().outputs.clear();
  return artifact;
}

export function writeArtifact(dir: string, artifact: Artifact, name: string): void {
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(artifact), { mode: 0o600 });
}

export function readArtifacts(dir: string): Artifact[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Artifact);
}

/** Base64 of `value` as it appears inside a longer encoded text, at each of the three byte alignments. */
function base64Cores(value: string, url: boolean): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const out: string[] = [];
  for (let k = 0; k < 3; k += 1) {
    const padded = Buffer.concat([Buffer.alloc(k), bytes]);
    const encoded = padded.toString(url ? 'base64url' : 'base64');
    // Skip the first group when it holds padding bytes, and a last group that is not full.
    out.push(encoded.slice(k > 0 ? 4 : 0, Math.floor(padded.length / 3) * 4));
  }
  return out;
}

/** Every form in which `secret` could show up in text: name → needle. */
export function formsOf(secret: string): Map<string, string> {
  const raw = secret.trim();
  if (raw.length < MIN_SECRET) return new Map();
  const forms = new Map<string, string>([['raw', raw]]);
  const add = (name: string, needle: string) => {
    if (needle.length >= MIN_FORM && needle !== raw) forms.set(name, needle);
  };
  add('json', JSON.stringify(raw).slice(1, -1));
  add('uri', encodeURIComponent(raw));
  add('form', new URLSearchParams({ x: raw }).toString().slice(2));
  for (const [i, core] of base64Cores(raw, false).entries()) add(`base64@${i}`, core);
  for (const [i, core] of base64Cores(raw, true).entries()) add(`base64url@${i}`, core);
  if (raw.includes('\n')) {
    const lines = raw.split('\n').map((l) => l.trim());
    const body = lines.filter((l) => l.length >= 32 && !l.startsWith('-----'));
    for (const [i, line] of body.entries()) add(`line ${i + 1}`, line);
    add(
      'body',
      lines
        .filter((l) => !l.startsWith('-----'))
        .join('')
        .slice(0, 64),
    );
  }
  return forms;
}

/** Every secret of every artifact, searched in every output of every artifact. */
export function findLeaks(artifacts: Artifact[]): Leak[] {
  const secrets = new Map<string, string>();
  for (const a of artifacts) for (const s of a.secrets) secrets.set(s.value, a.file);
  const needles = [...secrets].flatMap(([secret, secretFile]) =>
    [...formsOf(secret)].map(([form, needle]) => ({ secret, secretFile, form, needle })),
  );
  const leaks: Leak[] = [];
  for (const a of artifacts) {
    for (const [source, text] of Object.entries(a.outputs)) {
      for (const n of needles) {
        if (text.includes(n.needle))
          leaks.push({ file: a.file, source, secret: n.secret, form: n.form, secretFile: n.secretFile });
      }
    }
  }
  return leaks;
}

/** A leak report that names the secret without printing it. */
export function describeLeak(leak: Leak): string {
  const hint = `${leak.secret.slice(0, 4)}…(${leak.secret.length} chars)`;
  return `${leak.file} [${leak.source}] contains the secret ${hint} registered in ${leak.secretFile} (${leak.form} form)`;
}
