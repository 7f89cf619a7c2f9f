/**
 * Approver policy (DESIGN.md §7): approvers are listed ids or members of listed groups; the requester may not
 * approve their own run unless configured otherwise.
 */
import type { Principal } from './authz.js';

export interface ApprovalPolicy {
  approvers: string[];
  allowSelfApproval: boolean;
}

export type ApprovalVerdict = { ok: true } | { ok: false; reason: string };

export function mayApprove(policy: ApprovalPolicy, who: Principal, requesterId: string): ApprovalVerdict {
  const listed =
    policy.approvers.includes(who.id) || (who.groups ?? []).some((g) => policy.approvers.includes(g));
  if (!listed) {
    return {
      ok: false,
      reason: 'Only approvers listed in ALIGN_BOT_APPROVERS (or their user groups) can decide this.',
    };
  }
  if (who.id === requesterId && !policy.allowSelfApproval) {
    return { ok: false, reason: 'You requested this run, so someone else has to approve it.' };
  }
  return { ok: true };
}
