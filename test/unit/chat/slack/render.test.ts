/** Mentions in Block Kit: people by their id, user groups (an admins group in ALIGN_BOT_ADMINS) as groups. */
import { describe, expect, it } from 'vitest';
import { renderInline } from '../../../../src/chat/slack/render.js';

describe('Slack mentions', () => {
  it('mentions a user, a user group, and leaves anything else as inert text', () => {
    expect(renderInline([{ user: 'U0ADMIN1' }])).toBe('<@U0ADMIN1>');
    expect(renderInline([{ user: 'S0ADMINS' }])).toBe('<!subteam^S0ADMINS>');
    expect(renderInline([{ user: '<!channel>' }])).toBe('@&lt;!channel&gt;');
    expect(renderInline([{ user: '00000000-0000-4000-8000-00000000ad01' }])).toBe(
      '@00000000-0000-4000-8000-00000000ad01',
    );
  });
});
