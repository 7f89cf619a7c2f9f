/**
 * The Teams tab: the General channel of the Bot Connector simulator (posts with their reply threads) and the
 * acting user's 1:1 chat with the bot, live. A message typed here reaches the bot as a real Teams activity (an
 * @mention post, or a 1:1 message) with the simulator's signed JWT; Adaptive Cards are drawn by Microsoft's
 * renderer and their Action.Execute clicks go back as invoke activities. What the bot answers one user alone (a
 * card that replaces the clicked one, a toast, a card's refresh view) shows to that user only.
 */
import { refreshesFor, renderAdaptiveCard } from './adaptive-card.js';
import { debounce, getJson, postJson } from './api.js';
import { h } from './dom.js';
import { initials, reconcile, time } from './message-list.js';

const CARD = 'application/vnd.microsoft.card.adaptive';
const TOAST_MS = 8000;

export function teamsTab(container, ctx) {
  const { channel, bot } = ctx.platform;
  // `user`: whose private views `views` holds (the state is read per acting user).
  let state = { user: null, channel: { posts: [] }, chat: { id: null, messages: [] }, views: [] };
  let where = 'channel';
  const collapsed = new Set();
  const dismissed = new Set();
  const asked = new Set();
  const history = [];
  let historyAt = 0;
  const me = () => ctx.person().teams;
  // A click's private answer lasts until the card changes or the page is reloaded, as in Teams.
  const openedAt = Date.now();

  const log = h('div', {
    class: 'messages teams-log',
    role: 'log',
    'aria-label': `Posts in ${channel.name}`,
    tabindex: '-1',
  });
  log.dataset.stick = '1';
  log.addEventListener('scroll', () => {
    log.dataset.stick = log.scrollHeight - log.scrollTop - log.clientHeight < 40 ? '1' : '';
  });
  const toasts = h('div', { class: 'teams-toasts', role: 'status', 'aria-live': 'polite' });
  const switches = {
    channel: h(
      'button',
      { type: 'button', role: 'tab', onclick: () => show('channel') },
      `# ${channel.name}`,
    ),
    chat: h('button', { type: 'button', role: 'tab', onclick: () => show('chat') }, `Chat with ${bot}`),
  };
  const mention = h('span', { class: 'teams-at', 'aria-hidden': 'true' }, `@${bot}`);
  const input = h('input', {
    id: 'teams-input',
    type: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    onkeydown: recall,
  });
  const sendButton = h('button', { type: 'submit', class: 'teams-send' }, 'Send');
  container.append(
    h(
      'section',
      { class: 'teams', 'aria-label': `Microsoft Teams, team ${channel.team}` },
      h(
        'header',
        { class: 'pane-head teams-head' },
        h('h2', { class: 'pane-title' }, channel.team),
        h('div', { class: 'tabs teams-switch', role: 'tablist', 'aria-label': 'Conversation' }, [
          switches.channel,
          switches.chat,
        ]),
        h('span', { class: 'muted' }, 'Teams simulator · signed activities to the bot’s /api/messages'),
      ),
      log,
      toasts,
      h(
        'form',
        { class: 'composer teams-composer', onsubmit: send },
        h('div', { class: 'chips', role: 'group', 'aria-label': 'Example commands' }, chips()),
        h('div', { class: 'composer-row' }, mention, input, sendButton),
      ),
    ),
  );
  show('channel', false);

  function show(which, focus = true) {
    where = which;
    for (const [key, button] of Object.entries(switches))
      button.setAttribute('aria-selected', String(key === which));
    mention.hidden = which !== 'channel';
    const label = which === 'channel' ? `Post in ${channel.name}, mentioning @${bot}` : `Message ${bot}`;
    input.placeholder = which === 'channel' ? 'test acme — a new post that @mentions the bot' : 'help';
    input.setAttribute('aria-label', label);
    log.setAttribute('aria-label', which === 'channel' ? `Posts in ${channel.name}` : `Chat with ${bot}`);
    log.dataset.stick = '1';
    draw();
    if (focus) input.focus();
  }

  function chips() {
    const examples = [
      ...ctx.info.demos.map((d) => ({ text: `test ${d.name}`, title: d.about })),
      { text: 'list', title: 'connectors with their last result' },
      { text: 'report now', title: 'fleet report' },
      { text: 'rotate acme', title: 'approved credential rotation' },
      { text: 'help', title: 'what the bot can do' },
    ];
    return examples.map((e) =>
      h(
        'button',
        {
          type: 'button',
          class: 'chip',
          title: e.title,
          onclick: () => {
            input.value = e.text;
            input.focus();
          },
        },
        e.text,
      ),
    );
  }

  async function send(event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    sendButton.disabled = true;
    try {
      const answer = await postJson('/console/api/teams/message', { text, user: me().user, to: where });
      history.push(text);
      historyAt = history.length;
      input.value = '';
      log.dataset.stick = '1';
      if (answer.status >= 300) toast(`The bot answered HTTP ${answer.status}.`, true);
    } catch (error) {
      ctx.say(`The message was not sent: ${error.message}`, true);
    } finally {
      sendButton.disabled = false;
      input.focus();
    }
  }

  function recall(event) {
    if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return;
    if (history.length === 0) return;
    historyAt = Math.max(0, Math.min(history.length, historyAt + (event.key === 'ArrowUp' ? -1 : 1)));
    input.value = history[historyAt] ?? '';
    event.preventDefault();
  }

  const refresh = debounce(async () => {
    const user = me().user;
    let read;
    try {
      read = await getJson(`/console/api/teams/state?user=${encodeURIComponent(user)}`);
    } catch (error) {
      ctx.say(`Could not read the Teams conversations: ${error.message}`, true);
      return;
    }
    // Read for a user who is no longer the one acting: their private views are not this user's to see.
    if (user !== me().user) return;
    state = { ...read, user };
    draw();
  }, 60);

  function draw() {
    const messages = where === 'channel' ? state.channel.posts : state.chat.messages;
    const items =
      where === 'channel'
        ? state.channel.posts.flatMap((post) => [
            messageItem(post, 'post'),
            ...(post.replies.length > 0 ? [repliesToggle(post)] : []),
            ...(collapsed.has(post.id) ? [] : post.replies.map((r) => messageItem(r, 'reply'))),
          ])
        : state.chat.messages.map((m) => messageItem(m, 'chat'));
    reconcile(log, items.length > 0 ? items : [intro()]);
    askForRefreshes(where === 'channel' ? messages.flatMap((p) => [p, ...p.replies]) : messages);
  }

  /** Cards whose `refresh` lists the acting user: Teams asks the bot for that user's own view. */
  function askForRefreshes(messages) {
    const { user, id } = me();
    for (const m of messages) {
      const card = m.fromBot ? cardOf(m) : undefined;
      if (!card || !refreshesFor(card, id)) continue;
      const key = [user, m.conversationId, m.id, m.edits].join('|');
      if (asked.has(key)) continue;
      asked.add(key);
      postJson('/console/api/teams/refresh', {
        conversationId: m.conversationId,
        messageId: m.id,
        user,
      }).catch((error) => ctx.say(`Teams could not refresh a card: ${error.message}`, true));
    }
  }

  function viewOf(m) {
    // Another user's private answers never show, not even until the acting user's own state is read.
    if (state.user !== me().user) return undefined;
    const view = state.views.find((v) => v.conversationId === m.conversationId && v.messageId === m.id);
    if (!view || dismissed.has(viewKey(state.user, view))) return undefined;
    return view.trigger === 'automatic' || view.at >= openedAt ? view : undefined;
  }

  function messageItem(m, kind) {
    const view = m.fromBot ? viewOf(m) : undefined;
    return {
      key: `${kind}:${m.id}`,
      sig: JSON.stringify([m.text, m.attachments, m.edits, view?.card, view?.trigger]),
      build: () =>
        h(
          'article',
          {
            class: `teams-msg teams-${kind}${m.fromBot ? ' teams-bot' : ''}${view ? ' teams-private' : ''}`,
            dataset: { id: m.id },
          },
          avatar(m),
          h(
            'div',
            { class: 'msg-body' },
            h(
              'div',
              { class: 'msg-meta' },
              h('strong', {}, m.from.name ?? m.from.id),
              m.fromBot ? h('span', { class: 'badge' }, 'APP') : null,
              h('time', { datetime: new Date(m.at).toISOString() }, time(m.at)),
              m.edits > 0 ? h('span', { class: 'edited' }, 'Edited') : null,
            ),
            content(m, view),
          ),
        ),
    };
  }

  function content(m, view) {
    const card = view?.card ?? cardOf(m);
    if (!card) return h('div', { class: 'teams-text' }, textWithMentions(m.text));
    const drawn = renderAdaptiveCard(card, cardActions(m), `card:${m.id}`);
    if (!view) return drawn;
    if (view.trigger === 'automatic') {
      return [drawn, h('p', { class: 'teams-view-note' }, 'Your own view of this card (refreshed for you).')];
    }
    return [
      drawn,
      h(
        'p',
        { class: 'teams-view-note' },
        '👁 Only you see this answer, until the card changes or you reload. ',
        h(
          'button',
          {
            type: 'button',
            class: 'link-button',
            onclick: () => {
              dismissed.add(viewKey(state.user, view));
              draw();
            },
          },
          'Show the card everyone sees',
        ),
      ),
    ];
  }

  function cardActions(m) {
    return {
      execute: async ({ verb, data }) => {
        try {
          const answer = await postJson('/console/api/teams/invoke', {
            conversationId: m.conversationId,
            messageId: m.id,
            verb,
            data,
            user: me().user,
          });
          if (answer.outcome.kind === 'toast') toast(answer.outcome.text);
          else if (answer.outcome.kind === 'error') toast(answer.outcome.text, true);
          else refresh();
        } catch (error) {
          toast(`The click did not reach the bot: ${error.message}`, true);
        }
      },
      openUrl: (url) => {
        const event = {
          defaultPrevented: false,
          preventDefault() {
            this.defaultPrevented = true;
          },
        };
        ctx.openLink(url, event);
        if (!event.defaultPrevented) window.open(url, '_blank', 'noopener,noreferrer');
      },
    };
  }

  function repliesToggle(post) {
    const open = !collapsed.has(post.id);
    const n = post.replies.length;
    return {
      key: `toggle:${post.id}`,
      sig: JSON.stringify([n, open]),
      build: () =>
        h(
          'div',
          { class: 'teams-toggle' },
          h(
            'button',
            {
              type: 'button',
              class: 'link-button',
              'aria-expanded': String(open),
              dataset: { key: `toggle:${post.id}` },
              onclick: () => {
                if (open) collapsed.add(post.id);
                else collapsed.delete(post.id);
                draw();
              },
            },
            open ? `Collapse ${n} ${n === 1 ? 'reply' : 'replies'}` : `${n} ${n === 1 ? 'reply' : 'replies'}`,
          ),
        ),
    };
  }

  function intro() {
    return {
      key: `intro:${where}`,
      sig: where,
      build: () =>
        h(
          'div',
          { class: 'intro' },
          h(
            'h3',
            {},
            where === 'channel' ? `Welcome to ${channel.team} › ${channel.name}` : `Chat with ${bot}`,
          ),
          h(
            'p',
            {},
            where === 'channel'
              ? [
                  'Start a post that mentions the bot: type ',
                  h('code', {}, 'test acme'),
                  ' below (Enter sends).',
                ]
              : ['Write to the bot directly, e.g. ', h('code', {}, 'help'), '.'],
          ),
          h(
            'p',
            { class: 'muted' },
            'Each message reaches the bot as a Teams activity signed by the simulated Bot Connector; its cards are drawn by Microsoft’s Adaptive Cards renderer.',
          ),
        ),
    };
  }

  /** One toast at a time, as Teams shows them. */
  function toast(text, error = false) {
    const note = h('p', { class: `teams-toast${error ? ' teams-toast-error' : ''}` }, text);
    toasts.replaceChildren(note);
    setTimeout(() => note.remove(), TOAST_MS);
  }

  function avatar(m) {
    const name = m.from.name ?? m.from.id;
    return h(
      'div',
      { class: `avatar teams-avatar${m.fromBot ? ' avatar-bot' : ''}`, 'aria-hidden': 'true' },
      initials(name),
    );
  }

  return {
    refresh,
    // Private answers and refresh views belong to the user: the shared cards at once, then the user's own state.
    redraw: () => {
      draw();
      refresh();
    },
    focus: () => input.focus(),
  };
}

function cardOf(m) {
  return m.attachments.find((a) => a?.contentType === CARD)?.content;
}

function viewKey(user, view) {
  return `${user}|${view.conversationId}|${view.messageId}|${view.edits}|${view.trigger}`;
}

/** A user's post: `<at>Name</at>` drawn as a mention, everything else as plain text. */
function textWithMentions(text) {
  return text.split(/(<at>[^<]*<\/at>)/).map((part) => {
    const at = /^<at>([^<]*)<\/at>$/.exec(part);
    return at ? h('span', { class: 'teams-mention' }, `@${at[1]}`) : part;
  });
}
