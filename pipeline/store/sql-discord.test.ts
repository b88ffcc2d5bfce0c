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
