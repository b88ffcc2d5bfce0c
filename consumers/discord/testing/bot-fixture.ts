import { createHash } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { binanceKlines } from '../../../pipeline/store/market-data-fixtures.js';
import { pgliteDatabase } from '../../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../../pipeline/store/pglite-store.js';
import { sqlStrategyStore } from '../../../pipeline/store/sql-strategy-store.js';
import type { Bar } from '../../../schemas/bar.js';
import type { IndicatorValue } from '../../../schemas/indicator-value.js';
import { type BotDeps, fallbackEntitlements } from '../bot-types.js';
import { memoryAskQuota, memoryDiscordState } from './memory-discord-state.js';

/** sma(5) of the closes, computed here by definition (mean of the last 5 closes). */
export function sma5(bars: readonly Bar[]): IndicatorValue[] {
  return bars.slice(4).map((bar, index) => {
    const window = bars.slice(index, index + 5);
    return {
      venue: bar.venue,
      symbol: bar.symbol,
      interval: bar.interval,
      openTime: bar.openTime,
      spec: 'sma(5)',
      outputs: { value: window.reduce((sum, entry) => sum + entry.close, 0) / 5 },
      final: true,
    };
  });
}

/**
 * The bot's ports on a migrated in-memory PGlite store holding Binance's 30 real BTCUSDT 1m klines and their
 * sma(5) (`db` is a SQL session on the same database); the API key `nxr_test_alice` belongs to `alice` (users
 * `alice` and `bob` exist). `now` defaults to one minute after the last bar.
 */
export async function botFixture(overrides: Partial<BotDeps> = {}) {
  const pglite = await PGlite.create();
  const store = await openPgliteStore({ db: pglite });
  await store.migrate();
  await pglite.query("INSERT INTO users (id) VALUES ('alice'), ('bob')");
  const klines = binanceKlines();
  await store.write({ bars: klines, indicatorValues: sma5(klines) });
  const last = klines.at(-1);
  const state = memoryDiscordState();
  const keyHash = createHash('sha256').update('nxr_test_alice').digest('hex');
  const deps: BotDeps = {
    store,
    rules: store,
    research: store,
    strategies: sqlStrategyStore(pglite),
    links: state.links,
    ownerOfKeyHash: async (hash) => (hash === keyHash ? 'alice' : null),
    entitlements: fallbackEntitlements(),
    askQuota: memoryAskQuota(),
    analyst: null,
    clock: { now: () => (last?.closeTime ?? 0) + 60_000 },
    staleAfterMs: 15 * 60_000,
    ...overrides,
  };
  return { deps, store, db: pgliteDatabase(pglite), klines, state, close: () => store.close() };
}
