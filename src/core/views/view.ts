/**
 * The platform-neutral message model: what every renderer (Slack Block Kit, Teams Adaptive Cards, the CLI)
 * draws. Strings in it are plain text; renderers escape them for their platform, so untrusted text (Jira error
 * messages, project names) can never become a mention or a link.
 */
import type { StepStatus } from '../status.js';

export type Inline =
  | string
  | { b: string }
  | { code: string }
  | { link: string; label?: string }
  | { user: string };

export interface Button {
  /** Routes the click (Slack action_id, Teams Action.Submit data). */
  action: string;
  label: string;
  /** An opaque id (run id, approval id), never a secret. */
  value: string;
  style?: 'primary' | 'danger';
  confirm?: { title: string; text: string; yes: string; no: string };
  /** A link button (the secret form); no action is sent back. */
  url?: string;
}

export type Block =
  | { type: 'header'; text: string }
  | { type: 'text'; text: Inline[] }
  | { type: 'fields'; fields: Array<{ label: string; value: Inline[] }> }
  | { type: 'checklist'; items: ChecklistItem[] }
  | { type: 'context'; text: Inline[] }
  | { type: 'code'; label?: string; text: string }
  | { type: 'actions'; id: string; buttons: Button[] }
  | { type: 'divider' };

export interface ChecklistItem {
  status: StepStatus;
  title: string;
  note?: Inline[];
}

export interface MessageView {
  /** Notification and screen-reader fallback; plain text. */
  text: string;
  blocks: Block[];
}

export interface ReplyView {
  /** Stable per run: the outbox posts each key once and edits it when its content changes. */
  key: string;
  message: MessageView;
  /** Posted to the conversation itself, not into the run's thread (a note everyone should see). */
  inChannel?: boolean;
}

/**
 * Replies too many to hold at once (a large report's table pages): each is drawn only when the outbox gets to it,
 * and never again once delivered (their content never changes). Posted before `replies`, in order.
 */
export interface PagedReplies {
  keys: string[];
  render(key: string): Promise<MessageView>;
}

export interface RunView {
  root: MessageView;
  replies: ReplyView[];
  pages?: PagedReplies;
}

export const STATUS_ICON: Record<StepStatus, string> = {
  pending: '⏳',
  running: '🔄',
  waiting: '✋',
  pass: '✅',
  warn: '⚠️',
  fail: '❌',
  skip: '➖',
};

/** Plain text of inline content, for fallbacks and the CLI. */
export function plain(inlines: Inline[]): string {
  return inlines
    .map((i) => {
      if (typeof i === 'string') return i;
      if ('b' in i) return i.b;
      if ('code' in i) return i.code;
      if ('link' in i) return i.label ? `${i.label} (${i.link})` : i.link;
      return `@${i.user}`;
    })
    .join('');
}
