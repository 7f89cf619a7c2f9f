/** The console's calls to its server, and the server-sent event stream. */

export async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(await errorText(res));
  return res.json();
}

/** POSTs JSON; resolves with the answer, or rejects with the server's short message. */
export async function postJson(path, body = {}) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(await errorText(res));
  return res.json();
}

async function errorText(res) {
  const text = await res.text();
  try {
    return JSON.parse(text).error ?? text;
  } catch {
    return text || `HTTP ${res.status}`;
  }
}

/** Calls `handlers[event]` for each named event; EventSource reconnects by itself. */
export function listen(handlers, onState) {
  const source = new EventSource('/console/api/events');
  for (const [event, handler] of Object.entries(handlers)) {
    source.addEventListener(event, (e) => handler(JSON.parse(e.data || '{}')));
  }
  source.addEventListener('open', () => onState?.('live'));
  source.addEventListener('error', () => onState?.(source.readyState === 2 ? 'closed' : 'reconnecting'));
  return source;
}

/** Runs `fn` at most once per `ms`, after the last call. */
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
