import { PGlite } from '@electric-sql/pglite';
import { expect, it } from 'vitest';
import { pgliteDatabase } from './pglite-database.js';
import { openPgliteStore } from './pglite-store.js';
import { sqlDiscordState } from './sql-discord.js';

it('links Discord users to owners (re-linking replaces) and keeps conversation turns (sql/0021)', async () => {
  const pglite = await PGlite.create();
  const store = await openPgliteStore({ db: pglite });
  try {
    await store.migrate();
    const { links, conversations } = sqlDiscordState(pgliteDatabase(pglite));
    await links.link('1300000000000000001', 'alice');
    await links.link('1300000000000000001', 'bob');
    expect(await links.ownerOf('1300000000000000001')).toBe('bob');
    expect(await links.ownerOf('1300000000000000002')).toBeNull();
    expect(await links.unlink('1300000000000000001')).toBe(true);
    expect(await links.unlink('1300000000000000001')).toBe(false);
    const turns = [
      { role: 'user' as const, content: 'price of BTCUSDT?', at: 1_723_161_600_000 },
      {
        role: 'assistant' as const,
        content: 'BTCUSDT 61,000.10 as of 2024-08-09T00:00:00Z',
        at: 1_723_161_601_000,
      },
    ];
    await conversations.save('c1:u1', turns);
    expect(await conversations.turns('c1:u1')).toEqual(turns);
    await conversations.save('c1:u1', turns.slice(1));
    expect(await conversations.turns('c1:u1')).toEqual(turns.slice(1));
    expect(await conversations.turns('c2:u1')).toEqual([]);
  } finally {
    await store.close();
  }
}, 60_000);
