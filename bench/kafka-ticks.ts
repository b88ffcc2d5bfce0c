/**
 * bench:kafka's ticks and its paced sender, shared by the bench's process and its producer child
 * (bench/kafka-producer.ts): real Binance BTCUSDT trades (../shared/data) over 8 symbols, padded to 200
 * bytes like bench/kafka-raw.ts, event times moved to yesterday (the broker's retention goes by record
 * timestamps), and probe ticks among them.
 */

import type { Kafka, Producer } from 'kafkajs';
import {
  type RawTrade,
  readRawTrades,
  UM_TRADES_FILE,
} from '../pipeline/runtime/processor/testing/processor-test-kit.js';
import type { LogProducer, OutgoingRecord } from '../schemas/ports/stream-log.js';

export const RECORD_BYTES = 200;
export const SYMBOLS = [
  'BTCUSDT',
  'ETHUSDT',
  'SOLUSDT',
  'XRPUSDT',
  'BNBUSDT',
  'DOGEUSDT',
  'ADAUSDT',
  'AVAXUSDT',
];

/**
 * Records a send of the raw kafkajs producer in the throughput rows and kafka-raw's: kafkajs groups a send's
 * messages by partition quadratically, so 10,000 a send costs its producer ~1.5× the CPU of 1,000 a send
 * (kafka-raw's "10k per send" row).
 */
export const RAW_RECORDS_PER_SEND = 1000;

/** A plain kafkajs producer that writes each message to the partition it names (raw-client baselines). */
export const explicitPartitionProducer = (kafka: Kafka): Producer =>
  kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner:
      () =>
      ({ message }) =>
        message.partition ?? 0,
  });

/** Milliseconds since the epoch with performance.now()'s resolution: comparable between processes. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

let source:
  | { trades: RawTrade[]; first: RawTrade; spanMs: number; shiftMs: number; suffixed: boolean }
  | undefined;
function tickSource() {
  if (source) return source;
  const trades = readRawTrades(UM_TRADES_FILE, 'binance-um', 'BTCUSDT');
  const first = trades[0];
  const last = trades.at(-1);
  if (!first || !last) throw new Error('no trades');
  const dayMs = 86_400_000;
  source = {
    trades,
    first,
    spanMs: last.time - first.time + 1000,
    shiftMs: (Math.floor((Date.now() - first.time) / dayMs) - 1) * dayMs,
    suffixed: suffixedIds(),
  };
  return source;
}

/**
 * How the ticks' trade ids are made: `venue` (the default) numbers each symbol's trades 1, 2, 3, … as Binance
 * does (a symbol's ids count up by one); `suffixed` is the file's id plus `-<i>` (before 2026-12-06: ids
 * that are not numbers, as a venue with UUID trade ids would send). bench:kafka's `--trade-ids` sets it
 * for its process and, through the environment, for its producer child.
 */
export const TRADE_IDS_ENV = 'NEXURAL_BENCH_TRADE_IDS';
const suffixedIds = (): boolean => {
  const mode = process.env[TRADE_IDS_ENV] ?? 'venue';
  if (mode !== 'venue' && mode !== 'suffixed') throw new Error(`${TRADE_IDS_ENV}=${mode}: venue or suffixed`);
  return mode === 'suffixed';
};

/** Trade i: the file's trades round-robin over 8 symbols, looped with later times; ~200 bytes. */
export function rawTrade(
  i: number,
  probe?: { readonly symbol: string; readonly price: number; readonly id: string },
): Buffer {
  const { trades, first, spanMs, shiftMs, suffixed } = tickSource();
  const trade = trades[i % trades.length] ?? first;
  const round = Math.floor(i / trades.length);
  const json = JSON.stringify({
    venue: 'binance-um',
    symbol: probe?.symbol ?? SYMBOLS[i % SYMBOLS.length],
    tradeId: probe?.id ?? (suffixed ? `${trade.tradeId}-${i}` : String(1 + Math.floor(i / SYMBOLS.length))),
    time: trade.time + shiftMs + round * spanMs,
    price: probe?.price ?? trade.price,
    size: trade.size,
    side: trade.side,
  });
  return Buffer.from(
    `${json.slice(0, -1)},"pad":"${'.'.repeat(Math.max(0, RECORD_BYTES - json.length - 10))}"}`,
  );
}

/** Probe n is rule `ruleId`'s tick on `symbol` at price floor(n / 10) + 1 (see bench/kafka.ts). */
export interface Probe {
  readonly ruleId: string;
  readonly symbol: string;
}

export interface PacedOptions {
  readonly producer: LogProducer;
  readonly topic: string;
  /** ticks per second */
  readonly rate: number;
  readonly seconds: number;
  /** sent 100 a second among the ticks, in order */
  readonly probes: readonly Probe[];
  /** the probes of one send, and when it was handed to the producer (epochMs) */
  readonly onProbesSent: (ruleIds: readonly string[], at: number) => void;
}

export interface PacedResult {
  /** ticks sent, probes apart */
  readonly sent: number;
  readonly probesSent: number;
  /** epochMs of the first and after the last send */
  readonly startedAt: number;
  readonly endedAt: number;
}

/** Paced ticks at `rate`/s for `seconds`, with the probes among them; each send waits for the broker. */
export async function sendPaced(options: PacedOptions): Promise<PacedResult> {
  const { producer, topic, rate, seconds, probes } = options;
  const start = performance.now();
  const startedAt = performance.timeOrigin + start;
  let sent = 0;
  let probe = 0;
  while (performance.now() - start < seconds * 1000) {
    const elapsed = performance.now() - start;
    const due = Math.floor((rate * elapsed) / 1000) - sent;
    const batch: OutgoingRecord[] = [];
    for (let i = 0; i < due; i++) {
      batch.push({ topic, key: `binance-um:${SYMBOLS[(sent + i) % 8]}`, value: rawTrade(sent + i) });
    }
    const probesDue = Math.min(probes.length, Math.floor(elapsed / 10)) - probe;
    const stamped: string[] = [];
    for (let i = 0; i < probesDue; i++, probe++) {
      const spec = probes[probe];
      if (!spec) break;
      const price = Math.floor(probe / 10) + 1;
      // the event time of the newest tick in this send: an older one could be late for its partition's clock
      const value = rawTrade(sent + due, { symbol: spec.symbol, price, id: `probe-${probe}` });
      batch.push({ topic, key: `binance-um:${spec.symbol}`, value });
      stamped.push(spec.ruleId);
    }
    if (batch.length > 0) {
      if (stamped.length > 0) options.onProbesSent(stamped, epochMs());
      await producer.send(batch);
      sent += due;
    }
    // a timer turn per round: the embedded log's consumer shares this event loop
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return { sent, probesSent: probe, startedAt, endedAt: epochMs() };
}

/** A producer child's report (bench/kafka-producer.ts): the paced run and its CPU seconds. */
export interface ChildPacedResult extends PacedResult {
  readonly cpuS: number;
}

/**
 * Forks bench/kafka-producer.ts and waits until its producer is connected; `go()` starts the paced run
 * and resolves with the child's report. `clockCheckMs`: this process's epochMs on receiving `ready` minus
 * the child's when sending it (IPC delay; a negative value would mean the clocks disagree).
 */
export async function forkProducer(
  start: Omit<import('./kafka-producer.js').ProducerChildStart, 'kind'>,
  onProbesSent: (ruleIds: readonly string[], at: number) => void,
): Promise<{ clockCheckMs: number; go: () => Promise<ChildPacedResult> }> {
  const { fork } = await import('node:child_process');
  const script = new URL('./kafka-producer.ts', import.meta.url);
  const child = fork(script, [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  let done: ((result: ChildPacedResult) => void) | undefined;
  let failed: ((error: Error) => void) | undefined;
  const finished = new Promise<ChildPacedResult>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  const ready = new Promise<number>((resolve, reject) => {
    child.on('message', (message: import('./kafka-producer.js').ProducerChildMessage) => {
      if (message.kind === 'ready') resolve(epochMs() - message.at);
      else if (message.kind === 'probes') onProbesSent(message.ruleIds, message.at);
      else if (message.kind === 'done') {
        const { kind: _, ...result } = message;
        done?.(result);
      }
    });
    child.on('exit', (code) => {
      const error = new Error(`bench producer child exited with ${code}`);
      reject(error);
      failed?.(error);
    });
  });
  child.send({ kind: 'start', ...start });
  const clockCheckMs = await ready;
  return {
    clockCheckMs,
    go: async () => {
      child.send({ kind: 'go' });
      const result = await finished;
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(0)));
      return result;
    },
  };
}

/** bench/kafka-subscriber.ts in a child process: `onArrival` for each fired alert; `stop()` flushes and ends it. */
export async function forkSubscriber(
  redisUrl: string,
  owner: string,
  onArrival: (ruleId: string, at: number) => void,
): Promise<{ stop: () => Promise<void> }> {
  const { fork } = await import('node:child_process');
  const script = new URL('./kafka-subscriber.ts', import.meta.url);
  const child = fork(script, [redisUrl, owner], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`the subscriber child exited (${code}) before it was ready`)),
    );
    child.on('message', (message: import('./kafka-subscriber.js').SubscriberMessage) => {
      if (message.kind === 'ready') resolve();
      else for (const [ruleId, at] of message.arrivals) onArrival(ruleId, at);
    });
  });
  return {
    stop: async () => {
      child.send('stop');
      await exited;
    },
  };
}
