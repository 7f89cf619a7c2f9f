/**
 * The sandbox console's shell: a tab per chat platform (each backed by its simulator; a platform plugs in by
 * adding its tab factory to PLATFORM_TABS), the "acting as" user, and the simulated admin panels beside it.
 * Server-sent events keep everything live.
 */

import { alignAdmin } from './align-admin.js';
import { debounce, getJson, listen, postJson } from './api.js';
import { forget, h, rerender } from './dom.js';
import { jiraAdmin } from './jira-admin.js';
import { slackTab } from './slack-tab.js';
import { teamsTab } from './teams-tab.js';

/** platform id → (container, ctx) → { refresh(), redraw(), focus() } */
const PLATFORM_TABS = { slack: slackTab, teams: teamsTab };

const NAMES = { UALIGNBOT: 'Align Bot' };

async function main() {
  const info = await getJson('/console/api/info');
  for (const u of info.users) NAMES[u.id] = u.name;
  const status = document.getElementById('status');
  const live = document.getElementById('live');
  const userSelect = document.getElementById('acting-as');
  for (const u of info.users) userSelect.append(h('option', { value: u.id }, `${u.name} (${u.role})`));
  let user = sessionStorage.getItem('align-console-user') ?? info.users[0].id;
  userSelect.value = user;

  const say = (text, error = false) => {
    status.textContent = text;
    status.className = error ? 'status-line status-error' : 'status-line';
  };

  const tabs = new Map();
  const tabList = document.getElementById('platform-tabs');
  const tabPanels = document.getElementById('platform-panels');
  for (const platform of info.platforms) {
    const factory = PLATFORM_TABS[platform.id];
    if (!factory) continue;
    const panel = h('div', {
      id: `panel-${platform.id}`,
      role: 'tabpanel',
      class: 'platform-panel',
      'aria-labelledby': `tab-${platform.id}`,
    });
    tabPanels.append(panel);
    const tab = factory(panel, {
      platform,
      info,
      user: () => user,
      /** The acting person: their Slack id, name, role and who they are in Teams. */
      person: () => info.users.find((u) => u.id === user) ?? info.users[0],
      userName: (id) => NAMES[id] ?? id,
      say,
      openLink,
    });
    tabs.set(platform.id, { tab, panel });
    tabList.append(
      h(
        'button',
        {
          type: 'button',
          role: 'tab',
          id: `tab-${platform.id}`,
          'aria-controls': `panel-${platform.id}`,
          onclick: () => showTab(platform.id),
        },
        platform.label,
      ),
    );
  }
  function showTab(id) {
    for (const [key, { panel }] of tabs) {
      panel.hidden = key !== id;
      document.getElementById(`tab-${key}`).setAttribute('aria-selected', String(key === id));
    }
    sessionStorage.setItem('align-console-platform', id);
    tabs.get(id)?.tab.focus();
  }
  const remembered = sessionStorage.getItem('align-console-platform');
  showTab(tabs.has(remembered) ? remembered : info.platforms[0].id);

  userSelect.addEventListener('change', () => {
    user = userSelect.value;
    sessionStorage.setItem('align-console-user', user);
    for (const { tab } of tabs.values()) tab.redraw();
    say(`Acting as ${NAMES[user]}.`);
  });

  // ── admin panels ──
  const adminRoot = document.getElementById('admin-panels');
  let admin = { jira: [], align: [], passwords: [] };
  let shown = 'jira';
  const adminCtx = {
    say,
    redraw: () => drawAdmin(),
    /** POSTs an action; returns its answer, or undefined after showing the refusal. */
    act: async (path, body, forgetPrefix) => {
      try {
        const result = await postJson(path, body);
        if (forgetPrefix) forget(adminRoot, forgetPrefix);
        say('Done.');
        await refreshAdmin.now();
        return result;
      } catch (error) {
        say(error.message, true);
        await refreshAdmin.now();
        return undefined;
      }
    },
  };
  const panels = { jira: jiraAdmin(adminCtx), align: alignAdmin(adminCtx) };
  for (const button of document.querySelectorAll('[data-admin-tab]')) {
    button.addEventListener('click', () => {
      shown = button.dataset.adminTab;
      drawAdmin();
    });
  }
  function drawAdmin() {
    for (const button of document.querySelectorAll('[data-admin-tab]')) {
      button.setAttribute('aria-selected', String(button.dataset.adminTab === shown));
    }
    rerender(adminRoot, () => panels[shown].render(admin, admin.passwords));
  }
  const refreshAdmin = Object.assign(
    debounce(() => refreshAdmin.now(), 80),
    {
      now: async () => {
        try {
          admin = await getJson('/console/api/admin');
        } catch (error) {
          say(`Could not read the admin state: ${error.message}`, true);
          return;
        }
        drawAdmin();
      },
    },
  );

  /** Links to simulated sites open the matching admin panel instead of a page the browser cannot reach. */
  function openLink(url, event) {
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      return;
    }
    const host = parsed.hostname;
    const site = admin.jira.find((s) => s.host === host || s.renamedTo === host);
    if (site || host === 'id.atlassian.com') {
      event.preventDefault();
      shown = 'jira';
      panels.jira.select(
        site?.host,
        parsed.pathname.includes('applinks') ? 'jira-links' : site ? 'jira-settings' : 'jira-tokens',
      );
      say(`Opened the simulated Jira admin${site ? ` of ${site.host}` : ''}.`);
      return;
    }
    if (admin.align.some((i) => i.host === host)) {
      event.preventDefault();
      shown = 'align';
      panels.align.select(host, 'align-connectors');
      say(`Opened the simulated Jira Align admin of ${host}.`);
    }
  }

  listen(
    {
      slack: () => tabs.get('slack')?.tab.refresh(),
      teams: () => tabs.get('teams')?.tab.refresh(),
      admin: () => refreshAdmin(),
    },
    (state) => {
      live.textContent = state === 'live' ? '● live' : '○ reconnecting…';
      live.className = state === 'live' ? 'live live-on' : 'live';
      if (state === 'live') {
        for (const { tab } of tabs.values()) tab.refresh();
        refreshAdmin();
      }
    },
  );
}

main().catch((error) => {
  document.getElementById('status').textContent = `The console could not start: ${error.message}`;
});
