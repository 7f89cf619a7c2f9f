/**
 * MessageView → Block Kit. Every string is escaped (& < >), mrkdwn objects are verbatim, and every Block Kit
 * limit is respected by truncation, so a long Jira error can never break a message (reference/slack.md §5).
 */
import {
  type Block,
  type Button,
  type Inline,
  type MessageView,
  STATUS_ICON,
} from '../../core/views/view.js';

export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  field: 2000,
  fields: 10,
  header: 150,
  contextElements: 10,
  actions: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  buttonUrl: 3000,
  fallbackText: 3000,
  /** Slack rejects messages whose blocks hold much more text, below every documented limit (msg_blocks_too_long). */
  totalBlockText: 11_000,
} as const;

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

export type SlackBlock = Record<string, unknown> & { type: string };

export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts to max characters, ending with "…"; never between the two halves of a surrogate pair (an emoji). */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${withoutCutPair(text.slice(0, max - 1))}…`;
}

/**
 * Cuts escaped mrkdwn like truncate, and never inside an entity (`&am…` would show a raw `&`) or inside a <…>
 * sequence (a mention or link cut open). In escaped text every `&` starts an entity and every `<` a sequence.
 */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1).replace(/&[a-z]{0,3}$/, '');
  const open = cut.lastIndexOf('<');
  if (open > cut.lastIndexOf('>')) cut = cut.slice(0, open);
  return `${withoutCutPair(cut)}…`;
}

function withoutCutPair(text: string): string {
  return /[\uD800-\uDBFF]$/.test(text) ? text.slice(0, -1) : text;
}

export function renderInline(inlines: Inline[]): string {
  return inlines.map(inline).join('');
}

function inline(i: Inline): string {
  if (typeof i === 'string') return escapeMrkdwn(i);
  if ('b' in i) return i.b.trim() ? `*${escapeMrkdwn(i.b.replace(/\*/g, '∗'))}*` : '';
  if ('code' in i) return `\`${escapeMrkdwn(i.code.replace(/`/g, 'ˋ'))}\``;
  if ('link' in i) {
    const url = escapeMrkdwn(i.link).replace(/\|/g, '%7C');
    return /^https?:\/\//.test(i.link)
      ? `<${url}${i.label ? `|${escapeMrkdwn(i.label.replace(/[|>]/g, ' '))}` : ''}>`
      : url;
  }
  if (/^[UW][A-Z0-9]{2,20}$/.test(i.user)) return `<@${i.user}>`;
  // A user group (an admins group in ALIGN_BOT_ADMINS, say) is mentioned as one.
  if (/^S[A-Z0-9]{2,20}$/.test(i.user)) return `<!subteam^${i.user}>`;
  return escapeMrkdwn(`@${i.user}`);
}

function mrkdwn(text: string, max: number = SLACK_LIMITS.sectionText) {
  return { type: 'mrkdwn', text: truncateMrkdwn(text || ' ', max), verbatim: true };
}

function plainText(text: string, max: number) {
  return { type: 'plain_text', text: truncate(text.trim() || ' ', max), emoji: true };
}

export function renderSlack(view: MessageView): SlackMessage {
  const blocks: SlackBlock[] = [];
  let budget: number = SLACK_LIMITS.totalBlockText;
  for (const block of view.blocks) {
    for (const rendered of renderBlock(block)) {
      const size = textSize(rendered);
      if (blocks.length >= SLACK_LIMITS.blocks - 1 || size > budget) {
        blocks.push({ type: 'context', elements: [mrkdwn('…more in the thread or with /align status.')] });
        return { text: truncateMrkdwn(escapeMrkdwn(view.text), SLACK_LIMITS.fallbackText), blocks };
      }
      budget -= size;
      blocks.push(rendered);
    }
  }
  return { text: truncateMrkdwn(escapeMrkdwn(view.text), SLACK_LIMITS.fallbackText), blocks };
}

function renderBlock(block: Block): SlackBlock[] {
  switch (block.type) {
    case 'header':
      return [{ type: 'header', text: plainText(block.text, SLACK_LIMITS.header) }];
    case 'text':
      return [{ type: 'section', text: mrkdwn(renderInline(block.text)) }];
    case 'fields':
      // Slack refuses a section with no text and no fields, and an actions block with no elements.
      if (block.fields.length === 0) return [];
      return [
        {
          type: 'section',
          fields: block.fields
            .slice(0, SLACK_LIMITS.fields)
            .map((f) => mrkdwn(`*${escapeMrkdwn(f.label)}*\n${renderInline(f.value)}`, SLACK_LIMITS.field)),
        },
      ];
    case 'checklist':
      return chunkLines(
        block.items.map((item) => {
          const note = item.note && item.note.length > 0 ? ` — ${renderInline(item.note)}` : '';
          return truncateMrkdwn(`${STATUS_ICON[item.status]} ${escapeMrkdwn(item.title)}${note}`, 600);
        }),
      ).map((text) => ({ type: 'section', text: mrkdwn(text) }));
    case 'context':
      return [{ type: 'context', elements: [mrkdwn(renderInline(block.text))] }];
    case 'code': {
      // The body is cut after escaping, so the closing ``` always fits.
      const label = block.label ? `*${escapeMrkdwn(truncate(block.label, 200))}*\n` : '';
      const body = truncateMrkdwn(
        escapeMrkdwn(block.text.replace(/```/g, 'ˋˋˋ')),
        SLACK_LIMITS.sectionText - label.length - 6,
      );
      return [{ type: 'section', text: mrkdwn(`${label}\`\`\`${body}\`\`\``) }];
    }
    case 'actions':
      if (block.buttons.length === 0) return [];
      return [
        {
          type: 'actions',
          block_id: truncate(block.id, 255),
          elements: block.buttons.slice(0, SLACK_LIMITS.actions).map(renderButton),
        },
      ];
    case 'divider':
      return [{ type: 'divider' }];
  }
}

function renderButton(button: Button): SlackBlock {
  return {
    type: 'button',
    action_id: truncate(button.action, SLACK_LIMITS.actionId),
    text: plainText(button.label, SLACK_LIMITS.buttonText),
    ...(button.url
      ? { url: truncate(button.url, SLACK_LIMITS.buttonUrl) }
      : { value: truncate(button.value, SLACK_LIMITS.buttonValue) }),
    ...(button.style ? { style: button.style } : {}),
    ...(button.confirm
      ? {
          confirm: {
            title: plainText(button.confirm.title, 100),
            text: plainText(button.confirm.text, 300),
            confirm: plainText(button.confirm.yes, 30),
            deny: plainText(button.confirm.no, 30),
            ...(button.style === 'danger' ? { style: 'danger' } : {}),
          },
        }
      : {}),
  };
}

/** Joins lines into section texts under the 3000-character cap. */
function chunkLines(lines: string[]): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of lines) {
    if (current && current.length + 1 + line.length > SLACK_LIMITS.sectionText) {
      chunks.push(current);
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) chunks.push(current);
  return chunks;
}

/** Characters of text a block contributes to Slack's undocumented total. */
export function textSize(block: unknown): number {
  if (Array.isArray(block)) return block.reduce((n: number, b) => n + textSize(b), 0);
  if (!block || typeof block !== 'object') return 0;
  return Object.entries(block).reduce((n, [key, value]) => {
    if (key === 'text' && typeof value === 'string') return n + value.length;
    return n + (typeof value === 'object' ? textSize(value) : 0);
  }, 0);
}
