import { randomUUID } from 'node:crypto';
import type { LogRecord, StreamLog } from '../../../schemas/ports/stream-log.js';
import { rawTradeSchema, type TradeTick } from '../../../schemas/tick.js';
import { parseBound, rangeSize, resolveRange } from './replay-range.js';

export interface TradeRangeRequest {
  readonly log: StreamLog;
  /** the raw trades topic */
  readonly topic: string;
  /** `--from` / `--to` as `nexural replay` takes them: ISO time with zone, offset or partition:offset pairs */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  /** `venue:symbol` keys to keep */
  readonly keys: readonly string[];
  readonly onProgress?: (scanned: number, total: number) => void;
  /** a partition whose end lies behind transaction markers: after this long without a record it is read */
  readonly idleMs?: number;
}

export interface TradeRange {
  /** in the one order a backtest feeds them: per partition in offset order, partitions merged by event time */
  readonly ticks: readonly TradeTick[];
  readonly scanned: number;
  /** records of the range that are no valid raw trade (the live processor dead-letters them) */
  readonly invalid: number;
}

/**
 * Reads a fixed range of the raw trades topic (resolved as `nexural replay` resolves it: an open end is the
 * end as of now) in a group of its own, keeping the trades of `keys` inside the event-time bounds. Per-key
 * order is the log's (a key lives in one partition); the partitions are merged by event time, ties by
 * partition, so the same log gives the same sequence every time. Held in memory.
 */
export async function readTradeRange(request: TradeRangeRequest): Promise<TradeRange> {
  const { log } = request;
  const range = await resolveRange(
    log,
    request.topic,
    parseBound(request.from, '--from'),
    parseBound(request.to, '--to'),
    request.keys,
  );
  const total = rangeSize(range);
  const keys = new Set(request.keys);
  const fromUs = range.fromUs ?? Number.NEGATIVE_INFINITY;
  const toUs = range.toUs ?? Number.POSITIVE_INFINITY;
  const bounds = new Map(range.partitions.map((p) => [p.partition, p]));
  const kept = new Map<number, TradeTick[]>(range.partitions.map((p) => [p.partition, []]));
  const remaining = new Set(range.partitions.filter((p) => p.start < p.end).map((p) => p.partition));
  let [scanned, invalid] = [0, 0];
  let lastActivity = Date.now();
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  if (remaining.size === 0) finish();
  const take = (record: LogRecord, list: TradeTick[]) => {
    scanned++;
    if (!keys.has(record.key ?? '')) return;
    const parsed = rawTradeSchema.safeParse(safeJson(record.value));
    if (!parsed.success) {
      invalid++;
      return;
    }
    const tick = parsed.data;
    if (tick.timeUs >= fromUs && tick.timeUs < toUs && keys.has(`${tick.venue}:${tick.symbol}`))
      list.push(tick);
  };
  const groupId = `nexural-backtest.${randomUUID().slice(0, 8)}`;
  const consumer = await log.consume({
    groupId,
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
      const list = kept.get(batch.partition);
      if (!bound || !list || !remaining.has(batch.partition)) return;
      lastActivity = Date.now();
      for (const record of batch.records) {
        const offset = BigInt(record.offset);
        if (offset < bound.start) continue;
        if (offset >= bound.end) break;
        take(record, list);
      }
      request.onProgress?.(scanned, total);
      const last = batch.records.at(-1);
      if (last !== undefined && BigInt(last.offset) + 1n >= bound.end) {
        remaining.delete(batch.partition);
        if (remaining.size === 0) finish();
      }
    },
  });
  const idleMs = request.idleMs ?? 10_000;
  const watchdog = setInterval(() => {
    if (Date.now() - lastActivity > idleMs) finish();
  }, 250);
  try {
    await finished;
  } finally {
    clearInterval(watchdog);
    await consumer.close();
    await log.admin.deleteGroups([groupId]).catch(() => {});
  }
  return {
    ticks: mergeByTime([...kept.entries()].sort((a, b) => a[0] - b[0]).map(([, list]) => list)),
    scanned,
    invalid,
  };
}

function safeJson(value: Buffer | null): unknown {
  try {
    return JSON.parse(value?.toString('utf8') ?? 'null');
  } catch {
    return null;
  }
}

/** Merges lists each kept in its own order: the head with the earliest event time first, ties by list. */
function mergeByTime(lists: readonly (readonly TradeTick[])[]): TradeTick[] {
  const at = lists.map(() => 0);
  const merged: TradeTick[] = [];
  for (;;) {
    let best = -1;
    let bestTime = Number.POSITIVE_INFINITY;
    lists.forEach((list, index) => {
      const tick = list[at[index] ?? 0];
      if (tick && tick.timeUs < bestTime) [best, bestTime] = [index, tick.timeUs];
    });
    const list = lists[best];
    if (!list) return merged;
    const index = at[best] ?? 0;
    const tick = list[index];
    if (tick) merged.push(tick);
    at[best] = index + 1;
  }
}
