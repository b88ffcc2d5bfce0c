import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { binanceKlines, binanceTrades } from './market-data-fixtures.js';
import { pgliteDatabase } from './pglite-database.js';
import { openPgliteStore } from './pglite-store.js';
import { uncommentedObjects } from './schema-comments.js';
import { describeStoreContract } from './store.contract.js';

describeStoreContract('PGlite', async () => {
  const store = await openPgliteStore();
  return { store, destroy: () => store.close() };
});

describe('PGlite store', () => {
  it('persists to its data directory across restarts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nexural-pglite-'));
    try {
      const first = await openPgliteStore({ dataDir });
      await first.migrate();
      await first.write({ bars: binanceKlines() });
      await first.close();
      const reopened = await openPgliteStore({ dataDir });
      expect((await reopened.migrate()).applied).toEqual([]);
      expect(await reopened.latestBar({ venue: 'binance-um', symbol: 'BTCUSDT', interval: '1m' })).toEqual(
        binanceKlines().at(-1),
      );
      await reopened.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000); // two PGlite starts

  it('stores tick times to the microsecond and documents every table, view and column', async () => {
    const db = await PGlite.create();
    const store = await openPgliteStore({ db });
    await store.migrate();
    expect(await uncommentedObjects(pgliteDatabase(db))).toEqual([]);
    const [trade] = binanceTrades();
    if (!trade) throw new Error('no trade');
    // The file has ms times; 123 µs are added to see that none are lost.
    await store.write({ trades: [{ ...trade, timeUs: trade.timeUs + 123 }] });
    const { rows } = await db.query<{ time: string }>(
      `SELECT to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS time FROM trade_ticks`,
    );
    expect(rows).toEqual([{ time: '2024-08-08 23:54:16.322123' }]);
    await store.close();
  }, 60_000);
});
