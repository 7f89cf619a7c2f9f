/** `/align list` and `/align status`: connectors with their last result, as a message view. */

import type { ConnectorSpec } from '../connector-spec.js';
import type { LastResult } from '../last-result.js';
import type { MaintenanceNote } from '../maintenance.js';
import { hostOf } from '../runbooks/checks/jira-answers.js';
import { noteLine } from './maintenance-note.js';
import type { Block, Inline, MessageView } from './view.js';

const ICON: Record<string, string> = { succeeded: '✅', failed: '❌', cancelled: '🚫', expired: '⌛' };

export function listView(
  specs: ConnectorSpec[],
  last: Map<string, LastResult>,
  prefix: string,
  now = Date.now(),
  maintenance: Map<string, MaintenanceNote> = new Map(),
): MessageView {
  if (specs.length === 0) {
    const text = `No connectors yet. Add them to the connectors file, or set one up with ${prefix} connect.`;
    return { text, blocks: [{ type: 'text', text: [text] }] };
  }
  const lines: Inline[] = [];
  for (const spec of specs.slice(0, 100)) {
    const result = last.get(spec.name);
    const icon = result ? (ICON[result.state] ?? '🔄') : '▫️';
    const when = result ? ` · ${result.kind} ${result.state} ${ago(now - result.at)}` : ' · never tested';
    const codes = result && result.codes.length > 0 ? ` · ${result.codes.slice(0, 4).join(', ')}` : '';
    if (lines.length > 0) lines.push('\n');
    lines.push(
      `${icon} `,
      { b: spec.name },
      ` — ${hostOf(spec.jira.url)} (${spec.jira.kind}, ${spec.auth})${when}${codes}`,
    );
    const note = maintenance.get(spec.name);
    if (note) lines.push('\n      ', ...noteLine(note));
  }
  const blocks: Block[] = [
    { type: 'text', text: [{ b: `${specs.length} connector${specs.length === 1 ? '' : 's'}` }] },
    { type: 'text', text: lines },
  ];
  if (specs.length > 100) blocks.push({ type: 'context', text: [`…and ${specs.length - 100} more.`] });
  return { text: `${specs.length} connectors`, blocks };
}

export function ago(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s}s ago`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m}m ago`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h}h ago` : `${Math.round(h / 24)}d ago`;
}
