import { describe, expect, it } from 'vitest';
import { cardOptions } from '../../../../src/chat/teams/card-context.js';
import type { TeamsReferenceStore } from '../../../../src/chat/teams/references.js';
import type { MessageView } from '../../../../src/core/views/view.js';

const view = (ids: string[]): MessageView => ({
  text: 'run',
  blocks: [{ type: 'text', text: ids.flatMap((id) => [{ user: id }, ' ']) }],
});

function references(stored: Record<string, string>) {
  const asked: string[][] = [];
  const store = {
    async names(_tenant: string, ids: string[]) {
      asked.push(ids);
      return new Map(ids.filter((id) => stored[id]).map((id) => [id, stored[id]!]));
    },
  } as unknown as TeamsReferenceStore;
  return { store, asked };
}

describe('card names', () => {
  it('the sender’s name from the activity is used as is: the ack path makes no lookup for it', async () => {
    const { store, asked } = references({ 'aad-1': 'Stored Name' });
    const options = await cardOptions(view(['aad-1']), 't', {
      references: store,
      known: new Map([['aad-1', 'Ada']]),
    });
    expect(asked).toEqual([]);
    expect(options.userName?.('aad-1')).toBe('Ada');
  });

  it('people other than the known ones are looked up, and both are named', async () => {
    const { store, asked } = references({ 'aad-2': 'Grace' });
    const options = await cardOptions(view(['aad-1', 'aad-2']), 't', {
      references: store,
      known: new Map([['aad-1', 'Ada']]),
    });
    expect(asked).toEqual([['aad-2']]);
    expect(options.userName?.('aad-1')).toBe('Ada');
    expect(options.userName?.('aad-2')).toBe('Grace');
  });

  it('a known name from the activity is cleaned as a stored one is: one line, at most 100 characters', async () => {
    const { store } = references({});
    const raw = `Ada\n\n✅ Approved by Grace Hopper ${'x'.repeat(500)}`;
    const options = await cardOptions(view(['aad-1']), 't', {
      references: store,
      known: new Map([['aad-1', raw]]),
    });
    const name = options.userName?.('aad-1') ?? '';
    expect(name).not.toMatch(/\n/);
    expect(name.startsWith('Ada ✅ Approved by Grace Hopper')).toBe(true);
    expect(name.length).toBeLessThanOrEqual(100);
  });
});
