/**
 * Store throughput and query latency on DATABASE_URL (the stack's TimescaleDB: `env $(bash scripts/stack env) npm run bench:store`).
 * Run: `npm run bench:store [-- ticks bars historyRows]` (defaults 1,000,000 ticks, 540,000 bars, 10,000,000 rows).
 * Prints tables; asserts nothing. Works in a schema of its own, dropped at the end. Each ingest path runs
 * BENCH_ROUNDS (3) times, interleaved with the others, and reports its best time: the machine is shared.
 *
 * Ingest: real Binance trades (3 symbols, 55,732 trades) and Binance.US 1m klines (3 symbols, 90,720 bars),
 * repeated with shifted times and ids up to the requested counts, written (1) through the SinkWriter with each
 * write method, (2) again (a replay: every row conflicts), and (3) by a raw pg-copy-streams COPY of the same
 * rows straight into the table, the ceiling the sink is compared with.
 * Queries: "latest bar of a symbol" and "one day of 1m bars" through the store port, on a bars hypertable
 * filled server-side with generate_series (100 symbols × 1m bars).
 */

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { binanceTrades, binanceUsKlines } from '../pipeline/store/market-data-fixtures.js';
import { openPostgresStore, type PostgresWriteMethod } from '../pipeline/store/postgres-store.js';
import { SinkWriter } from '../pipeline/store/sink-writer.js';
import { msText, usText } from '../pipeline/store/table-writes.js';
import type { Bar } from '../schemas/bar.js';
import type { Store, StoreWriteBatch } from '../schemas/ports/store.js';
import type { TradeTick } from '../schemas/tick.js';
import { printTable } from './bench-table.js';

const [tickCount = 1_000_000, barCount = 540_000, historyRows = 10_000_000] = process.argv
  .slice(2)
  .map((arg) => Number(arg.replaceAll('_', '')));
const connectionString = process.env.DATABASE_URL;
if (!connectionString) {
  process.stderr.write(
    'bench:store needs DATABASE_URL; with the local stack: env $(bash scripts/stack env) npm run bench:store\n',
  );
  process.exit(1);
}
const schema = `bench_store_${process.pid}`;
const BATCH_ROWS = Number(process.env.BENCH_BATCH_ROWS ?? 50_000);
const MINUTE = 60_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function repeatTicks(count: number): TradeTick[] {
  const real = [
    ...binanceTrades('binance-um:BTCUSDT'),
    ...binanceTrades('binance:BTCUSDT'),
    ...binanceTrades('binance:ETHUSDT'),
  ];
  const span = 12 * MINUTE * 1000; // the files cover < 11 minutes
  return Array.from({ length: count }, (_, index) => {
    const tick = real[index % real.length] as TradeTick;
    const round = Math.floor(index / real.length);
    return {
      ...tick,
      tradeId: String(Number(tick.tradeId) + round * 1e9),
      timeUs: tick.timeUs + round * span,
    };
  });
}

function repeatBars(count: number): Bar[] {
  const real = [...binanceUsKlines('BTCUSDT'), ...binanceUsKlines('BTCUSD'), ...binanceUsKlines('BTCUSDC')];
  const span = 21 * 1_440 * MINUTE;
  return Array.from({ length: count }, (_, index) => {
    const bar = real[index % real.length] as Bar;
    const shift = Math.floor(index / real.length) * span;
    return { ...bar, openTime: bar.openTime + shift, closeTime: bar.closeTime + shift };
  });
}

const tickLine = (tick: TradeTick): string =>
  `${tick.venue}\t${tick.symbol}\t${usText(tick.timeUs)}\t${tick.tradeId}\t${tick.price}\t${tick.size}\t${tick.aggressor}\n`;
const barLine = (bar: Bar): string =>
  `${bar.venue}\t${bar.symbol}\t${bar.interval}\t${msText(bar.openTime)}\t${msText(bar.closeTime)}\t${bar.open}\t${bar.high}\t${bar.low}\t${bar.close}\t${bar.volume}\t${bar.quoteVolume}\t${bar.trades}\t${bar.takerBuyVolume}\t${bar.final ? 't' : 'f'}\t${bar.revision}\t${bar.seq ?? 0}\n`;

/** Raw COPY of the rows straight into the table (no staging, no conflict handling), streamed in chunks. */
async function rawCopy<Row>(pool: pg.Pool, copy: string, rows: readonly Row[], line: (row: Row) => string) {
  const client = await pool.connect();
  try {
    async function* chunks() {
      for (let start = 0; start < rows.length; start += 10_000) {
        let text = '';
        for (const row of rows.slice(start, start + 10_000)) text += line(row);
        yield text;
      }
    }
    await pipeline(Readable.from(chunks()), client.query(copyFrom(copy)));
  } finally {
    client.release();
  }
}

async function timed(run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return (performance.now() - started) / 1000;
}

/** Feeds the writer like a consumer that does not wait: each write waits only for room (backpressure). */
async function throughSink(store: Store, batches: readonly StoreWriteBatch[]): Promise<void> {
  const writer = new SinkWriter(store, { maxBatchRows: BATCH_ROWS });
  await Promise.all(batches.map((batch) => writer.write(batch)));
  await writer.close();
}

function split<Row>(
  rows: readonly Row[],
  size: number,
  wrap: (rows: Row[]) => StoreWriteBatch,
): StoreWriteBatch[] {
  const batches: StoreWriteBatch[] = [];
  for (let start = 0; start < rows.length; start += size) batches.push(wrap(rows.slice(start, start + size)));
  return batches;
}

async function ingest(pool: pg.Pool, ticks: TradeTick[], bars: Bar[]) {
  const tables = [
    {
      table: 'trade_ticks',
      rows: ticks.length,
      batches: split(ticks, 5_000, (trades) => ({ trades })),
      raw: () =>
        rawCopy(
          pool,
          'COPY trade_ticks (venue, symbol, time, trade_id, price, size, aggressor) FROM STDIN',
          ticks,
          tickLine,
        ),
    },
    {
      table: 'bars',
      rows: bars.length,
      batches: split(bars, 5_000, (batch) => ({ bars: batch })),
      // Columns named: the table has grown columns (seq, jumped_from) since the bench was written.
      raw: () =>
        rawCopy(
          pool,
          `COPY bars (venue, symbol, bar_interval, open_time, close_time, open, high, low, close, volume,
             quote_volume, trades, taker_buy_volume, final, revision, seq) FROM STDIN`,
          bars,
          barLine,
        ),
    },
  ];
  // The machine is shared: every path runs ROUNDS times, interleaved, and the best time counts.
  const results: Record<string, string | number>[] = [];
  for (const { table, rows, batches, raw } of tables) {
    const best = new Map<string, number>();
    const keep = (path: string, seconds: number) =>
      best.set(path, Math.min(best.get(path) ?? Infinity, seconds));
    for (let round = 0; round < ROUNDS; round++) {
      await pool.query(`TRUNCATE ${table}`);
      keep('raw COPY into the table', await timed(raw));
      for (const method of ['copy', 'unnest'] satisfies PostgresWriteMethod[]) {
        const store = await openPostgresStore({
          connectionString: connectionString ?? '',
          schema,
          writeMethod: method,
        });
        await pool.query(`TRUNCATE ${table}`);
        keep(`SinkWriter, ${method} (new rows)`, await timed(() => throughSink(store, batches)));
        keep(`SinkWriter, ${method} (replay)`, await timed(() => throughSink(store, batches)));
        await store.close();
      }
    }
    const rawSeconds = best.get('raw COPY into the table') ?? Number.NaN;
    for (const [path, seconds] of best) {
      results.push({
        table,
        path,
        rows,
        'best s': seconds,
        'rows/s': Math.round(rows / seconds),
        'vs raw': rawSeconds / seconds,
      });
    }
  }
  printTable(
    `Ingest into TimescaleDB (best of ${ROUNDS} rounds; sink transactions of ${BATCH_ROWS.toLocaleString('en-US')} rows)`,
    results,
  );
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function latency(label: string, runs: number, query: (run: number) => Promise<unknown>) {
  for (let run = 0; run < 20; run++) await query(run); // warm the cache and the connection
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await query(run);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return {
    query: label,
    runs,
    'p50 ms': percentile(times, 50),
    'p99 ms': percentile(times, 99),
    'max ms': times.at(-1) ?? 0,
  };
}

async function queries(pool: pg.Pool, timescale: boolean) {
  const symbols = 100;
  const minutes = Math.ceil(historyRows / symbols);
  const start = Date.UTC(2024, 0, 1);
  await pool.query('TRUNCATE bars');
  const fill = await timed(async () => {
    await pool.query(
      `INSERT INTO bars
       SELECT 'bench', 'SYM' || lpad(s::text, 3, '0'), '1m', t, t + INTERVAL '59.999 seconds', p, p * 1.001, p * 0.999, p,
         1, p, 10, 0.5, true, 0
       FROM generate_series(1, ${symbols}) AS s,
         generate_series($1::timestamptz, $1::timestamptz + ${minutes - 1} * INTERVAL '1 minute', INTERVAL '1 minute') AS t,
         LATERAL (SELECT 100 + s + sin(extract(epoch FROM t) / 3600) AS p) AS price`,
      [new Date(start).toISOString()],
    );
    await pool.query('ANALYZE bars');
  });
  const { rows } = await pool.query<{ rows: string; chunks: string }>(
    `SELECT (SELECT count(*) FROM bars) AS rows,
       ${timescale ? `(SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_schema = '${schema}' AND hypertable_name = 'bars')` : '1'} AS chunks`,
  );
  process.stdout.write(
    `\nbars hypertable: ${Number(rows[0]?.rows).toLocaleString('en-US')} rows in ${rows[0]?.chunks} chunks, filled in ${fill.toFixed(1)} s\n`,
  );
  const store = await openPostgresStore({
    connectionString: connectionString ?? '',
    schema,
    maxConnections: 1,
  });
  const symbolOf = (run: number) => `SYM${String(((run * 37) % symbols) + 1).padStart(3, '0')}`;
  const days = Math.floor(minutes / 1_440);
  const results = [
    await latency('latest bar of a symbol (store.latestBar)', 2_000, (run) =>
      store.latestBar({ venue: 'bench', symbol: symbolOf(run), interval: '1m' }),
    ),
    await latency('one day of 1m bars (store.bars, 1,440 rows)', 500, async (run) => {
      const from = start + ((run * 7) % days) * 1_440 * MINUTE;
      const page = await store.bars({
        venue: 'bench',
        symbol: symbolOf(run),
        interval: '1m',
        from,
        to: from + 1_440 * MINUTE,
        limit: 1_440,
      });
      if (page.items.length !== 1_440) throw new Error(`expected 1,440 bars, got ${page.items.length}`);
    }),
  ];
  await store.close();
  printTable('Query latency through the store port (one connection, sequential)', results);
}

const pool = new pg.Pool({ connectionString, max: 2, options: `-c search_path=${schema},public` });
try {
  const setup = await openPostgresStore({ connectionString, schema });
  const report = await setup.migrate();
  await setup.close();
  const server = report.capabilities;
  process.stdout.write(
    `PostgreSQL ${server.serverVersion}, TimescaleDB ${server.timescaledb?.version ?? 'absent'} (${server.timescaledb?.license ?? '-'}); schema ${schema}\n`,
  );
  await ingest(pool, repeatTicks(tickCount), repeatBars(barCount));
  if (historyRows > 0) await queries(pool, server.timescaledb !== null);
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
}
