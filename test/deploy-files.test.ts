/**
 * The deployment files against the code (issue 11): every Kubernetes manifest and the compose file parse; they set
 * only environment variables the code reads (derived from src/, so a renamed variable fails here); their settings
 * pass the real config validation; every probe and health check asks a route the code registers, on the port of
 * the listener that serves it. And docs/*.md name only paths inside the repository, each of which exists.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { teamsSettingsFromEnv } from '../src/chat/teams/settings.js';
import { loadConfig } from '../src/config.js';

const ROOT = process.cwd();
const K8S_DIR = 'manifests/kubernetes';
const COMPOSE_FILE = 'docker-compose.yml';
/** The commands the image's ENTRYPOINT (`node dist/main.js`) runs as long-lived processes here. */
const SERVER_COMMANDS = ['web', 'worker'];
/**
 * Which listeners serve a health route: the public one on PORT and/or the internal one on ALIGN_BOT_METRICS_PORT
 * (README, Configuration). Each route must also be registered somewhere in src/ (checked below).
 */
const LISTENERS_OF: Record<string, string[]> = {
  '/healthz': ['PORT', 'ALIGN_BOT_METRICS_PORT'],
  '/readyz': ['PORT'],
  '/metrics': ['ALIGN_BOT_METRICS_PORT'],
};

type Obj = Record<string, unknown>;
type Env = Record<string, string>;
interface Probe {
  path: string;
  port: number | string;
}
interface Workload {
  where: string;
  env: Env;
  /** Variables taken from a Secret: their values are not in the repository. */
  secretNames: string[];
  ports: Record<string, number>;
  probes: Probe[];
  args: unknown;
  /** A command that replaces the image's ENTRYPOINT (Kubernetes `command`). */
  entrypoint?: unknown;
}

const obj = (value: unknown): Obj => (value && typeof value === 'object' ? (value as Obj) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path, suffix);
    return entry.name.endsWith(suffix) ? [path] : [];
  });
}

const SOURCES = filesUnder('src', '.ts').map((path) => ({ path, text: readFileSync(path, 'utf8') }));

/** Every environment variable name the code reads: schema keys, direct reads, names read by computed key. */
function variablesReadByCode(): Set<string> {
  const names = new Set<string>();
  const add = (pattern: RegExp, text: string) => {
    for (const match of text.matchAll(pattern)) names.add(match[1]!);
  };
  for (const { text } of SOURCES) {
    // Keys of a zod object over the environment: `NAME: z.…`, `NAME: list,`, `NAME: ms(…)`, `NAME: url.optional()`.
    if (text.includes("from 'zod'"))
      add(/^\s*([A-Z][A-Z0-9_]*):\s*(?:z\b|[a-z]\w*(?:\.\w+)*\s*[,(])/gm, text);
    add(/\benv\??\.([A-Za-z_]\w*)/g, text);
    add(/\benv\[\s*['"]([A-Za-z_]\w*)['"]\s*\]/g, text);
    // A reader by computed name (`env[name]`, e.g. botbuilder's MicrosoftAppId group): its string constants.
    if (/\benv\[\s*[a-z]\w*\s*\]/.test(text)) add(/'([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*)'/g, text);
  }
  return names;
}

/** Paths the code registers as routes: `.get('/x'`, `.post(…)`, `.use(…)`, and path constants it compares. */
function routesRegisteredByCode(): Set<string> {
  const routes = new Set<string>();
  for (const { text } of SOURCES) {
    for (const m of text.matchAll(/\.(?:get|post|put|all|use)\(\s*['"`](\/[^'"`]*)['"`]/g)) routes.add(m[1]!);
    for (const m of text.matchAll(/(?:===|\?\?|path:|endpoints:)\s*['"`](\/[^'"`\s]*)['"`]/g))
      routes.add(m[1]!);
  }
  return routes;
}

const READ = variablesReadByCode();
const ROUTES = routesRegisteredByCode();

const PARSE_ERRORS: string[] = [];

function parseK8s(): Array<{ file: string; doc: Obj }> {
  return readdirSync(K8S_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .flatMap((name) => {
      const file = join(K8S_DIR, name);
      return parseAllDocuments(readFileSync(file, 'utf8')).map((document) => {
        PARSE_ERRORS.push(...document.errors.map((e) => `${file}: ${e.message}`));
        return { file, doc: obj(document.toJS()) };
      });
    })
    .filter(({ doc }) => Object.keys(doc).length > 0);
}

const K8S = parseK8s();
const COMPOSE = obj(parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }));
const byKind = (kind: string) => K8S.filter(({ doc }) => doc.kind === kind);
const configMapData = (name: string): Env => {
  const found = byKind('ConfigMap').find(({ doc }) => obj(doc.metadata).name === name);
  return obj(found?.doc.data) as Env;
};

/** Connector files shipped in ConfigMaps: the variables their `secrets: { x: { env: NAME } }` entries name. */
function variablesNamedByConnectorFiles(): Set<string> {
  const names = new Set<string>();
  for (const { doc } of byKind('ConfigMap')) {
    for (const value of Object.values(obj(doc.data))) {
      const parsed = obj(typeof value === 'string' && value.includes('connectors:') ? parse(value) : {});
      for (const connector of list(parsed.connectors)) {
        for (const source of Object.values(obj(obj(connector).secrets))) {
          const env = obj(source).env;
          if (typeof env === 'string') names.add(env);
        }
      }
    }
  }
  return names;
}

function k8sWorkloads(): Workload[] {
  return byKind('Deployment').flatMap(({ file, doc }) => {
    const pod = obj(obj(obj(doc.spec).template).spec);
    return list(pod.containers).map((raw) => {
      const c = obj(raw);
      const env: Env = {};
      const secretNames: string[] = [];
      for (const from of list(c.envFrom))
        Object.assign(env, configMapData(String(obj(obj(from).configMapRef).name)));
      for (const e of list(c.env).map(obj)) {
        if (obj(e.valueFrom).secretKeyRef) secretNames.push(String(e.name));
        else env[String(e.name)] = String(e.value ?? '');
      }
      const probes = ['livenessProbe', 'readinessProbe', 'startupProbe']
        .map((k) => obj(obj(c[k]).httpGet))
        .filter((g) => g.path !== undefined)
        .map((g) => ({ path: String(g.path), port: g.port as number | string }));
      const ports = Object.fromEntries(
        list(c.ports).map((p) => [String(obj(p).name), Number(obj(p).containerPort)]),
      );
      const where = `${file} ${obj(doc.metadata).name}/${c.name}`;
      return { where, env, secretNames, ports, probes, args: c.args, entrypoint: c.command };
    });
  });
}

function composeWorkloads(): Workload[] {
  return Object.entries(obj(COMPOSE.services))
    .filter(([, service]) => obj(service).build !== undefined)
    .map(([name, raw]) => {
      const service = obj(raw);
      const env = Object.fromEntries(
        Object.entries(obj(service.environment)).map(([k, v]) => [k, String(v)]),
      );
      const test = list(obj(service.healthcheck).test).join(' ');
      const probes = [...test.matchAll(/http:\/\/(?:127\.0\.0\.1|localhost):(\d+)(\/[\w/-]*)/g)].map((m) => ({
        path: m[2]!,
        port: Number(m[1]),
      }));
      const where = `${COMPOSE_FILE} ${name}`;
      return {
        where,
        env,
        secretNames: [],
        ports: {},
        probes,
        args: service.command,
        entrypoint: service.entrypoint,
      };
    });
}

const WORKLOADS = [...k8sWorkloads(), ...composeWorkloads()];

describe('deployment files', () => {
  it('parse: every Kubernetes document has apiVersion and kind, every kustomize resource exists', () => {
    expect(PARSE_ERRORS).toEqual([]);
    expect(K8S.length).toBeGreaterThan(5);
    for (const { file, doc } of K8S) {
      expect(doc.apiVersion, file).toEqual(expect.any(String));
      expect(doc.kind, file).toEqual(expect.any(String));
      if (doc.kind !== 'Kustomization') expect(obj(doc.metadata).name, file).toEqual(expect.any(String));
    }
    const [kustomization] = byKind('Kustomization');
    const listed = list(kustomization?.doc.resources).map(String);
    const files = readdirSync(K8S_DIR).filter((f) => !/^kustomization\.yaml$|\.example\.yaml$/.test(f));
    expect([...listed].sort()).toEqual(files.sort());
    expect(Object.keys(obj(COMPOSE.services))).toEqual(expect.arrayContaining(['redis', 'web', 'worker']));
  });

  it('run the server commands through the image entry point', () => {
    expect(readFileSync('Dockerfile', 'utf8')).toMatch(/^ENTRYPOINT \["node", "dist\/main\.js"\]$/m);
    for (const w of WORKLOADS) {
      expect(w.entrypoint, `${w.where}: keep the image's ENTRYPOINT`).toBeUndefined();
      expect(
        SERVER_COMMANDS.map((c) => [c]),
        w.where,
      ).toContainEqual(w.args);
      expect(
        SOURCES.some(({ text }) => text.includes(`['${(w.args as string[])[0]}',`)),
        w.where,
      ).toBe(true);
    }
  });

  it('name only environment variables the code reads', () => {
    expect(READ.size).toBeGreaterThan(20);
    const allowed = new Set([...READ, ...variablesNamedByConnectorFiles()]);
    for (const w of WORKLOADS) {
      const unknown = [...Object.keys(w.env), ...w.secretNames].filter((name) => !allowed.has(name));
      expect(unknown, `${w.where} sets variables no code reads`).toEqual([]);
    }
    for (const { file, doc } of byKind('Secret')) {
      const keys = Object.keys({ ...obj(doc.stringData), ...obj(doc.data) });
      if (obj(doc.metadata).name === 'align-bot')
        expect(
          keys.filter((k) => !READ.has(k)),
          file,
        ).toEqual([]);
    }
  });

  it('hold settings the config accepts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-files-'));
    try {
      const connectors = join(dir, 'connectors.yaml');
      writeFileSync(connectors, configMapData('align-bot-files')['connectors.yaml'] ?? '');
      for (const w of WORKLOADS) {
        const file = w.env.ALIGN_BOT_CONNECTORS_FILE ? { ALIGN_BOT_CONNECTORS_FILE: connectors } : {};
        const env = { ...w.env, ...file };
        expect(() => loadConfig(env as NodeJS.ProcessEnv, join(dir, 'none.env')), w.where).not.toThrow();
        expect(() => teamsSettingsFromEnv(env, { sandbox: false }), w.where).not.toThrow();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('probe routes the code registers, on the port of the listener that serves them', () => {
    for (const variable of new Set(Object.values(LISTENERS_OF).flat()))
      expect(READ.has(variable), variable).toBe(true);
    for (const w of WORKLOADS) {
      expect(w.probes.length, `${w.where}: probes`).toBeGreaterThan(0);
      for (const probe of w.probes) {
        const where = `${w.where} probe ${probe.path}`;
        expect(ROUTES.has(probe.path), `${where}: no such route in src/`).toBe(true);
        const variables = LISTENERS_OF[probe.path];
        expect(variables, `${where}: which listener serves it?`).toBeDefined();
        const port = typeof probe.port === 'number' ? probe.port : w.ports[probe.port];
        const set = variables!.filter((variable) => w.env[variable] !== undefined);
        expect(set, `${where}: set ${variables!.join(' or ')} explicitly`).not.toEqual([]);
        expect(
          set.map((variable) => Number(w.env[variable])),
          `${where}: port vs ${set.join(', ')}`,
        ).toContain(port);
      }
      const named = { http: 'PORT', metrics: 'ALIGN_BOT_METRICS_PORT' } as Record<string, string>;
      for (const [name, port] of Object.entries(w.ports))
        expect(port, w.where).toBe(Number(w.env[named[name]!]));
    }
  });

  it('select existing pods and ports from Services and PodDisruptionBudgets', () => {
    const pods = byKind('Deployment').map(({ doc }) => {
      const template = obj(obj(doc.spec).template);
      const ports = list(obj(template.spec).containers).flatMap((c) =>
        list(obj(c).ports).map((p) => obj(p).name),
      );
      return { labels: obj(obj(template.metadata).labels), ports };
    });
    const matching = (selector: Obj) =>
      pods.filter((pod) => Object.entries(selector).every(([k, v]) => pod.labels[k] === v));
    for (const { file, doc } of byKind('Service')) {
      const spec = obj(doc.spec);
      const selected = matching(obj(spec.selector));
      expect(selected.length, file).toBeGreaterThan(0);
      for (const port of list(spec.ports).map(obj))
        for (const pod of selected) expect(pod.ports, `${file} ${port.name}`).toContain(port.targetPort);
    }
    for (const { file, doc } of byKind('PodDisruptionBudget'))
      expect(matching(obj(obj(obj(doc.spec).selector).matchLabels)).length, file).toBeGreaterThan(0);
  });
});

describe('docs', () => {
  const docs = readdirSync('docs').filter((name) => name.endsWith('.md'));

  it('exist', () => {
    expect(docs).toEqual(expect.arrayContaining(['operations.md', 'getting-started.md']));
  });

  it.each(docs)(
    '%s names no path outside the repository, and every repository path it names exists',
    (name) => {
      const file = join('docs', name);
      const text = readFileSync(file, 'utf8');
      expect(text.match(/\.\.\/shared|\/work\/|file:\/\//g) ?? [], file).toEqual([]);
      const named =
        text.match(/(?<![\w./@-])(?:src|test|bench|manifests|docs|scripts)\/[\w./-]*[\w-]/g) ?? [];
      expect(
        named.filter((path) => !existsInRepo(path)),
        `${file}: missing`,
      ).toEqual([]);
      const links = [...text.matchAll(/\]\(([^)\s#]+)[^)]*\)/g)]
        .map((m) => m[1]!)
        .filter((l) => !/^\w+:/.test(l));
      for (const link of links) {
        const target = resolve('docs', link);
        expect(relative(ROOT, target).startsWith('..'), `${file}: ${link} leaves the repository`).toBe(false);
        expect(existsInRepo(relative(ROOT, target)), `${file}: ${link}`).toBe(true);
      }
    },
  );
});

describe('README.md', () => {
  it('names no path outside the repository, and every repository path and link it names exists', () => {
    const text = readFileSync('README.md', 'utf8');
    expect(text.match(/\.\.\/shared|\/work\/|file:\/\//g) ?? []).toEqual([]);
    const named = text.match(/(?<![\w./@-])(?:src|test|bench|manifests|docs|scripts)\/[\w./-]*[\w-]/g) ?? [];
    expect(named.filter((path) => !existsInRepo(path))).toEqual([]);
    const links = [...text.matchAll(/\]\(([^)\s#]+)[^)]*\)/g)].map((m) => m[1]!);
    expect(links.filter((l) => /^\w+:/.test(l))).toEqual([]);
    for (const link of links) {
      expect(relative(ROOT, resolve(link)).startsWith('..'), link).toBe(false);
      expect(existsInRepo(link), link).toBe(true);
    }
  });
});

describe('environment variables', () => {
  const docs = ['README.md', ...readdirSync('docs').map((name) => join('docs', name))]
    .filter((path) => path.endsWith('.md'))
    .map((path) => readFileSync(path, 'utf8'))
    .join('\n');
  const configText = readFileSync('src/config.ts', 'utf8');
  const schemaKeys = [...configText.matchAll(/^ {2}([A-Z][A-Z0-9_]+): /gm)].map((m) => m[1]!);
  const readInSrc = SOURCES.flatMap(({ path, text }) => [
    ...[...text.matchAll(/\benv(?:\?)?\.([A-Z][A-Z0-9_]+)\b/g)].map((m) => m[1]!),
    ...[...text.matchAll(/\benv\[['"]([A-Z][A-Z0-9_]+)['"]\]/g)].map((m) => m[1]!),
    // The platforms' settings read theirs through a get('NAME') helper.
    ...(/chat\/\w+\/settings\.ts$/.test(path)
      ? [...text.matchAll(/\bget\('([A-Za-z][A-Za-z0-9_]+)'\)/g)].map((m) => m[1]!)
      : []),
  ]);

  it('every variable the configuration reads is documented', () => {
    expect(schemaKeys.length).toBeGreaterThan(20);
    const undocumented = [...new Set([...schemaKeys, ...readInSrc])].filter(
      (name) => !new RegExp(`\\b${name}\\b`).test(docs),
    );
    expect(undocumented).toEqual([]);
  });

  it('every ALIGN_BOT_ variable and REDIS_URL the docs name is read by the code, scripts or tests', () => {
    const code = [
      ...SOURCES.map((f) => f.text),
      ...filesUnder('scripts', '.ts').map((path) => readFileSync(path, 'utf8')),
      ...filesUnder('test/helpers', '.ts').map((path) => readFileSync(path, 'utf8')),
    ].join('\n');
    const named = new Set(docs.match(/\b(?:ALIGN_BOT_[A-Z0-9_]*[A-Z0-9]|REDIS_URL)\b/g) ?? []);
    expect([...named].filter((name) => !code.includes(name))).toEqual([]);
  });
});

describe('docs/reliability.md', () => {
  it('names, for every property, the test or bench files that hold it — files that exist, not folders', () => {
    const rows = readFileSync('docs/reliability.md', 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| property'));
    const unheld = rows.filter((row) => {
      const heldBy = row.split(' | ')[1] ?? '';
      const paths = heldBy.match(/(?:test|bench)\/[\w./-]*/g) ?? [];
      return paths.length === 0 || paths.some((path) => !path.endsWith('.ts') || !existsInRepo(path));
    });
    expect(unheld.map((row) => row.slice(0, 80))).toEqual([]);
  });
});

describe('docs/reliability.md, status codes', () => {
  it('every HTTP status a property names is exercised in a file the row says holds it', () => {
    const rows = readFileSync('docs/reliability.md', 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| property'));
    const unheld: string[] = [];
    for (const row of rows) {
      const [property = '', heldBy = ''] = row.slice(2).split(' | ');
      const files = (heldBy.match(/(?:test|bench)\/[\w./-]*\.ts\b/g) ?? []).filter(existsInRepo);
      const texts = files.map((file) => readFileSync(file, 'utf8'));
      for (const code of property.match(/\b[45]\d\d\b/g) ?? []) {
        if (!texts.some((text) => text.includes(code))) unheld.push(`${code}: ${property.slice(0, 60)}`);
      }
    }
    expect(unheld).toEqual([]);
  });
});

function existsInRepo(path: string): boolean {
  try {
    statSync(join(ROOT, path));
    return true;
  } catch {
    return false;
  }
}
