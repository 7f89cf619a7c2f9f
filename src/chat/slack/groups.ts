/**
 * Slack user-group membership for the roles in config (ids starting with "S"): loaded at start and refreshed in
 * the background, so authorizing a command or a click never waits for Slack.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';

const REFRESH_MS = 5 * 60_000;

export class SlackGroups {
  private members = new Map<string, Set<string>>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly client: WebClient,
    private readonly groupIds: string[],
    private readonly logger: Logger,
  ) {}

  static fromRoles(client: WebClient, roles: Record<string, string[]>, logger: Logger): SlackGroups {
    const ids = [
      ...new Set(
        Object.values(roles)
          .flat()
          .filter((id) => /^S[A-Z0-9]+$/.test(id)),
      ),
    ];
    return new SlackGroups(client, ids, logger);
  }

  async start(): Promise<void> {
    if (this.groupIds.length === 0) return;
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  groupsOf(userId: string): string[] {
    return [...this.members].filter(([, users]) => users.has(userId)).map(([group]) => group);
  }

  async refresh(): Promise<void> {
    const next = new Map<string, Set<string>>();
    for (const usergroup of this.groupIds) {
      try {
        const res = await this.client.usergroups.users.list({ usergroup });
        next.set(usergroup, new Set(res.users ?? []));
      } catch (error) {
        // Keep the last known members of a group Slack could not list this time.
        this.logger.warn(
          { usergroup, err: { message: (error as Error).message } },
          'could not list a Slack user group',
        );
        const known = this.members.get(usergroup);
        if (known) next.set(usergroup, known);
      }
    }
    this.members = next;
  }
}
