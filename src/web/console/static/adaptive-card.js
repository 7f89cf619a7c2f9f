/**
 * Adaptive Cards drawn by Microsoft's own renderer, the `adaptivecards` package's browser build (served from
 * node_modules at /console/vendor/adaptivecards.min.js; a classic script that defines `window.AdaptiveCards` and
 * fetches nothing). No markdown processor is installed (no `window.markdownit`, no onProcessMarkdown), so every
 * text stays plain text, as our cards' TextRuns are in Teams. Cards are parsed at version 1.5, Teams' limit.
 */
import { h } from './dom.js';

/** Teams' light theme, roughly: Segoe UI, its spacing, its purple accent. */
const HOST_CONFIG = {
  supportsInteractivity: true,
  fontFamily: '"Segoe UI", system-ui, -apple-system, Roboto, "Helvetica Neue", Arial, sans-serif',
  spacing: { small: 4, default: 8, medium: 16, large: 20, extraLarge: 24, padding: 12 },
  separator: { lineThickness: 1, lineColor: '#E0E0E0' },
  fontSizes: { small: 12, default: 14, medium: 14, large: 18, extraLarge: 24 },
  fontWeights: { lighter: 300, default: 400, bolder: 600 },
  containerStyles: {
    default: {
      backgroundColor: '#FFFFFF',
      foregroundColors: {
        default: { default: '#242424', subtle: '#616161' },
        accent: { default: '#5B5FC7', subtle: '#7579EB' },
        good: { default: '#237B4B', subtle: '#3F8F63' },
        warning: { default: '#835B00', subtle: '#A77A00' },
        attention: { default: '#C4314B', subtle: '#D1566C' },
        dark: { default: '#242424', subtle: '#616161' },
        light: { default: '#FFFFFF', subtle: '#F5F5F5' },
      },
    },
    emphasis: {
      backgroundColor: '#F5F5F5',
      foregroundColors: {
        default: { default: '#242424', subtle: '#616161' },
        accent: { default: '#5B5FC7', subtle: '#7579EB' },
        good: { default: '#237B4B', subtle: '#3F8F63' },
        warning: { default: '#835B00', subtle: '#A77A00' },
        attention: { default: '#C4314B', subtle: '#D1566C' },
        dark: { default: '#242424', subtle: '#616161' },
        light: { default: '#FFFFFF', subtle: '#F5F5F5' },
      },
    },
  },
  actions: {
    maxActions: 6,
    spacing: 'default',
    buttonSpacing: 8,
    showCard: { actionMode: 'inline', inlineTopMargin: 8 },
    actionsOrientation: 'horizontal',
    actionAlignment: 'left',
  },
};

/** The renderer, or undefined when its script did not load. */
function library() {
  return window.AdaptiveCards;
}

/**
 * Renders `json` into an element. `on.execute({verb, data})` gets Action.Execute clicks, `on.openUrl(url)` gets
 * Action.OpenUrl and links; Action.ShowCard opens inline (the renderer does it). `key` prefixes the buttons'
 * data-key, so a redrawn card gives the focus back to the same button.
 */
export function renderAdaptiveCard(json, on, key) {
  const AC = library();
  if (!AC) {
    return h('p', { class: 'card-missing' }, 'The Adaptive Cards renderer did not load (adaptivecards).');
  }
  const card = new AC.AdaptiveCard();
  card.hostConfig = new AC.HostConfig(HOST_CONFIG);
  card.onExecuteAction = (action) => {
    if (action instanceof AC.ExecuteAction) on.execute({ verb: action.verb, data: action.data ?? {} });
    else if (action instanceof AC.OpenUrlAction && webUrl(action.url)) on.openUrl(action.url);
  };
  try {
    card.parse(json, new AC.SerializationContext(AC.Versions.v1_5));
    const element = card.render();
    if (!element) throw new Error('nothing to render');
    element.querySelectorAll('button, a').forEach((control, i) => {
      control.dataset.key = `${key}:${i}`;
      // A link the renderer drew keeps its href only for a web address (never javascript: or data:).
      if (control.hasAttribute('href') && !webUrl(control.getAttribute('href')))
        control.removeAttribute('href');
    });
    return h('div', { class: 'ac-host' }, element);
  } catch (error) {
    return h('p', { class: 'card-missing' }, `This card could not be drawn: ${error.message}`);
  }
}

function webUrl(url) {
  try {
    return ['http:', 'https:'].includes(new URL(url, window.location.href).protocol);
  } catch {
    return false;
  }
}

/** Whether the card's `refresh` asks for this user's own view (userIds lists their MRI, or there is no list). */
export function refreshesFor(json, mri) {
  const refresh = json?.refresh;
  if (refresh?.action?.type !== 'Action.Execute') return false;
  return refresh.userIds === undefined || (Array.isArray(refresh.userIds) && refresh.userIds.includes(mri));
}
