/** `/align audit [name]`: the latest audit entries as a message view. */

import type { AuditEntry } from '../audit-entry.js';
import type { Inline, MessageView } from './view.js';

const ICON: Record<AuditEntry['outcome'], string> = {
  ok: '▫️',
  denied: '🔒',
  failed: '❌',
  approved: '✅',
  rejected: '⛔',
  expired: '⌛',
  cancelled: '🚫',
};

export function auditView(entries: AuditEntry[], name?: string): MessageView {
  const title = `Audit log${name ? ` for ${name}` : ''}`;
  if (entries.length === 0)
    return {
      text: `${title}: nothing recorded yet.`,
      blocks: [{ type: 'text', text: [`${title}: nothing recorded yet.`] }],
    };
  const lines: Inline[] = [];
  for (const e of entries) {
    if (lines.length > 0) lines.push('\n');
    const when = new Date(e.at).toISOString().slice(0, 16).replace('T', ' ');
    lines.push(`${ICON[e.outcome]} ${when} `, { user: e.actor }, ` ${e.action} — ${e.outcome}`);
    if (e.connector) lines.push(' · ', { b: e.connector });
    if (e.runId) lines.push(' · ', { code: e.runId });
  }
  return {
    text: title,
    blocks: [
      { type: 'text', text: [{ b: title }] },
      { type: 'text', text: lines },
    ],
  };
}
