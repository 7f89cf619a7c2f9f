/**
 * Stands in for the admin's password manager: every API token created in the simulated Jira (and the demo
 * connectors' first ones) under a label, so one can go into Jira Align's password field — or back into it, for
 * a rollback — without retyping it. The values stay on the server; the page sees labels only.
 */

import { AdminError, tokensOf } from '../../sandbox/admin/jira-admin.js';
import type { SandboxWorld } from '../../sandbox/admin/world.js';
import type { SimApiToken } from '../../sandbox/jira-site.js';

interface Entry {
  label: string;
  value: string;
  at: number;
}

export class PasswordManager {
  private readonly entries = new Map<string, Entry>();

  constructor(world: SandboxWorld) {
    for (const site of world.sites()) {
      for (const account of site.accounts) {
        for (const token of tokensOf(account)) this.remember(site.host, account.email, token);
      }
    }
  }

  remember(host: string, email: string, token: SimApiToken): void {
    const name = host.split('.')[0];
    this.entries.set(`${host}/${email}/${token.id}`, {
      label: `${name}: ${token.label} (${email})`,
      value: token.value,
      at: token.createdAt,
    });
  }

  value(id: string): string {
    const entry = this.entries.get(id);
    if (!entry) throw new AdminError('That saved token is not in the password manager.');
    return entry.value;
  }

  list(): Array<{ id: string; label: string }> {
    return [...this.entries.entries()]
      .sort(([, a], [, b]) => b.at - a.at)
      .map(([id, e]) => ({ id, label: e.label }));
  }
}
