/**
 * `align-bot test --json` in-process against the Jira and Jira Align simulators: host names pinned to 127.0.0.1
 * through ALIGN_BOT_RESOLVE (Data Center hosts under *.corp.example, which the allow list admits), secrets handed
 * over as environment variables, and every byte the CLI printed kept for the secret-leak check.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestReport, testCommand } from '../../src/cli/test-command.js';
import { type Config, loadConfig } from '../../src/config.js';
import { PROJECT_PERMISSIONS } from '../../src/core/runbooks/checks/jira.js';
import { AlignSim } from '../../src/sandbox/align-sim.js';
import { JiraSim } from '../../src/sandbox/jira-sim.js';
import type { SimAccount } from '../../src/sandbox/jira-site.js';
import { recordError, recordOutput, registerSecret } from './leaks.js';

export const DC_DOMAIN = 'corp.example';

export interface CliRun {
  code: number;
  report: TestReport;
  check(id: string): TestReport['checks'][number];
}

export class CliWorld {
  readonly outputs: string[] = [];
  readonly secrets: string[] = [];
  private readonly env: Record<string, string>;
  private config: Config;
  private readonly dir = mkdtempSync(join(tmpdir(), 'align-bot-cli-'));

  private constructor(
    readonly jira: JiraSim,
    readonly align: AlignSim,
  ) {
    this.env = {
      ALIGN_BOT_RESOLVE: `*.atlassian.net=127.0.0.1,*.jiraalign.com=127.0.0.1,*.${DC_DOMAIN}=127.0.0.1,${jira.gatewayHost}=127.0.0.1`,
      ALIGN_BOT_ALLOWED_HOSTS: [
        `*.${DC_DOMAIN}`,
        ...jira.allowedHosts(['*.atlassian.net', `*.${DC_DOMAIN}`]),
        `*.jiraalign.com:${align.port}`,
      ].join(','),
      ALIGN_BOT_ATLASSIAN_API_URL: jira.gatewayUrl,
      LOG_LEVEL: 'silent',
    };
    this.config = loadConfig(this.env as NodeJS.ProcessEnv);
  }

  static async start(): Promise<CliWorld> {
    return new CliWorld(await new JiraSim().start(), await new AlignSim().start());
  }

  async stop(): Promise<void> {
    await Promise.all([this.jira.stop(), this.align.stop()]);
  }

  /** Adds ALIGN_BOT_ALLOWED_HOSTS entries (say `host:port` of a fault server) for every later run. */
  allow(...entries: string[]): void {
    this.env.ALIGN_BOT_ALLOWED_HOSTS = [this.env.ALIGN_BOT_ALLOWED_HOSTS, ...entries].join(',');
    this.config = loadConfig(this.env as NodeJS.ProcessEnv);
  }

  /** Puts a secret into the CLI's environment and remembers it for the leak check; returns the variable. */
  secret(name: string, value: string): string {
    const variable = name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
    this.env[variable] = value;
    this.secrets.push(registerSecret(value, `CliWorld ${variable}`));
    return variable;
  }

  file(name: string, text: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  /** A healthy Data Center site: an administrator service account with a PAT, and project ALIGN fully granted. */
  dcSite(name: string, options: { version?: string; admin?: boolean } = {}) {
    const host = `${name}.${DC_DOMAIN}`;
    const url = this.jira.siteUrl(host);
    const site = this.jira.addSite({
      host,
      kind: 'datacenter',
      version: options.version ?? '9.12.4',
      baseUrl: url,
    });
    const pat = `NjM${randomBytes(24).toString('base64url')}`;
    const password = `pw-${randomBytes(9).toString('base64url')}`;
    const account: SimAccount = site.addAccount({
      email: 'svc-align',
      token: password,
      pat,
      admin: options.admin ?? true,
      displayName: 'Align Service',
    });
    site.addProject('ALIGN');
    site.grantAll(account, 'ALIGN', PROJECT_PERMISSIONS);
    return {
      site,
      account,
      url,
      patEnv: this.secret(`${name}_pat`, pat),
      passwordEnv: this.secret(`${name}_password`, password),
    };
  }

  /**
   * A healthy Jira Cloud site `<name>.atlassian.net`: a service account with a classic API token and project ALIGN
   * fully granted. `args` are the CLI flags that test it with those credentials.
   */
  cloudSite(name: string) {
    const host = `${name}.atlassian.net`;
    const url = this.jira.siteUrl(host);
    const site = this.jira.addSite({ host, baseUrl: url });
    const email = `svc@${name}.example`;
    const token = `ATATT3x${randomBytes(24).toString('base64url')}`;
    const account = site.addAccount({ email, token, accountType: 'app', appType: 'service' });
    site.addProject('ALIGN');
    site.grantAll(account, 'ALIGN', PROJECT_PERMISSIONS);
    const tokenEnv = this.secret(`${name}_token`, token);
    const args = ['--jira', url, '--email', email, '--token-env', tokenEnv, '--project', 'ALIGN'];
    return { site, account, url, email, tokenEnv, args };
  }

  /** A Jira Align instance with one user (the token) and connector 1 syncing project ALIGN and one board. */
  alignInstance(
    name: string,
    token = `user:${randomBytes(3).readUIntBE(0, 3)}|${randomBytes(18).toString('base64')}`,
  ) {
    const host = `${name}.jiraalign.com`;
    const instance = this.align.addInstance(host);
    instance.addUser(token);
    const connector = instance.addConnector(1);
    instance.addProject(connector, 'ALIGN');
    instance.addBoard(connector, 'ALIGN board');
    return {
      instance,
      connector,
      url: this.align.instanceUrl(host),
      tokenEnv: this.secret(`${name}_align`, token),
    };
  }

  /**
   * `align-bot test <argv> --json`; `env` adds to (or overrides) the world's environment for this run only, except
   * ALIGN_BOT_ALLOWED_HOSTS, whose entries are added to the world's.
   */
  async run(argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
    const out: string[] = [];
    const err: string[] = [];
    const all = { ...this.env, ...env };
    if (env.ALIGN_BOT_ALLOWED_HOSTS) {
      all.ALIGN_BOT_ALLOWED_HOSTS = `${this.env.ALIGN_BOT_ALLOWED_HOSTS},${env.ALIGN_BOT_ALLOWED_HOSTS}`;
    }
    let code: number;
    try {
      const config = Object.keys(env).length > 0 ? loadConfig(all as NodeJS.ProcessEnv) : this.config;
      code = await testCommand([...argv, '--json'], config, {
        out: (t) => out.push(t),
        err: (t) => err.push(t),
        env: all,
      });
    } catch (error) {
      recordError('CLI test command (thrown)', error);
      throw error;
    } finally {
      recordOutput('CLI test command', [...out, ...err].join('\n'));
    }
    this.outputs.push(...out, ...err);
    if (code === 2) throw new Error(`usage error: ${err.join('\n')}`);
    const report = JSON.parse(out.join('')) as TestReport;
    return {
      code,
      report,
      check(id) {
        const found = report.checks.find((c) => c.id === id);
        if (!found) throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
        return found;
      },
    };
  }
}
