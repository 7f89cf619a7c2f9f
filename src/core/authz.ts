/**
 * Who may do what (DESIGN.md §3, §7). Roles come from config as Slack user / user-group ids and Teams AAD object
 * ids. An empty operator list lets everyone run read-only commands; admin commands always need a listed admin.
 */
import type { Verb } from './commands.js';

export type Role = 'anyone' | 'operator' | 'admin';

export interface RolePolicy {
  operators: string[];
  admins: string[];
  approvers: string[];
}

export interface Principal {
  id: string;
  /** Groups the person belongs to (Slack user-group ids), when known. */
  groups?: string[];
}

const REQUIRED: Record<Verb, Role> = {
  help: 'anyone',
  test: 'operator',
  status: 'operator',
  list: 'operator',
  cancel: 'operator',
  connect: 'admin',
  rotate: 'admin',
  report: 'admin',
  audit: 'admin',
  maintenance: 'admin',
};

export function requiredRole(verb: Verb): Role {
  return REQUIRED[verb];
}

function listed(list: string[], who: Principal): boolean {
  return list.includes(who.id) || (who.groups ?? []).some((g) => list.includes(g));
}

export function isAdmin(policy: RolePolicy, who: Principal): boolean {
  return listed(policy.admins, who);
}

export function hasRole(policy: RolePolicy, who: Principal, role: Role): boolean {
  if (role === 'anyone') return true;
  if (isAdmin(policy, who)) return true;
  if (role === 'admin') return false;
  return policy.operators.length === 0 || listed(policy.operators, who);
}

export function denialText(role: Role, verb: Verb): string {
  return role === 'admin'
    ? `Only Align Bot admins may use ${verb}. Ask an admin, or ask your Slack/Teams admin to add you to ALIGN_BOT_ADMINS.`
    : `Only Align Bot operators may use ${verb}. Ask an admin to add you to ALIGN_BOT_OPERATORS.`;
}
