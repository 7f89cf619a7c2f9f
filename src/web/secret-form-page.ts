/** The HTML of the secret form: self-contained (no scripts, no external resources), every dynamic value escaped. */
import type { FormTicket } from '../store/forms.js';

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1d1c1d}
label{display:block;margin:1rem 0 .3rem;font-weight:600}input,textarea{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}
textarea{height:12rem;font-family:ui-monospace,monospace}button{margin-top:1.2rem;padding:.6rem 1.2rem;font:inherit;background:#1264a3;color:#fff;border:0;border-radius:4px}
.note{color:#616061;font-size:.9rem}`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)} · Align Bot</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export function formPage(ticket: FormTicket, csrf: string): string {
  const field =
    ticket.kind === 'secret'
      ? `<label for="value">${escapeHtml(ticket.label)}</label><input id="value" name="value" type="password" autocomplete="off" autocapitalize="off" spellcheck="false" required>`
      : `<label for="value">${escapeHtml(ticket.label)}</label><textarea id="value" name="value" spellcheck="false" required></textarea>`;
  const expiry = ticket.askExpiry
    ? '<label for="expiry">Expires on (optional)</label><input id="expiry" name="expiry" type="date"><p class="note">Align Bot warns before this date.</p>'
    : '';
  return page(
    'Secure form',
    `<h1>Align Bot</h1><p>For run <code>${escapeHtml(ticket.runId)}</code>. This page works once, for 10 minutes, in this browser only. What you send is stored encrypted and never shown again.</p>
<form method="post" autocomplete="off"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}">${field}${expiry}<button type="submit">Send to Align Bot</button></form>`,
  );
}

export function messagePage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}
