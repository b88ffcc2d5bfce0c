/**
 * bench:kafka's producer in a process of its own (`--producer child`), so the bench's process holds only
 * the processor: started by bench/kafka.ts with an IPC channel, it connects, says `ready`, sends paced
 * ticks on `go` and reports each send's probes with their send time (epochMs: the same machine clock as
 * the parent's), then `done` with its rate and CPU seconds.
 */
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { partitionForKey } from '../pipeline/runtime/log/murmur2.js';
import { kafkaLogs } from '../pipeline/runtime/log/stream-log-from-env.js';
import type { LogProducer, OutgoingRecord } from '../schemas/ports/stream-log.js';
import {
  epochMs,
  explicitPartitionProducer,
  type PacedResult,
  type Probe,
  RAW_RECORDS_PER_SEND,
  rawTrade,
  SYMBOLS,
  sendPaced,
} from './kafka-ticks.js';

export interface ProducerChildStart {
  readonly kind: 'start';
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly rate: number;
  readonly seconds: number;
  readonly probes: readonly Probe[];
  /**
   * adapter: the stream-log port's Kafka producer on `adapterClient`'s log — what an ingest process with the
   * processor's NEXURAL_KAFKA_CLIENT writes with (one send at a time, as inline); kafkajs: kafka-raw's and
   * the throughput rows' producer (idempotent, acks=all, 10,000 records a request, partition by the same
   * murmur2), fewer round trips per tick
   */
  readonly client: 'adapter' | 'kafkajs';
  /** the adapter's log (default kafkajs) */
  readonly adapterClient?: keyof typeof kafkaLogs;
  readonly partitions: number;
  /**
   * the throughput rows: ticks 0 … bulk − 1, built before `ready` and sent on `go` as fast as the client
   * goes (10,000 a send, as inline), instead of paced ticks (rate, seconds and probes unused)
   */
  readonly bulk?: number;
}
export type ProducerChildMessage =
  | { readonly kind: 'ready'; readonly at: number }
  | { readonly kind: 'probes'; readonly ruleIds: readonly string[]; readonly at: number }
  | {
      readonly kind: 'done';
      readonly sent: number;
      readonly probesSent: number;
      readonly startedAt: number;
      readonly endedAt: number;
      readonly cpuS: number;
    };

const reply = (message: ProducerChildMessage) =>
  new Promise<void>((resolve, reject) =>
    process.send?.(message, undefined, {}, (error) => (error ? reject(error) : resolve())),
  );

async function run(start: ProducerChildStart): Promise<void> {
  const log = kafkaLogs[start.adapterClient ?? 'kafkajs']({
    brokers: start.brokers,
    clientId: 'nexural-bench-producer',
  });
  const producer = start.client === 'adapter' ? await log.createProducer() : await kafkajsProducer(start);
  const go = new Promise<void>((resolve) =>
    process.on('message', (message: { kind?: string }) => {
      if (message.kind === 'go') resolve();
    }),
  );
  const bulk = Array.from({ length: start.bulk ?? 0 }, (_, i) => {
    const key = `binance-um:${SYMBOLS[i % SYMBOLS.length]}`;
    return { topic: start.topic, key, value: rawTrade(i), partition: partitionForKey(key, start.partitions) };
  });
  await reply({ kind: 'ready', at: epochMs() });
  await go;
  const cpuBefore = process.cpuUsage();
  const result: PacedResult =
    start.bulk === undefined
      ? await sendPaced({
          producer,
          topic: start.topic,
          rate: start.rate,
          seconds: start.seconds,
          probes: start.probes,
          onProbesSent: (ruleIds, at) => void reply({ kind: 'probes', ruleIds, at }),
        })
      : await sendBulk(producer, bulk);
  const cpu = process.cpuUsage(cpuBefore);
  await reply({ kind: 'done', ...result, cpuS: (cpu.user + cpu.system) / 1e6 });
  await producer.close();
  await log.close();
  process.disconnect();
}

async function sendBulk(producer: LogProducer, records: readonly OutgoingRecord[]): Promise<PacedResult> {
  const startedAt = epochMs();
  for (let from = 0; from < records.length; from += RAW_RECORDS_PER_SEND) {
    await producer.send(records.slice(from, from + RAW_RECORDS_PER_SEND));
  }
  return { sent: records.length, probesSent: 0, startedAt, endedAt: epochMs() };
}

async function kafkajsProducer(start: ProducerChildStart): Promise<LogProducer> {
  const kafka = new Kafka({
    clientId: 'nexural-bench-producer',
    brokers: [...start.brokers],
    logLevel: logLevel.NOTHING,
  });
  const producer = explicitPartitionProducer(kafka);
  await producer.connect();
  return {
    async send(records) {
      for (let from = 0; from < records.length; from += 10_000) {
        await producer.send({
          topic: start.topic,
          messages: records.slice(from, from + 10_000).map(({ key, value, partition }) => ({
            key,
            value,
            partition: partition ?? partitionForKey(key ?? '', start.partitions),
          })),
          acks: -1,
          compression: CompressionTypes.None,
        });
      }
      return [];
    },
    close: () => producer.disconnect(),
  };
}

if (!process.send) throw new Error('bench/kafka-producer.ts runs as bench:kafka`s child (an IPC channel)');
process.once('message', (message: ProducerChildStart) => {
  run(message).catch((error: unknown) => {
    console.error(`bench producer failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  });
});
