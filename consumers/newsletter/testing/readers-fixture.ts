import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sqlBillingRepository } from '../../../api/adapters/sql-billing.js';
import { readStrategy } from '../../../cli/commands/backtest.js';
import { pgliteDatabase } from '../../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../../pipeline/store/pglite-store.js';
import type { SqlDatabase } from '../../../pipeline/store/sql-database.js';
import { sqlNewsletterReaders } from '../../../pipeline/store/sql-newsletter-readers.js';
import { sqlStrategyStore } from '../../../pipeline/store/sql-strategy-store.js';
import { planTable } from '../../../schemas/plans.js';
import type { Store } from '../../../schemas/ports/store.js';
import type { NoteBody } from '../../../schemas/research.js';
import { requiredSpecs } from '../../strategy/required-specs.js';
import { StrategyBook } from '../../strategy/strategy-book.js';
import { StrategyFeed } from '../../strategy/strategy-feed.js';
import { closeEmaStrategy, interleave, xrpethTopics } from '../../strategy/testing/xrpeth.js';

/** The edition window of the fixture: 2019-10-12 00:00 → 2019-10-13 00:00 UTC, inside the XRPETH file. */
export const fixtureWindow = { from: Date.UTC(2019, 9, 12), to: Date.UTC(2019, 9, 13) } as const;

/** A store and a SQL connection to the same database (migrated by the fixture). */
export interface OpenedDatabase {
  readonly store: Store;
  readonly db: SqlDatabase;
  close(): Promise<void>;
}

async function openPglite(): Promise<OpenedDatabase> {
  const pglite = await PGlite.create();
  const store = await openPgliteStore({ db: pglite });
  return { store, db: pgliteDatabase(pglite), close: () => store.close() };
}

const note = (title: string, tags: string[], body: string, idea: NoteBody['idea'] = null): NoteBody => ({
  title,
  body,
  tags,
  anchor: {
    venue: 'binance',
    symbol: 'XRPETH',
    interval: '5m',
    eventTime: fixtureWindow.from + 3_600_000,
    sourceOffset: null,
  },
  idea,
});

/**
 * A migrated PGlite store holding what the newsletter reads for its readers, all from real data: the final 5m
 * bars and indicator values (ema(10), atr(14), rsi(14)) of the Binance XRPETH file (2019-10-11 → 13); alice (Pro plan) with a watchlist (XRPETH, and BTCUSDT,
 * which has no bars) and the close/ema(10) strategy paper-traded by the live strategy feed over the file (its
 * fills and equity written as the strategy consumer writes them); bob (free, the default plan) with a
 * watchlist; notes tagged `newsletter` in and out of the window, and one untagged.
 */
export async function readersFixture(open: () => Promise<OpenedDatabase> = openPglite) {
  const { store, db, close } = await open();
  await store.migrate();
  const dir = await mkdtemp(join(tmpdir(), 'nexural-newsletter-readers-'));
  await writeFile(join(dir, 'strategy.json'), JSON.stringify(closeEmaStrategy));
  const { strategy, indicators } = await readStrategy(join(dir, 'strategy.json'));
  await rm(dir, { recursive: true, force: true });

  // rsi(14) besides the strategy's own indicators: the edition's indicator signals (a premium section)
  const [trades = [], bars = [], values = []] = await xrpethTopics([...indicators, 'rsi(14)']);
  await store.write({
    bars: bars.flatMap((record) => (record.topic === 'bars' ? [record.value] : [])),
    indicatorValues: values.flatMap((record) => (record.topic === 'indicators' ? [record.value] : [])),
  });

  await db.query(
    `INSERT INTO users (id, email, display_name) VALUES
       ('alice', 'alice@example.test', 'Alice'), ('bob', 'bob@example.test', NULL)`,
  );
  const billing = sqlBillingRepository(db, { plans: planTable(), defaultPlan: 'free' });
  await billing.appendPlanChange({
    owner: 'alice',
    at: Date.UTC(2019, 0, 1),
    plan: 'pro',
    source: 'grant',
    status: null,
    subscriptionId: null,
    reason: 'test fixture',
  });

  const watch = (symbols: string[]) => ({
    name: 'Main',
    position: 0,
    sections: [{ name: '', items: symbols.map((symbol) => ({ venue: 'binance', symbol, note: '' })) }],
  });
  await store.putWatchlist('alice', 'main', watch(['XRPETH', 'BTCUSDT']));
  await store.putWatchlist('bob', 'main', watch(['XRPETH']));

  const strategies = sqlStrategyStore(db);
  await strategies.putStrategy({ id: 'alice-ema', owner: 'alice', strategy, enabled: true });
  const book = new StrategyBook(strategy);
  const feed = new StrategyFeed(book, 5 * 60_000, requiredSpecs(strategy));
  for (const record of interleave([trades, bars, values], 16)) {
    if (record.topic === 'trades') {
      const { symbol, timeUs, price } = record.value;
      feed.addTrade({ symbol, timeUs, price });
    } else if (record.topic === 'bars') feed.addBar(record.value);
    else feed.addIndicator(record.value);
  }
  await strategies.recordFills(
    book.fills.map((fill) => ({
      strategyId: 'alice-ema',
      owner: 'alice',
      seq: fill.seq,
      time: fill.time,
      symbol: fill.symbol,
      side: fill.side,
      positionSide: fill.position,
      quantity: fill.size,
      price: fill.price,
      fee: fill.fee,
      reason: fill.reason,
      pnl: fill.pnl ?? null,
    })),
  );
  await strategies.recordEquity('alice-ema', 'alice', book.equity);

  const snapshot = { bars: [], indicators: [], takenAt: fixtureWindow.from };
  const notes: [string, string, NoteBody, number][] = [
    [
      'alice',
      'xrp-idea',
      note(
        'XRPETH holds its range',
        ['newsletter', 'xrp'],
        'Buyers defended 0.0014 twice.\n\nWatching for a close above the ema(10).',
        { direction: 'long', horizonBars: 12 },
      ),
      fixtureWindow.from + 7_200_000,
    ],
    ['alice', 'private', note('Private scratch', ['xrp'], 'not for the letter'), fixtureWindow.from + 60_000],
    ['bob', 'old', note('Last week', ['newsletter'], 'before the window'), fixtureWindow.from - 60_000],
  ];
  for (const [owner, id, body, createdAt] of notes) {
    await store.createNote(owner, id, body, snapshot);
    // as if written at that moment of the stream (notes are stamped with the wall clock)
    await db.query(
      `UPDATE research_notes SET created_at = timestamptz 'epoch' + $1::bigint * interval '1 millisecond'
       WHERE id = $2`,
      [createdAt, id],
    );
  }

  const readers = sqlNewsletterReaders(db, { entitlements: billing, research: store });
  return { store, db, readers, book, close };
}
