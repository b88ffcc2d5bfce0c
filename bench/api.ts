// npm run bench:api — req/s and p99 of the API's hot reads against a bare Fastify route, in one run.
// The servers run in a child process so the load generator (autocannon) does not share their event loop.
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { PGlite } from '@electric-sql/pglite';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { sqlAccountRepository } from '../api/adapters/sql-accounts.js';
import { pgliteSqlClient } from '../api/adapters/sql-client.js';
import { sqlMarketExtras } from '../api/adapters/sql-market-extras.js';
import { buildApp } from '../api/app.js';
import { mintApiKey } from '../api/auth/api-keys.js';
import { barSerde, indicatorSerde, topics } from '../api/testing/api-harness.js';
import { createInProcessFanout } from '../pipeline/fanout/in-process-fanout.js';
import { openLiveMarketFeed } from '../pipeline/runtime/live-market-feed.js';
import { createEmbeddedLog } from '../pipeline/runtime/log/embedded-log.js';
import { catalogReplayRuns } from '../pipeline/runtime/replay-run-reader.js';
import { createRulePublisher } from '../pipeline/runtime/rule-publisher.js';
import { binanceUsKlines } from '../pipeline/store/market-data-fixtures.js';
import { openPgliteStore } from '../pipeline/store/pglite-store.js';
import type { Bar } from '../schemas/bar.js';
import { printTable } from './bench-table.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const CONNECTIONS = 64;
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 8);

/** Binance.US BTCUSDT 1m bars (21 days, real; ../shared/data/README.md) and their 1h aggregation. */
function benchBars(): { minutes: Bar[]; hours: Bar[] } {
  const minutes = binanceUsKlines('BTCUSDT');
  const hours = new Map<number, Bar>();
  for (const bar of minutes) {
    const openTime = bar.openTime - (bar.openTime % HOUR);
    const hour = hours.get(openTime);
    hours.set(
      openTime,
      hour
        ? {
            ...hour,
            high: Math.max(hour.high, bar.high),
            low: Math.min(hour.low, bar.low),
            close: bar.close,
            volume: hour.volume + bar.volume,
            quoteVolume: hour.quoteVolume + bar.quoteVolume,
          }
        : { ...bar, interval: '1h', openTime, closeTime: openTime + HOUR - 1 },
    );
  }
  return { minutes, hours: [...hours.values()] };
}

/** The child: the full app on the embedded adapters with 21 days of bars, and a bare Fastify app. */
async function serve(): Promise<void> {
  const pglite = await PGlite.create();
  const store = await openPgliteStore({ db: pglite });
  await store.migrate();
  const { minutes, hours } = benchBars();
  await store.write({ bars: [...minutes, ...hours] });
  const sql = pgliteSqlClient(pglite);
  const accounts = sqlAccountRepository(sql);
  await accounts.ensureUser({ id: 'bench' });
  const { key, row } = mintApiKey('bench', 'bench', ['read']);
  await accounts.insertApiKey(row);
  const log = createEmbeddedLog();
  await log.admin.createTopics([
    { name: topics.bars, partitions: 1, compacted: false },
    { name: topics.indicators, partitions: 1, compacted: false },
    { name: topics.alertRules, partitions: 1, compacted: true },
  ]);
  const live = await openLiveMarketFeed({ log, bars: barSerde, indicators: indicatorSerde });
  const last = minutes.at(-1);
  if (!last) throw new Error('no bars');
  const producer = await log.createProducer();
  await producer.send([
    { topic: topics.bars, key: 'binance-us:BTCUSDT', value: await barSerde.serialize(last) },
  ]);
  while (live.latestBar(last) === null) await new Promise((resolve) => setTimeout(resolve, 10));
  const app = await buildApp({
    store,
    accounts,
    extras: sqlMarketExtras(sql),
    replays: catalogReplayRuns(log),
    fanout: createInProcessFanout(),
    live,
    rules: createRulePublisher({ log, topic: topics.alertRules }),
    jwtSecret: 'bench-secret-bench-secret-bench-secret',
    rateLimit: { max: 1_000_000_000 },
  });
  const bare = Fastify();
  bare.get('/bare', async () => last);
  const apiUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });
  process.send?.({
    apiUrl,
    bareUrl,
    key,
    dayFrom: last.openTime - DAY + 60_000,
    dayTo: last.openTime + 60_000,
  });
}

interface Target {
  readonly name: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
}

async function load(target: Target) {
  const run = (duration: number) =>
    autocannon({ url: target.url, connections: CONNECTIONS, duration, headers: target.headers ?? {} });
  await run(1); // warm-up: JIT, caches, connections
  const result = await run(SECONDS);
  return {
    route: target.name,
    'req/s': Math.round(result.requests.average),
    'p50 ms': result.latency.p50,
    'p99 ms': result.latency.p99,
    'MB/s': Math.round(result.throughput.average / 1e5) / 10,
    'non-2xx': result.non2xx + result.errors,
  };
}

async function main(): Promise<void> {
  const child = fork(new URL(import.meta.url).pathname, ['--serve'], { execArgv: ['--import', 'tsx'] });
  const ready = await new Promise<{
    apiUrl: string;
    bareUrl: string;
    key: string;
    dayFrom: number;
    dayTo: number;
  }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as never));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  try {
    const auth = { authorization: `Bearer ${ready.key}` };
    const series = `${ready.apiUrl}/v1/markets/binance-us/BTCUSDT/bars`;
    const day = `from=${ready.dayFrom}&to=${ready.dayTo}`;
    const rows = [];
    for (const target of [
      { name: 'bare fastify (same bar JSON)', url: `${ready.bareUrl}/bare` },
      { name: 'latest 1m bar (live feed)', url: `${series}/1m/latest`, headers: auth },
      { name: 'latest 1h bar (store, cached)', url: `${series}/1h/latest`, headers: auth },
      { name: '1 day of 1h bars (24, cached)', url: `${series}/1h?${day}`, headers: auth },
      { name: '1 day of 1m bars (1440, cached)', url: `${series}/1m?${day}&limit=1440`, headers: auth },
    ]) {
      rows.push(await load(target));
    }
    const bare = rows[0]?.['req/s'] ?? 1;
    printTable(
      `API reads, ${CONNECTIONS} connections, ${SECONDS} s each, API key auth + rate limit on (load ${loadavg()[0]?.toFixed(1)} on ${
        (await import('node:os')).cpus().length
      } cores shared with the load generator)`,
      rows.map((row) => ({ ...row, '× bare': Math.round((row['req/s'] / bare) * 100) / 100 })),
    );
  } finally {
    child.kill();
  }
}

if (process.argv.includes('--serve')) await serve();
else await main();
