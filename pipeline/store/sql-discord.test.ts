import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteDatabase } from './pglite-database.js';
import { openPgliteStore } from './pglite-store.js';
import { sqlDiscordState } from './sql-discord.js';

describe('Discord links and conversations in SQL (sql/0021, sql/0022)', () => {
  let pglite: PGlite;
  beforeAll(async () => {
    pglite = await PGlite.create();
    await (await openPgliteStore({ db: pglite })).migrate();
  }, 60_000);
  afterAll(async () => {
    await pglite?.close();
  });

  it('links Discord users to owners (re-linking replaces) and keeps conversation turns (sql/0021)', async () => {
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
  });

  it('lists the users linked to an owner and every link', async () => {
    const { links } = sqlDiscordState(pgliteDatabase(pglite));
    await links.link('1001', 'alice');
    await links.link('1002', 'bob');
    await links.link('1003', 'alice');
    expect(await links.discordUsersOf('alice')).toEqual(['1001', '1003']);
    expect(await links.all()).toEqual([
      { discordUserId: '1001', owner: 'alice' },
      { discordUserId: '1002', owner: 'bob' },
      { discordUserId: '1003', owner: 'alice' },
    ]);
  });

  it('keeps the owner of a conversation, which a request of that owner alone can read', async () => {
    const db = pgliteDatabase(pglite);
    const { conversations } = sqlDiscordState(db);
    const turn = { role: 'user' as const, content: 'where is BTC?', at: 1 };
    await conversations.save('chan:1001', [turn], 'alice');
    await conversations.save('chan:1001', [turn, { ...turn, role: 'assistant', content: '61k' }]);
    await conversations.save('chan:9999', [turn], null);
    expect((await conversations.turns('chan:1001')).length).toBe(2);
    await db.exec("SET ROLE nexural_app_user; SELECT set_config('nexural.user_id', 'alice', false)");
    try {
      const { rows } = await db.query('SELECT conversation, owner FROM discord_conversations');
      expect(rows).toEqual([{ conversation: 'chan:1001', owner: 'alice' }]);
    } finally {
      await db.exec("RESET ROLE; SELECT set_config('nexural.user_id', '', false)");
    }
  });
});
