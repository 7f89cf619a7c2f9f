/**
 * Inline content → RichTextBlocks of TextRuns. A TextRun's text is never parsed as markdown and never becomes a
 * mention, so untrusted strings (Jira errors, names, command arguments) stay literal. Links exist only where the
 * view has a {link} inline with an http(s) URL; {user} is drawn as "@name" text, never as an <at> mention.
 */
import type { Inline } from '../../core/views/view.js';
import type { CardJson } from './card-json.js';

export interface InlineOptions {
  /** Display name of a {user} id (Teams: the name the activity carried); unknown ids are drawn as "@id". */
  userName?: (id: string) => string | undefined;
}

export interface RunStyle {
  bold?: boolean;
  mono?: boolean;
  subtle?: boolean;
  size?: 'Small' | 'Large';
}

/** The normalized http(s) URL, or undefined for anything else (javascript:, data:, relative, malformed). */
export function safeUrl(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

interface Piece {
  text: string;
  style: RunStyle;
  url?: string;
}

function pieceOf(inline: Inline, base: RunStyle, options: InlineOptions): Piece {
  if (typeof inline === 'string') return { text: inline, style: base };
  if ('b' in inline) return { text: inline.b, style: { ...base, bold: true } };
  if ('code' in inline) return { text: inline.code, style: { ...base, mono: true } };
  if ('link' in inline) {
    const url = safeUrl(inline.link);
    if (!url) return { text: inline.label ? `${inline.label} (${inline.link})` : inline.link, style: base };
    return { text: inline.label || inline.link, style: base, url };
  }
  const name = options.userName?.(inline.user)?.trim();
  return { text: `@${name || inline.user}`, style: base };
}

function textRun(piece: Piece): CardJson {
  const { style } = piece;
  return {
    type: 'TextRun',
    text: piece.text,
    ...(style.bold ? { weight: 'Bolder' } : {}),
    ...(style.mono ? { fontType: 'Monospace' } : {}),
    ...(style.subtle ? { isSubtle: true } : {}),
    ...(style.size ? { size: style.size } : {}),
    ...(piece.url
      ? { color: 'Accent', underline: true, selectAction: { type: 'Action.OpenUrl', url: piece.url } }
      : {}),
  };
}

function sameStyle(a: Piece, b: Piece): boolean {
  return (
    !a.url &&
    !b.url &&
    a.style.bold === b.style.bold &&
    a.style.mono === b.style.mono &&
    a.style.subtle === b.style.subtle &&
    a.style.size === b.style.size
  );
}

/** Splits pieces at newlines: one array of pieces per line. A link never spans lines. */
function splitLines(pieces: Piece[]): Piece[][] {
  const lines: Piece[][] = [[]];
  for (const piece of pieces) {
    const parts = piece.url ? [piece.text.replace(/\s*\n\s*/g, ' ')] : piece.text.split(/\r?\n/);
    parts.forEach((text, i) => {
      if (i > 0) lines.push([]);
      if (text) lines[lines.length - 1]!.push({ ...piece, text });
    });
  }
  return lines;
}

function mergeRuns(pieces: Piece[]): Piece[] {
  const merged: Piece[] = [];
  for (const piece of pieces) {
    const last = merged[merged.length - 1];
    if (last && sameStyle(last, piece)) merged[merged.length - 1] = { ...last, text: last.text + piece.text };
    else merged.push(piece);
  }
  return merged;
}

/**
 * One RichTextBlock per line (clients differ on newlines inside a TextRun). Lines after the first sit tight
 * under it; a blank line gives the next one normal spacing, like a paragraph.
 */
export function richTextLines(inlines: Inline[], style: RunStyle, options: InlineOptions): CardJson[] {
  const blocks: CardJson[] = [];
  let paragraph = true;
  for (const line of splitLines(inlines.map((i) => pieceOf(i, style, options)))) {
    if (!line.some((p) => p.text.trim())) {
      paragraph = true;
      continue;
    }
    blocks.push({
      type: 'RichTextBlock',
      inlines: mergeRuns(line).map(textRun),
      ...(blocks.length > 0 && !paragraph ? { spacing: 'None' } : {}),
    });
    paragraph = false;
  }
  return blocks;
}

/** One RichTextBlock holding the inlines on a single line (newlines become spaces). */
export function richText(inlines: Inline[], style: RunStyle, options: InlineOptions): CardJson {
  return richTextOf([{ inlines, style }], options);
}

/** One single-line RichTextBlock of parts drawn in different styles (a title, then a subtle note). */
export function richTextOf(
  parts: Array<{ inlines: Inline[]; style: RunStyle }>,
  options: InlineOptions,
): CardJson {
  const pieces = parts
    .flatMap((part) => part.inlines.map((i) => pieceOf(i, part.style, options)))
    .map((p) => ({ ...p, text: p.text.replace(/\s*\r?\n\s*/g, ' ') }))
    .filter((p) => p.text);
  return {
    type: 'RichTextBlock',
    inlines: mergeRuns(pieces.length > 0 ? pieces : [{ text: ' ', style: {} }]).map(textRun),
  };
}

function inlineLength(inline: Inline): number {
  if (typeof inline === 'string') return inline.length;
  if ('b' in inline) return inline.b.length;
  if ('code' in inline) return inline.code.length;
  if ('link' in inline) return (inline.label || inline.link).length;
  return inline.user.length + 1;
}

/** Cuts inline content to `max` characters of text, ending with "…" when something was cut. */
export function clipInlines(inlines: Inline[], max: number): Inline[] {
  const out: Inline[] = [];
  let left = max;
  for (const inline of inlines) {
    const length = inlineLength(inline);
    if (length <= left) {
      out.push(inline);
      left -= length;
      continue;
    }
    if (left > 1) out.push(cutInline(inline, left - 1));
    out.push('…');
    break;
  }
  return out;
}

function cutInline(inline: Inline, n: number): Inline {
  if (typeof inline === 'string') return inline.slice(0, n);
  if ('b' in inline) return { b: inline.b.slice(0, n) };
  if ('code' in inline) return { code: inline.code.slice(0, n) };
  if ('link' in inline) return { link: inline.link, label: (inline.label || inline.link).slice(0, n) };
  return inline;
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
