import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { createKafkaLog } from '../../pipeline/runtime/log/kafka-log.js';
import type { Bar } from '../../schemas/bar.js';
import { topicNames } from '../../schemas/topics.js';
import type { FaultReport } from './broker-outage.js';
import { type CliRole, dropNamespace, spawnCliRole } from './cli-role.js';
import { privatePostgres } from './private-services.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Binance spot XRPETH 1m klines, 2019-10-11 → 2019-10-13 (/work/shared/data, Binance's public data), as
 * final bars. The file has no quote volume, trade count nor taker volume: those are derived here
 * (volume × close, 1, 0) — the sink stores whatever it is given, the values only need to be real-shaped.
 */
export function xrpEthBars(): Bar[] {
  const file = new URL(
    '../../../shared/data/binance_spot_XRPETH_ohlcv_1m_2019-10-11_2019-10-13.csv',
    import.meta.url,
  );
  const [, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  return rows.map((row) => {
    const [openTime, open, high, low, close, volume] = row.split(',').map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return {
      venue: 'binance',
      symbol: 'XRPETH',
      interval: '1m',
      openTime,
      closeTime: openTime + 59_999,
      open,
      high,
      low,
      close,
      volume,
      quoteVolume: volume * close,
      trades: 1,
      takerBuyVolume: 0,
      final: true,
      revision: 0,
    };
  });
}

export interface PostgresOutageOptions {
  readonly brokers: readonly string[];
  readonly downtimeMs: number;
  /** bars produced per 250 ms while the sink runs (the load the outage lands in) */
  readonly barsPerTick: number;
  readonly say: (line: string) => void;
}

/** `nexural sink` on a namespace, with its /ready on `healthPort` (0 = any free port). */
export const spawnSink = (
  env: NodeJS.ProcessEnv,
  namespace: string,
  healthPort: number,
  say: (line: string) => void,
): CliRole =>
  spawnCliRole(
    ['sink', '--namespace', namespace, '--group', `${namespace}.sink`, '--health-port', String(healthPort)],
    env,
    'sink',
    say,
  );

/** The stored XRPETH bars, in time order, as `openTime,open,high,low,close,volume` lines. */
export async function storedBars(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{
    open_time_ms: string;
    open: number;
    high: number;
    low: number;
    close: number;
    volume: number;
  }>(
    `SELECT (extract(epoch FROM open_time) * 1000)::bigint AS open_time_ms, open::float8 AS open,
       high::float8 AS high, low::float8 AS low, close::float8 AS close, volume::float8 AS volume
     FROM bars WHERE venue = 'binance' AND symbol = 'XRPETH' ORDER BY open_time`,
  );
  return rows.map((row) =>
    [Number(row.open_time_ms), row.open, row.high, row.low, row.close, row.volume].join(','),
  );
}

export const barImage = (bar: Bar) =>
  [bar.openTime, bar.open, bar.high, bar.low, bar.close, bar.volume].join(',');

/**
 * PostgreSQL kill -9 and restart under `nexural sink` (a private PostgreSQL + TimescaleDB; Kafka is the
 * shared broker, only read and written, never touched). Bars are produced at a steady pace; the database
 * dies for `downtimeMs` mid-stream. The sink must stay in its group, report red on its /ready while it
 * waits, resume by itself, and store exactly the produced bars.
 */
export async function runPostgresOutage(options: PostgresOutageOptions): Promise<FaultReport> {
  const { say } = options;
  const postgres = await privatePostgres();
  const namespace = `fault${randomUUID().slice(0, 8)}`;
  const topics = topicNames(namespace);
  const log = createKafkaLog({ brokers: options.brokers, clientId: 'nexural-fault-harness' });
  let child: CliRole | null = null;
  try {
    await postgres.start();
    say(`private PostgreSQL ${postgres.address} up (pid ${postgres.pid()})`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KAFKA_BROKERS: options.brokers.join(','),
      DATABASE_URL: postgres.address,
      NEXURAL_PARTITIONS: '2',
      API_HOST: '127.0.0.1',
    };
    delete env.SCHEMA_REGISTRY_URL;
    child = spawnSink(env, namespace, 0, say);
    const sink = child;
    let exitedByItself = false;
    void sink.exited.then(() => {
      exitedByItself = true;
    });
    const readyUrl = await sink.readyUrl;
    if (readyUrl === null) throw new Error('the sink exited while starting');
    const timeline: { at: number; ok: boolean }[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const ok = await fetch(readyUrl, { signal: AbortSignal.timeout(3_000) })
          .then((response) => response.ok)
          .catch(() => false);
        timeline.push({ at: Date.now(), ok });
        await sleep(250);
      }
    })();

    const bars = xrpEthBars();
    const producer = await log.createProducer();
    const killAt = Math.floor(bars.length / 3);
    let downAt = 0;
    let backAt = 0;
    let restarting: Promise<void> | null = null;
    for (let from = 0; from < bars.length; from += options.barsPerTick) {
      await producer.send(
        bars.slice(from, from + options.barsPerTick).map((bar) => ({
          topic: topics.bars,
          key: `${bar.venue}:${bar.symbol}`,
          value: Buffer.from(JSON.stringify(bar)),
        })),
      );
      if (restarting === null && from >= killAt) {
        await postgres.kill();
        downAt = Date.now();
        say(`PostgreSQL killed (kill -9) after ${from} bars`);
        restarting = (async () => {
          await sleep(options.downtimeMs);
          await postgres.start();
          backAt = Date.now();
          say(`PostgreSQL back after ${backAt - downAt} ms down`);
        })();
      }
      await sleep(250);
    }
    await producer.close();
    await restarting;

    const client = new pg.Client({ connectionString: postgres.address });
    await client.connect();
    const stored = () => storedBars(client);
    const deadline = Date.now() + 120_000;
    while ((await stored()).length < bars.length && Date.now() < deadline && !exitedByItself)
      await sleep(500);
    const rows = await stored();
    await client.end();
    await sleep(1_000);
    polling = false;
    await poll;

    const expected = bars.map(barImage);
    const actual = rows;
    const equal = actual.length === expected.length && actual.every((row, index) => row === expected[index]);
    say(`bars: ${expected.length} produced, ${actual.length} stored, ${equal ? 'equal' : 'DIFFERENT'}`);
    const red = timeline.filter((sample) => sample.at > downAt && sample.at < backAt && !sample.ok).length;
    const greenAfter = timeline.find((sample) => sample.at > backAt && sample.ok);
    const recoveryMs = greenAfter === undefined ? Number.POSITIVE_INFINITY : greenAfter.at - backAt;
    const lastOk = timeline.at(-1)?.ok === true;
    say(`/ready: ${red} red samples while the database was down; green ${recoveryMs} ms after it was back`);
    const pass = equal && red > 0 && Number.isFinite(recoveryMs) && lastOk && !exitedByItself;
    const exitedBeforeStop = exitedByItself;
    const code = await sink.stop();
    child = null;
    return {
      fault: 'PostgreSQL kill -9 + restart (sink)',
      downtimeMs: backAt - downAt,
      recoveryMs,
      recordsCompared: expected.length,
      equal: { bars: equal },
      duplicates: actual.length - new Set(actual).size,
      redWhileDown: red > 0,
      exitedByItself: exitedBeforeStop,
      verdict: pass && code === 0 ? 'pass' : 'FAIL',
    };
  } finally {
    await child?.kill();
    await dropNamespace(log, namespace, [`${namespace}.sink`]);
    await log.close();
    await postgres.stop();
  }
}
