/**
 * Everything the sandbox's admin consoles act on: the Jira and Jira Align simulators, the sandbox network and the
 * simulated Jira Align connectors. After every change Jira Align syncs again and listeners hear 'change'.
 */
import { EventEmitter } from 'node:events';
import type { AlignSim } from '../align-sim.js';
import type { JiraSim } from '../jira-sim.js';
import type { JiraSite } from '../jira-site.js';
import { AlignAdmin } from './align-admin.js';
import { syncConnector } from './align-sync.js';
import { AdminError, currentSite, isRenamedCopy } from './jira-admin.js';
import { SandboxNetwork } from './network.js';

export class SandboxWorld {
  readonly align: AlignAdmin;
  readonly network: SandboxNetwork;
  /** 'change' after every change made through the consoles. */
  readonly events = new EventEmitter();

  constructor(
    readonly jira: JiraSim,
    readonly alignSim: AlignSim,
    pins: Record<string, string>,
    /** The bot's per-request time limit (a slower Jira is a timeout). */
    readonly timeoutMs: number,
  ) {
    this.align = new AlignAdmin(alignSim);
    this.network = new SandboxNetwork(pins, () => this.hosts());
  }

  /** Every simulated host name. */
  hosts(): string[] {
    return [...this.jira.sites.keys(), ...this.alignSim.instances.keys(), this.jira.gatewayHost];
  }

  /** A Jira site by host; a renamed copy stands for its original. */
  site(host: string): JiraSite {
    const site = this.jira.sites.get(host.toLowerCase());
    if (!site) throw new AdminError(`No Jira site ${host}.`);
    return site;
  }

  /** The sites an admin picks from: originals only (a renamed one shows under its new name). */
  sites(): JiraSite[] {
    return [...this.jira.sites.values()].filter((s) => !isRenamedCopy(s));
  }

  /** The site under its current name. */
  current(site: JiraSite): JiraSite {
    return currentSite(this.jira, site);
  }

  /** Jira Align syncs every active connector, then listeners are told. */
  changed(): void {
    for (const instance of this.alignSim.instances.values()) {
      const failing = this.align.failingSync.has(instance);
      for (const c of this.align.connectors(instance)) syncConnector(this, c, failing);
    }
    this.events.emit('change');
  }

  async stop(): Promise<void> {
    await this.network.stop();
  }
}
