/**
 * One MessageView block → Adaptive Card elements, drawn as Teams users expect: a checklist of status icons in a
 * column, fields as label/value columns (never a FactSet, whose values Teams parses as markdown), code in a
 * monospace well, buttons in ActionSets of Universal Actions.
 */
import {
  type Block,
  type Button,
  type ChecklistItem,
  type Inline,
  STATUS_ICON,
} from '../../core/views/view.js';
import { CARD_LIMITS, type CardJson } from './card-json.js';
import {
  clip,
  clipInlines,
  type InlineOptions,
  richText,
  richTextLines,
  richTextOf,
  safeUrl,
} from './cards-inline.js';

export function blockElements(block: Block, options: InlineOptions): CardJson[] {
  switch (block.type) {
    case 'header':
      return [richText([clip(block.text, CARD_LIMITS.headerChars)], { bold: true, size: 'Large' }, options)];
    case 'text':
      return richTextLines(clipInlines(block.text, CARD_LIMITS.textChars), {}, options);
    case 'context':
      return richTextLines(
        clipInlines(block.text, CARD_LIMITS.textChars),
        { subtle: true, size: 'Small' },
        options,
      );
    case 'fields':
      return fieldRows(block.fields, options);
    case 'checklist':
      return checklist(block.items, options);
    case 'code':
      return codeWell(block.label, block.text, options);
    case 'actions':
      return actionSets(block.buttons, options);
    case 'divider':
      return [];
  }
}

function moreLine(count: number, options: InlineOptions): CardJson {
  return richText([`+${count} more`], { subtle: true, size: 'Small' }, options);
}

function fieldRows(fields: Array<{ label: string; value: Inline[] }>, options: InlineOptions): CardJson[] {
  const rows: CardJson[] = fields.slice(0, CARD_LIMITS.fields).map((field, i) => ({
    type: 'ColumnSet',
    columns: [
      { type: 'Column', width: 1, items: [richText([clip(field.label, 200)], { bold: true }, options)] },
      { type: 'Column', width: 2, items: fieldValue(field.value, options) },
    ],
    ...(i > 0 ? { spacing: 'Small' } : {}),
  }));
  if (fields.length > CARD_LIMITS.fields) rows.push(moreLine(fields.length - CARD_LIMITS.fields, options));
  return rows;
}

/** A value with no text still needs an element: the serializer drops a Column whose items are empty. */
function fieldValue(value: Inline[], options: InlineOptions): CardJson[] {
  const lines = richTextLines(clipInlines(value, CARD_LIMITS.textChars), {}, options);
  return lines.length > 0 ? lines : [richText([' '], {}, options)];
}

function checklist(items: ChecklistItem[], options: InlineOptions): CardJson[] {
  const rows: CardJson[] = items.slice(0, CARD_LIMITS.checklistItems).map((item, i) => {
    const note: Inline[] = item.note && item.note.length > 0 ? [' — ', ...clipInlines(item.note, 500)] : [];
    return {
      type: 'ColumnSet',
      columns: [
        { type: 'Column', width: 'auto', items: [richText([STATUS_ICON[item.status]], {}, options)] },
        {
          type: 'Column',
          width: 'stretch',
          items: [
            richTextOf(
              [
                { inlines: [clip(item.title, 300)], style: {} },
                { inlines: note, style: { subtle: true } },
              ],
              options,
            ),
          ],
        },
      ],
      ...(i > 0 ? { spacing: 'Small' } : {}),
    };
  });
  if (items.length > CARD_LIMITS.checklistItems)
    rows.push(moreLine(items.length - CARD_LIMITS.checklistItems, options));
  return rows;
}

function codeWell(label: string | undefined, text: string, options: InlineOptions): CardJson[] {
  const lines = richTextLines([{ code: clip(text, CARD_LIMITS.codeChars) }], {}, options);
  const well: CardJson = {
    type: 'Container',
    style: 'emphasis',
    items: lines.length > 0 ? lines : [richText([{ code: ' ' }], {}, options)],
    ...(label ? { spacing: 'Small' } : {}),
  };
  return label ? [richText([clip(label, 200)], { bold: true }, options), well] : [well];
}

function actionSets(buttons: Button[], options: InlineOptions): CardJson[] {
  const actions = buttons.map((b) => buttonAction(b, options)).filter((a): a is CardJson => a !== undefined);
  const sets: CardJson[] = [];
  for (let i = 0; i < actions.length; i += CARD_LIMITS.actionsPerSet) {
    sets.push({
      type: 'ActionSet',
      actions: actions.slice(i, i + CARD_LIMITS.actionsPerSet),
      ...(i > 0 ? { spacing: 'Small' } : {}),
    });
  }
  return sets;
}

const STYLE = { primary: 'positive', danger: 'destructive' } as const;

/**
 * A link button opens its URL (http(s) only; anything else is dropped). Any other button is an Action.Execute
 * whose verb is the button's action and whose data carries its value — an id, never a secret. Teams shows no
 * confirm dialog for Action.Execute, so a button with `confirm` opens an inline card (Action.ShowCard) with the
 * question and the real button; clicking the first button again closes it, which is the "no".
 */
export function buttonAction(button: Button, options: InlineOptions): CardJson | undefined {
  const title = clip(button.label.replace(/\s+/g, ' ').trim() || button.action, CARD_LIMITS.buttonTitle);
  const style = button.style ? { style: STYLE[button.style] } : {};
  if (button.url !== undefined) {
    const url = safeUrl(button.url);
    return url ? { type: 'Action.OpenUrl', title, url, ...style } : undefined;
  }
  const execute = (label: string): CardJson => ({
    type: 'Action.Execute',
    title: label,
    verb: button.action,
    data: { value: button.value },
    ...style,
  });
  if (!button.confirm) return execute(title);
  const { confirm } = button;
  return {
    type: 'Action.ShowCard',
    title,
    ...style,
    card: {
      type: 'AdaptiveCard',
      body: [
        richText([{ b: clip(confirm.title, 200) }], {}, options),
        ...richTextLines([clip(confirm.text, 1000)], {}, options),
        richText(
          [`${clip(confirm.no, 40)}: click “${title}” again.`],
          { subtle: true, size: 'Small' },
          options,
        ),
      ],
      actions: [execute(clip(confirm.yes.trim() || title, CARD_LIMITS.buttonTitle))],
    },
  };
}
