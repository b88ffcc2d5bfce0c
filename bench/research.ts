/**
 * Research workspace speed: notes saved per second (each with a 30-bar snapshot of Binance's real 1m klines),
 * full-text search and scorecard latency over N notes of one user beside as many of another, and ideas scored
 * per second by one scoring pass. On PGlite, and on PostgreSQL too when DATABASE_URL is set (a schema of its
 * own, dropped at the end). Run: `npm run bench:research [-- notes]` (default 5,000). Prints; asserts nothing.
 */

import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { scorePendingIdeas } from '../pipeline/research/idea-scorer.js';
import { binanceKlines } from '../pipeline/store/market-data-fixtures.js';
import { pgliteDatabase } from '../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../pipeline/store/pglite-store.js';
import { openPostgresStore } from '../pipeline/store/postgres-store.js';
import type { SqlSession } from '../pipeline/store/sql-database.js';
import type { Store } from '../schemas/ports/store.js';
import { noteBodySchema } from '../schemas/research.js';
import { printTable } from './bench-table.js';

const [noteCount = 5_000] = process.argv.slice(2).map((arg) => Number(arg.replaceAll('_', '')));
const klines = binanceKlines();
const words =
  `breakout range absorption liquidity sweep trend reversal funding basis momentum divergence support
  resistance volume spike squeeze failed auction value area rotation imbalance bid ask spread whale`.split(
    /\s+/,
  );

let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = () => words[Math.floor(random() * words.length)] ?? 'range';
const sentence = (length: number) => Array.from({ length }, pick).join(' ');

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function time(runs: number, work: () => Promise<unknown>): Promise<number> {
  const took: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    await work();
    took.push(performance.now() - started);
  }
  return median(took);
}

async function measure(
  name: string,
  store: Store,
  admin: SqlSession,
): Promise<Record<string, string | number>> {
  await admin.query(`INSERT INTO users (id) VALUES ('alice'), ('bob') ON CONFLICT DO NOTHING`);
  await store.write({ bars: klines });
  const snapshot = { bars: klines, indicators: [], takenAt: Date.now() };
  const started = performance.now();
  for (let index = 0; index < noteCount; index += 1) {
    const idea = index % 10 === 0;
    const body = noteBodySchema.parse({
      title: sentence(4),
      body: `${sentence(40)}\n\n${sentence(40)}`,
      tags: [pick(), `t${index % 7}`].filter((tag, at, all) => all.indexOf(tag) === at),
      anchor: {
        venue: 'binance-um',
        symbol: 'BTCUSDT',
        interval: '1m',
        eventTime: klines[index % 20]?.openTime,
      },
      idea: idea ? { direction: index % 20 === 0 ? 'long' : 'short', horizonBars: 5 } : null,
    });
    await store.createNote(index % 2 === 0 ? 'alice' : 'bob', `note-${index}`, body, snapshot);
  }
  const saveSeconds = (performance.now() - started) / 1000;
  const scoring = performance.now();
  const pass = await scorePendingIdeas({ store, research: store }, noteCount);
  const scoreSeconds = (performance.now() - scoring) / 1000;
  return {
    store: name,
    notes: noteCount,
    'saved/s': noteCount / saveSeconds,
    'search 1 word ms': await time(20, () => store.searchNotes('alice', 'absorption', { limit: 20 })),
    'search phrase -word ms': await time(20, () =>
      store.searchNotes('alice', '"failed auction" -whale', { limit: 20 }),
    ),
    'search + tag ms': await time(20, () => store.searchNotes('alice', 'breakout', { tag: 't3', limit: 20 })),
    'scorecard ms': await time(10, () => store.scorecard('alice')),
    'ideas scored/s': pass.scored / scoreSeconds,
  };
}

const rows: Record<string, string | number>[] = [];
{
  const pglite = await PGlite.create();
  const store = await openPgliteStore({ db: pglite });
  await store.migrate();
  rows.push(await measure('PGlite', store, pgliteDatabase(pglite)));
  await store.close();
}
const connectionString = process.env.DATABASE_URL;
if (connectionString) {
  const schema = `bench_research_${process.pid}`;
  const store = await openPostgresStore({ connectionString, schema });
  await store.migrate();
  const client = new pg.Client({ connectionString, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    const { pgSession } = await import('../pipeline/store/pg-database.js');
    rows.push(await measure('PostgreSQL', store, pgSession(client)));
  } finally {
    await store.close();
    await client.query(`DROP SCHEMA ${schema} CASCADE`);
    await client.end();
  }
}
printTable(`research workspace (${noteCount.toLocaleString('en-US')} notes, half per user, 10% ideas)`, rows);
