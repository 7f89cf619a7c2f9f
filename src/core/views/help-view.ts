/** `help [verb]` and the usage message of a command that did not parse, in the platform's own command form. */
import { type Command, helpText, USAGE, type UsageError } from '../commands.js';
import type { MessageView } from './view.js';

export function usageView(error: UsageError, prefix: string): MessageView {
  const lines = [`❓ ${error.message}`];
  if (error.verb) lines.push(`Usage: ${prefix} ${USAGE[error.verb].usage}`);
  else lines.push(`Type ${prefix} help to see the commands.`);
  return { text: lines.join('\n'), blocks: [{ type: 'text', text: [lines.join('\n')] }] };
}

export function helpView(topic: Command['verb'] | undefined, prefix: string): MessageView {
  const lines = helpText(topic, prefix);
  return {
    text: lines.join('\n'),
    blocks: [
      {
        type: 'text',
        text: [{ b: topic ? `${prefix} ${topic}` : 'Align Bot — Jira Align ↔ Jira connectors, from chat' }],
      },
      { type: 'text', text: [lines.join('\n')] },
    ],
  };
}
