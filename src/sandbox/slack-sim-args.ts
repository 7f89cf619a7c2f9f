/** The Slack simulator's request parsing and message checks: form or JSON arguments, Block Kit limits. */
import { checkBlockKit } from './block-kit-limits.js';

export function validateMessage(args: Record<string, unknown>): string | undefined {
  const blocks = args.blocks;
  if (blocks !== undefined && !Array.isArray(blocks)) return 'invalid_blocks_format';
  if ((!blocks || (blocks as unknown[]).length === 0) && !args.text) return 'no_text';
  if (typeof args.text === 'string' && args.text.length > 40_000) return 'msg_too_long';
  return blocks ? checkBlockKit(blocks as unknown[]) : undefined;
}

export function parseArgs(contentType: string, raw: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return (safeJson(raw) as Record<string, unknown>) ?? {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    out[key] =
      key === 'blocks' || key === 'attachments' || key === 'metadata' ? (safeJson(value) ?? value) : value;
  }
  return out;
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
