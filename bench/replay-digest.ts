/**
 * `npm run bench:replay -- --digest`: hashes of what the replays wrote, for comparing two versions of the
 * processor on the same trades. Derived topics: per partition, in order (key, timestamp, headers, value).
 * Processor state: every checkpoint chunk, manifest and rule set each replay's transactions sent (progress
 * records aside: how many transactions a replay takes depends on timing), by key in send order, once
 * decoded (canonical form: v8 writes an equal number as a small integer or a double depending on how it was
 * computed, so equal states can differ in bytes) and once as bytes.
 */
import { createHash, type Hash } from 'node:crypto';
import { deserialize } from 'node:v8';
import type { LogRecord, OutgoingRecord, StreamLog } from '../schemas/ports/stream-log.js';
import { topicNames } from '../schemas/topics.js';

/** A deterministic text of a decoded value: keys sorted, Maps, Sets and typed arrays spelled out. */
export function canonical(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Map)
    return `Map{${[...value].map(([key, entry]) => `${canonical(key)}=>${canonical(entry)}`).join(',')}}`;
  if (value instanceof Set) return `Set{${[...value].map(canonical).join(',')}}`;
  if (ArrayBuffer.isView(value)) {
    const items = Array.from(value as unknown as ArrayLike<number>, canonical);
    return `${value.constructor.name}[${items.join(',')}]`;
  }
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record)
    .sort()
    .map((key) => `${key}:${canonical(record[key])}`)
    .join(',')}}`;
}

interface StateHashes {
  records: number;
  decoded: Hash;
  bytes: Hash;
  chunks: Buffer[];
}

/** The log, with the processor-state records of every transaction hashed as they are sent. */
export function stateCapture(log: StreamLog): { log: StreamLog; lines: () => string[] } {
  const byPartition = new Map<string, StateHashes>();
  const capture = (record: OutgoingRecord) => {
    const key = record.key ?? '';
    if (!record.topic.endsWith('.processor-state') || key.endsWith(':progress')) return;
    const name = `${record.topic} p${record.partition}`;
    const state = byPartition.get(name) ?? {
      records: 0,
      decoded: createHash('sha256'),
      bytes: createHash('sha256'),
      chunks: [],
    };
    byPartition.set(name, state);
    state.records++;
    const value = record.value ?? Buffer.alloc(0);
    state.bytes.update(`${key}|${record.timestamp}|`).update(value).update('\n');
    const newline = value.indexOf(10);
    if (key.includes('#')) {
      // a chunk: its tag line (the checkpoint's offset or the rule set's id), then bytes of the whole
      state.chunks.push(value.subarray(newline + 1));
      state.decoded.update(`${key}|${record.timestamp}|${value.subarray(0, newline)}\n`);
      return;
    }
    const { bytes: _length, ...manifest } = JSON.parse(value.toString('utf8')) as Record<string, unknown>;
    const whole = deserialize(Buffer.concat(state.chunks));
    state.chunks = [];
    state.decoded.update(`${key}|${record.timestamp}|${canonical(manifest)}|${canonical(whole)}\n`);
  };
  const captured: StreamLog = {
    kind: log.kind,
    fencesByGeneration: log.fencesByGeneration,
    admin: log.admin,
    createProducer: () => log.createProducer(),
    consume: (options) => log.consume(options),
    close: () => log.close(),
    createTransactionalProducer: async (id, options) => {
      const producer = await log.createTransactionalProducer(id, options);
      return {
        transactionalId: producer.transactionalId,
        close: () => producer.close(),
        transaction: async () => {
          const transaction = await producer.transaction();
          return {
            send: (records) => {
              for (const record of records) capture(record);
              return transaction.send(records);
            },
            sendOffsets: (groupId, offsets, generation) =>
              transaction.sendOffsets(groupId, offsets, generation),
            commit: () => transaction.commit(),
            abort: () => transaction.abort(),
          };
        },
      };
    },
  };
  const lines = () =>
    [...byPartition]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([name, state]) =>
          `sent ${name} records=${state.records} decoded ${state.decoded.digest('hex').slice(0, 20)} bytes ${state.bytes.digest('hex').slice(0, 20)}`,
      );
  return { log: captured, lines };
}

/** Every record of `topic`, read until nothing new came for 1.5 s. */
async function readAll(log: StreamLog, topic: string): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  let lastAt = Date.now();
  const consumer = await log.consume({
    groupId: `bench.digest.${topic}`,
    topics: [topic],
    commit: 'manual',
    start: 'earliest',
    handler: async (batch) => {
      for (const record of batch.records) records.push(record);
      lastAt = Date.now();
    },
  });
  while (Date.now() - lastAt < 1500) await new Promise((resolve) => setTimeout(resolve, 100));
  await consumer.close();
  return records;
}

/** One line per derived topic and partition of `run`: its record count and the hash of its records in order. */
export async function derivedDigest(log: StreamLog, run: string): Promise<string[]> {
  const names = topicNames(run);
  const lines: string[] = [];
  for (const kind of ['bars', 'barsFinal', 'indicators', 'alerts', 'deadLetters'] as const) {
    const byPartition = new Map<number, LogRecord[]>();
    for (const record of await readAll(log, names[kind])) {
      const records = byPartition.get(record.partition) ?? [];
      records.push(record);
      byPartition.set(record.partition, records);
    }
    for (const partition of [...byPartition.keys()].sort((a, b) => a - b)) {
      const records = (byPartition.get(partition) ?? []).sort((a, b) =>
        Number(BigInt(a.offset) - BigInt(b.offset)),
      );
      const hash = createHash('sha256');
      for (const record of records) {
        hash.update(`${record.key}|${record.timestamp}|${JSON.stringify(record.headers ?? {})}|`);
        hash.update(record.value ?? Buffer.from('<null>')).update('\n');
      }
      lines.push(`${run} ${kind} p${partition} n=${records.length} ${hash.digest('hex').slice(0, 20)}`);
    }
  }
  return lines;
}
