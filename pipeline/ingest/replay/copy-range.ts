import type { LogRecord, OutgoingRecord, StreamLog } from '../../../schemas/ports/stream-log.js';
import type { ResolvedRange } from './replay-range.js';

export interface CopyRangeOptions {
  readonly log: StreamLog;
  readonly range: ResolvedRange;
  /** the slice topic (as many partitions as the raw topic) */
  readonly target: string;
  readonly groupId: string;
  /** 1 = the recorded pace (event time), Infinity = as fast as possible */
  readonly speed: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (scanned: number, copied: number) => void;
  /**
   * A partition whose end lies behind transaction markers never delivers a record at end − 1: after this
   * long without a record it counts as read to its end.
   */
  readonly idleMs?: number;
}

/** Event time of a raw trade record (µs), without validating it: the processor does that. */
function eventTimeUs(value: Buffer | null): number | null {
  if (value === null) return null;
  try {
    const parsed = JSON.parse(value.toString('utf8')) as { timeUs?: unknown; time?: unknown };
    if (typeof parsed.timeUs === 'number') return parsed.timeUs;
    if (typeof parsed.time === 'number') return parsed.time * 1000;
  } catch {
    // not JSON: kept, the processor dead-letters it as it would live
  }
  return null;
}

function symbolFilter(symbols: readonly string[]): (record: LogRecord) => boolean {
  if (symbols.length === 0) return () => true;
  const wanted = new Set(symbols);
  return (record) => {
    const key = record.key ?? '';
    return wanted.has(key) || wanted.has(key.slice(key.indexOf(':') + 1));
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Copies the range of the raw topic into the slice topic: same partition, key, value and timestamp, in
 * offset order, keeping the trades whose symbol and event time are in the range (records without a
 * readable time are kept, so bad input reaches the dead-letter topic as it did live). When filtering, a
 * header names the raw position each record came from; without, slice offset k is raw offset start + k.
 */
export async function copyRange(options: CopyRangeOptions): Promise<{ scanned: number; copied: number }> {
  const { log, range, target } = options;
  const keepSymbol = symbolFilter(range.symbols);
  const timed = range.fromUs !== null || range.toUs !== null;
  const fromUs = range.fromUs ?? Number.NEGATIVE_INFINITY;
  const toUs = range.toUs ?? Number.POSITIVE_INFINITY;
  const bounds = new Map(range.partitions.map((p) => [p.partition, p]));
  const remaining = new Set(range.partitions.filter((p) => p.start < p.end).map((p) => p.partition));
  const producer = await log.createProducer();
  let scanned = 0;
  let copied = 0;
  let firstTimeUs: number | null = null;
  const startedAt = performance.now();
  let lastActivity = Date.now();
  let busy = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  if (remaining.size === 0) finish();

  const paced = Number.isFinite(options.speed);
  const pace = async (timeUs: number | null) => {
    if (timeUs === null) return;
    firstTimeUs ??= timeUs;
    const waitMs = (timeUs - firstTimeUs) / 1000 / options.speed - (performance.now() - startedAt);
    if (waitMs > 2) await sleep(waitMs);
  };

  // without filters the slice holds the range one to one (raw offset = start + slice offset): no header needed
  const filtered = timed || range.symbols.length > 0;
  const copyBatch = async (records: readonly LogRecord[], bound: { start: bigint; end: bigint }) => {
    const out: OutgoingRecord[] = [];
    // offsets are int64 in Kafka, but below 2^53 in any log that exists
    const start = Number(bound.start);
    const end = Number(bound.end);
    for (const record of records) {
      const offset = Number(record.offset);
      if (offset < start) continue;
      if (offset >= end || options.signal?.aborted) break;
      scanned++;
      if (!keepSymbol(record)) continue;
      const timeUs = timed || Number.isFinite(options.speed) ? eventTimeUs(record.value) : null;
      if (timeUs !== null && (timeUs < fromUs || timeUs >= toUs)) continue;
      // an await per record costs a promise and a microtask turn: only a paced copy waits
      if (paced) await pace(timeUs);
      out.push({
        topic: target,
        key: record.key,
        value: record.value,
        partition: record.partition,
        timestamp: record.timestamp,
        headers: filtered
          ? {
              ...record.headers,
              'nexural-raw-position': `${record.topic}/${record.partition}/${record.offset}`,
            }
          : record.headers,
      });
    }
    if (out.length > 0) await producer.send(out);
    copied += out.length;
    options.onProgress?.(scanned, copied);
  };

  const consumer = await log.consume({
    groupId: options.groupId,
    topics: [range.topic],
    commit: 'manual',
    start: 'earliest',
    onAssigned: (partitions, assigned) => {
      lastActivity = Date.now();
      for (const { topic, partition } of partitions) {
        const bound = bounds.get(partition);
        if (bound !== undefined) assigned.seek({ topic, partition, offset: String(bound.start) });
      }
    },
    handler: async (batch) => {
      const bound = bounds.get(batch.partition);
      if (bound === undefined || !remaining.has(batch.partition)) return;
      busy++;
      try {
        await copyBatch(batch.records, bound);
      } finally {
        busy--;
        lastActivity = Date.now();
      }
      const last = batch.records.at(-1);
      if (options.signal?.aborted || (last !== undefined && BigInt(last.offset) + 1n >= bound.end)) {
        remaining.delete(batch.partition);
        if (remaining.size === 0) finish();
      }
    },
  });
  const idleMs = options.idleMs ?? 10_000;
  // idle only counts between batches: a paced copy sleeping inside one is not stuck
  const watchdog = setInterval(
    () => {
      if (options.signal?.aborted || (busy === 0 && Date.now() - lastActivity > idleMs)) finish();
    },
    Math.min(250, idleMs),
  );
  try {
    await finished;
  } finally {
    clearInterval(watchdog);
    await consumer.close();
    await producer.close();
    await log.admin.deleteGroups([options.groupId]).catch(() => {});
  }
  return { scanned, copied };
}
