/**
 * The Slack tab: one channel of the Slack simulator with its threads, live. Commands typed here are sent by the
 * server as real signed slash commands; buttons as real block_actions. Private answers show only to the person
 * they were for, marked "Only visible to you".
 */
import { debounce, getJson, postJson } from './api.js';
import { confirmDialog, renderBlocks } from './blockkit.js';
import { h } from './dom.js';
import { initials, reconcile, time, tsMs } from './message-list.js';

const BOT = 'UALIGNBOT';

export function slackTab(container, ctx) {
  const channel = ctx.platform.channel;
  let state = { messages: [], ephemerals: [] };
  let openThread;
  let followFrom = 0;
  const known = new Set();
  const dismissed = new Set();
  const history = [];
  let historyAt = 0;

  const channelLog = h('div', {
    class: 'messages',
    role: 'log',
    'aria-label': `Messages in #${channel.name}`,
    tabindex: '-1',
  });
  const threadLog = h('div', { class: 'messages', role: 'log', 'aria-label': 'Thread', tabindex: '-1' });
  // Like Slack, a log follows new content while it is scrolled to the bottom, and stays put once scrolled up.
  for (const log of [channelLog, threadLog]) {
    log.dataset.stick = '1';
    log.addEventListener('scroll', () => {
      log.dataset.stick = log.scrollHeight - log.scrollTop - log.clientHeight < 40 ? '1' : '';
    });
  }
  const threadTitle = h('h2', { class: 'pane-title', id: 'thread-title' }, 'Thread');
  const threadPane = h(
    'aside',
    { class: 'thread-pane', hidden: true, 'aria-labelledby': 'thread-title' },
    h(
      'header',
      { class: 'pane-head' },
      threadTitle,
      h('span', { class: 'muted' }, `#${channel.name}`),
      h(
        'button',
        { type: 'button', class: 'icon-button', 'aria-label': 'Close thread', onclick: closeThread },
        '✕',
      ),
    ),
    threadLog,
    h('p', { class: 'pane-note' }, 'Align Bot answers commands and buttons, not thread replies.'),
  );
  const input = h('input', {
    id: 'composer-input',
    type: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: `Message #${channel.name} — e.g. /align test acme`,
    'aria-label': `Message #${channel.name}`,
    onkeydown: recall,
  });
  const sendButton = h('button', { type: 'submit', class: 'sk-button sk-primary' }, 'Send');
  const composer = h(
    'form',
    { class: 'composer', onsubmit: send },
    h('div', { class: 'chips', role: 'group', 'aria-label': 'Example commands' }, chips()),
    h('div', { class: 'composer-row' }, input, sendButton),
  );
  container.append(
    h(
      'div',
      { class: 'chat' },
      h(
        'section',
        { class: 'channel-pane', 'aria-label': `Slack channel #${channel.name}` },
        h(
          'header',
          { class: 'pane-head' },
          h('h2', { class: 'pane-title' }, `# ${channel.name}`),
          h('span', { class: 'muted' }, 'Slack simulator · signed requests to the bot’s /slack/events'),
        ),
        channelLog,
        composer,
      ),
      threadPane,
    ),
  );

  function chips() {
    const examples = [
      ...ctx.info.demos.map((d) => ({ text: `/align test ${d.name}`, title: d.about })),
      { text: '/align list', title: 'connectors with their last result' },
      { text: '/align report now', title: 'fleet report' },
      { text: '/align rotate acme', title: 'approved credential rotation' },
      ...ctx.info.rehearsal.commands.map((text) => ({
        text,
        label: `/align connect ${ctx.info.rehearsal.name} (${/--auth (\w+)/.exec(text)[1]})`,
        title: 'rehearse the set-up on fresh sites',
      })),
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
        e.label ?? e.text,
      ),
    );
  }

  async function send(event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    sendButton.disabled = true;
    try {
      followFrom = Date.now();
      await postJson('/console/api/slack/command', { text, user: ctx.user(), channel: channel.id });
      history.push(text);
      historyAt = history.length;
      input.value = '';
    } catch (error) {
      ctx.say(`The command was not sent: ${error.message}`, true);
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
    try {
      state = await getJson(`/console/api/slack/channel/${channel.id}`);
    } catch (error) {
      ctx.say(`Could not read the channel: ${error.message}`, true);
      return;
    }
    draw();
  }, 60);

  function draw() {
    const fresh = state.messages.filter((m) => !known.has(m.ts));
    for (const m of state.messages) known.add(m.ts);
    if (followFrom && fresh.length > 0 && Date.now() - followFrom < 20_000) {
      followFrom = 0;
      openThread = fresh.at(-1).ts;
      channelLog.dataset.stick = '1';
      threadLog.dataset.stick = '1';
    }
    const mine = state.ephemerals.filter((e) => e.user === ctx.user() && !dismissed.has(e.id));
    const channelItems = interleave(
      state.messages.map((m) => ({ ts: m.ts, item: messageItem(m, true) })),
      mine.filter((e) => !e.threadTs),
    );
    reconcile(channelLog, channelItems.length > 0 ? channelItems : [intro()]);
    const root = state.messages.find((m) => m.ts === openThread);
    threadPane.hidden = !root;
    if (!root) return;
    const threadItems = interleave(
      [root, ...root.replies].map((m) => ({ ts: m.ts, item: messageItem(m, false) })),
      mine.filter((e) => e.threadTs === root.ts),
    );
    reconcile(threadLog, threadItems);
  }

  /** Messages in order, each private answer right after the message that was newest when it arrived. */
  function interleave(messages, ephemerals) {
    const after = new Map();
    const first = [];
    const known = new Set(messages.map((m) => m.ts));
    for (const e of ephemerals) {
      if (!e.after || !known.has(e.after)) first.push(e);
      else after.set(e.after, [...(after.get(e.after) ?? []), e]);
    }
    return [
      ...first.map(ephemeralItem),
      ...messages.flatMap((m) => [m.item, ...(after.get(m.ts) ?? []).map(ephemeralItem)]),
    ];
  }

  /** What an empty channel says: how to start, and what the demo connectors show. */
  function intro() {
    return {
      key: 'intro',
      sig: 'intro',
      build: () =>
        h(
          'div',
          { class: 'intro' },
          h('h3', {}, 'Welcome to the Align Bot sandbox'),
          h(
            'p',
            {},
            'Type a command below (Enter sends), e.g. ',
            h('code', {}, '/align test acme'),
            '. Everything here is simulated on this machine: Slack, Jira Cloud and Jira Align.',
          ),
          h(
            'ul',
            {},
            ctx.info.demos.map((d) => h('li', {}, h('code', {}, d.name), ` — ${d.about}`)),
            h(
              'li',
              {},
              h('code', {}, ctx.info.rehearsal.name),
              ' — fresh sites to rehearse ',
              h('code', {}, '/align connect'),
              ' with the admin panels on the right.',
            ),
          ),
          h('p', { class: 'muted' }, 'Pick who you are with “Acting as” (admin, operator, approver).'),
        ),
    };
  }

  function messageItem(m, inChannel) {
    const replies = inChannel ? (m.replies ?? []) : [];
    const sig = JSON.stringify([m.text, m.blocks, m.edits, replies.length, openThread === m.ts]);
    return {
      key: `${inChannel ? 'c' : 't'}:${m.ts}`,
      sig,
      build: () =>
        h(
          'article',
          { class: `msg${openThread === m.ts && inChannel ? ' msg-open' : ''}`, dataset: { ts: m.ts } },
          avatar(m.user),
          h(
            'div',
            { class: 'msg-body' },
            meta(m.user, tsMs(m.ts), m.edits > 0 ? h('span', { class: 'edited' }, '(edited)') : null),
            h('div', { class: 'blocks' }, renderBlocks(m.blocks, m.text, blockCtx({ ts: m.ts }))),
            replies.length > 0
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'replies-link',
                    'aria-expanded': String(openThread === m.ts),
                    dataset: { key: `replies:${m.ts}` },
                    onclick: () => toggleThread(m.ts),
                  },
                  `${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}`,
                  h('span', { class: 'muted' }, ` · last at ${time(tsMs(replies.at(-1).ts))}`),
                )
              : null,
          ),
        ),
    };
  }

  function ephemeralItem(e) {
    return {
      key: `e:${e.id}`,
      sig: e.id,
      build: () =>
        h(
          'article',
          { class: 'msg ephemeral', 'aria-label': 'Only visible to you' },
          avatar(BOT),
          h(
            'div',
            { class: 'msg-body' },
            meta(BOT, e.at, h('span', { class: 'only-you' }, '👁 Only visible to you')),
            e.command ? h('div', { class: 'command-echo' }, e.command) : null,
            h('div', { class: 'blocks' }, renderBlocks(e.blocks, e.text, blockCtx({ threadTs: e.threadTs }))),
            h(
              'button',
              {
                type: 'button',
                class: 'link-button',
                onclick: () => {
                  dismissed.add(e.id);
                  draw();
                },
              },
              'Dismiss',
            ),
          ),
        ),
    };
  }

  function blockCtx(where) {
    return {
      userName: (id) => ctx.userName(id),
      onLink: (url, event) => ctx.openLink(url, event),
      onButton: (button, element) => click(button, element, where),
    };
  }

  async function click(button, element, where) {
    if (!button.url && button.confirm && !(await confirmDialog(button.confirm))) return;
    if (element) element.disabled = true;
    try {
      await postJson('/console/api/slack/click', {
        channel: channel.id,
        ...(where.ts ? { ts: where.ts } : {}),
        ...(where.threadTs ? { threadTs: where.threadTs } : {}),
        actionId: button.actionId,
        value: button.value,
        user: ctx.user(),
      });
    } catch (error) {
      ctx.say(`The click did not reach the bot: ${error.message}`, true);
    } finally {
      if (element) element.disabled = false;
    }
  }

  function toggleThread(ts) {
    openThread = openThread === ts ? undefined : ts;
    threadLog.dataset.stick = '1';
    draw();
    if (openThread) threadLog.focus({ preventScroll: true });
  }

  function closeThread() {
    openThread = undefined;
    draw();
    input.focus();
  }

  function avatar(user) {
    const name = ctx.userName(user);
    return h(
      'div',
      { class: `avatar${user === BOT ? ' avatar-bot' : ''}`, 'aria-hidden': 'true' },
      initials(name),
    );
  }

  function meta(user, at, extra) {
    return h(
      'div',
      { class: 'msg-meta' },
      h('strong', {}, ctx.userName(user)),
      user === BOT ? h('span', { class: 'badge' }, 'APP') : null,
      h('time', { datetime: new Date(at).toISOString() }, time(at)),
      extra,
    );
  }

  return {
    refresh,
    redraw: draw,
    focus: () => input.focus(),
  };
}
