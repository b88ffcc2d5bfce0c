import { describe, expect, it } from 'vitest';
import { openPgDatabase } from '../../pipeline/store/pg-database.js';
import { openPostgresStore } from '../../pipeline/store/postgres-store.js';
import { stackEnv } from '../../test/stack-env.js';
import { uniqueIdentifier } from '../../test/unique.js';
import { fixtureWindow, readersFixture } from './testing/readers-fixture.js';

describe('newsletter readers on TimescaleDB (strategy tables as hypertables, watchlists under row security)', () => {
  it('gives the same profiles and selected notes as on PGlite', async () => {
    const connectionString = stackEnv().DATABASE_URL;
    const schema = uniqueIdentifier('newsletter_readers');
    const fixture = await readersFixture(async () => {
      const store = await openPostgresStore({ connectionString, schema });
      const db = await openPgDatabase({ connectionString, schema });
      return {
        store,
        db,
        async close() {
          await store.close();
          await db.query(`DROP SCHEMA ${schema} CASCADE`);
          await db.close();
        },
      };
    });
    try {
      const { readers } = fixture;
      const alice = await readers.profile('alice@example.test', fixtureWindow);
      expect(alice).toMatchObject({ userId: 'alice', premium: true });
      expect(alice.watchlist.map((item) => item.symbol)).toEqual(['XRPETH', 'BTCUSDT']);
      expect(alice.strategies).toHaveLength(1);
      expect(alice.strategies[0]).toMatchObject({ closedTrades: 43, wins: 4 });
      expect(alice.strategies[0]?.realizedPnl).toBeCloseTo(-509.0032, 4);
      expect(alice.strategies[0]?.equityStart).toBeCloseTo(9647.947, 3);
      expect(alice.strategies[0]?.equityEnd).toBeCloseTo(9140.6075, 4);
      const bob = await readers.profile('bob@example.test', fixtureWindow);
      expect([bob.premium, bob.watchlist.length, bob.strategies.length]).toEqual([false, 1, 0]);
      const carol = await readers.profile('carol@example.test', fixtureWindow);
      expect([carol.userId, carol.premium]).toEqual([null, false]);
      expect((await readers.selectedNotes(fixtureWindow)).map((note) => [note.id, note.author])).toEqual([
        ['xrp-idea', 'Alice'],
      ]);
    } finally {
      await fixture.close();
    }
  }, 240_000);
});
