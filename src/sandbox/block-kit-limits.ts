/**
 * Slack's Block Kit limits as the simulator enforces them (reference/slack.md §5). Returns Slack's error code, or
 * undefined when the blocks are acceptable. Independent of the renderer on purpose: it checks what arrives.
 */

type Obj = Record<string, unknown>;

const TOTAL_TEXT_LIMIT = 12_000;
const BLOCK_TYPES = new Set([
  'section',
  'header',
  'context',
  'actions',
  'divider',
  'image',
  'input',
  'rich_text',
  'markdown',
  'table',
]);

export function checkBlockKit(blocks: unknown[]): string | undefined {
  if (blocks.length > 50) return 'invalid_blocks';
  let total = 0;
  const blockIds = new Set<string>();
  for (const block of blocks) {
    const problem = checkBlock(block as Obj);
    if (problem) return 'invalid_blocks';
    const id = (block as Obj).block_id;
    if (typeof id === 'string') {
      if (id.length > 255 || blockIds.has(id)) return 'invalid_blocks';
      blockIds.add(id);
    }
    total += textLength(block);
  }
  return total > TOTAL_TEXT_LIMIT ? 'msg_blocks_too_long' : undefined;
}

/** Describes the first violation in a block, for tests that want the reason. */
export function checkBlock(block: Obj): string | undefined {
  if (!block || typeof block !== 'object' || typeof block.type !== 'string') return 'block without a type';
  if (!BLOCK_TYPES.has(block.type)) return `unknown block type ${block.type}`;
  switch (block.type) {
    case 'section':
      return checkSection(block);
    case 'header':
      return checkText(block.text, 150, ['plain_text']);
    case 'context': {
      const elements = block.elements as unknown[] | undefined;
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > 10)
        return 'context needs 1–10 elements';
      return elements.map((e) => checkText(e, 3000)).find(Boolean);
    }
    case 'actions': {
      const elements = block.elements as Obj[] | undefined;
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > 25)
        return 'actions needs 1–25 elements';
      const ids = new Set<string>();
      for (const element of elements) {
        const problem = checkButton(element);
        if (problem) return problem;
        const id = String(element.action_id ?? '');
        if (ids.has(id)) return 'duplicate action_id';
        ids.add(id);
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function checkSection(block: Obj): string | undefined {
  if (!block.text && !block.fields) return 'section needs text or fields';
  if (block.text) {
    const problem = checkText(block.text, 3000);
    if (problem) return problem;
  }
  if (block.fields) {
    const fields = block.fields as unknown[];
    if (!Array.isArray(fields) || fields.length > 10) return 'section fields: at most 10';
    return fields.map((f) => checkText(f, 2000)).find(Boolean);
  }
  return undefined;
}

function checkButton(element: Obj): string | undefined {
  if (element.type !== 'button') return undefined;
  const textProblem = checkText(element.text, 75, ['plain_text']);
  if (textProblem) return textProblem;
  if (typeof element.action_id === 'string' && element.action_id.length > 255) return 'action_id over 255';
  if (typeof element.value === 'string' && element.value.length > 2000) return 'button value over 2000';
  if (typeof element.url === 'string' && element.url.length > 3000) return 'button url over 3000';
  if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger')
    return 'bad button style';
  return undefined;
}

function checkText(text: unknown, max: number, types = ['plain_text', 'mrkdwn']): string | undefined {
  const t = text as Obj | undefined;
  if (!t || typeof t !== 'object') return 'missing text object';
  if (!types.includes(String(t.type))) return `text type ${String(t.type)} not allowed here`;
  if (typeof t.text !== 'string' || t.text.length === 0) return 'empty text';
  if (t.text.length > max) return `text over ${max}`;
  return undefined;
}

function textLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + textLength(v), 0);
  if (!value || typeof value !== 'object') return 0;
  return Object.entries(value as Obj).reduce(
    (n, [k, v]) =>
      n + (k === 'text' && typeof v === 'string' ? v.length : typeof v === 'object' ? textLength(v) : 0),
    0,
  );
}
