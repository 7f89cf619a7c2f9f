/** What Jira Cloud's `myself` says about the account a credential belongs to. */

export interface Myself {
  accountId?: string;
  key?: string;
  name?: string;
  accountType?: string;
  appType?: string;
  displayName?: string;
  emailAddress?: string | null;
  active?: boolean;
  applicationRoles?: { size?: number; items?: Array<{ key?: string; name?: string }> };
  groups?: { size?: number; items?: Array<{ name?: string }> };
}

export function describeAccount(me: Myself, configuredEmail?: string): string {
  const kind =
    me.accountType === 'app' && me.appType === 'service' ? 'service account' : (me.accountType ?? 'user');
  const who = `${me.displayName ?? me.name ?? 'unknown'}${me.emailAddress ? ` <${me.emailAddress}>` : ''}`;
  const mismatch =
    configuredEmail && me.emailAddress && me.emailAddress.toLowerCase() !== configuredEmail.toLowerCase()
      ? ` Note: that is not ${configuredEmail}.`
      : '';
  return `Authenticated as ${who}, ${kind}.${mismatch}`;
}

export function roleNames(me: Myself): string[] {
  return (me.applicationRoles?.items ?? []).map((r) => r.name ?? r.key ?? '?');
}
