import type { LogRecord } from '../../../../schemas/ports/stream-log.js';
import { ColumnBatch } from './column-batch.js';
import type { Frame } from './frame-codec.js';
import { RecordColumns } from './record-columns.js';
import type { SegmentStore } from './segment-store.js';

/** A transaction as the partitions see it: its records are invisible while open and forever once aborted. */
export interface TransactionMark {
  /** unique across restarts of a persisted log, so files can name the transaction */
  readonly id: number;
  state: 'open' | 'committed' | 'aborted';
}

export interface AppendInput {
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, string>>;
}

export interface ReadResult {
  readonly records: readonly LogRecord[];
  /** position after the last entry looked at (past filtered control/aborted entries too) */
  readonly next: number;
}

/** How much a partition keeps: on disk (retention) and in memory (the cache of recent entries). */
export interface PartitionLimits {
  /** retention.bytes per partition; -1 = no limit (compacted topics are cleaned instead) */
  readonly retentionBytes: number;
  /** retention.ms by wall-clock write time; -1 = no limit */
  readonly retentionMs: number;
  /** bytes of recent records kept in memory when the partition is on disk */
  readonly cacheBytes: number;
  readonly now: () => number;
}

const noHeaders: Readonly<Record<string, string>> = Object.freeze({});

/**
 * One partition of the in-process log. Offsets are dense; compaction leaves holes rather than renumbering,
 * and retention moves the start, like Kafka. Recent entries are cached in memory (bounded by bytes when the
 * partition has a SegmentStore; older offsets are read back from its segments). Without a store the cache
 * is the log, bounded by retention only.
 */
export class PartitionLog {
  /**
   * The cached entries (records, commit/abort markers — they take an offset each, as Kafka's control records
   * do —, holes compacted away) as columns, not an object per record. What a record needs besides lives
   * beside them: its transaction in `transactionOf` (only while that transaction is open, or forever once
   * aborted).
   */
  private readonly columns: RecordColumns;
  /** offset → transaction of a record until that transaction ends committed here (aborted: kept, invisible) */
  private readonly transactionOf = new Map<number, TransactionMark>();
  /** offset of the first cached entry */
  private cacheStart = 0;
  private cachedBytes = 0;
  private startOffset = 0;
  private readonly openTransactions = new Map<TransactionMark, number>();
  private readonly latestByKey = new Map<string, number>();
  /** aborted transactions seen here: what a read from disk must skip */
  private readonly aborted = new Set<number>();
  /** false while a persisted log replays its segments into this partition (nothing is written back) */
  writing = true;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly compacted: boolean,
    private readonly limits: PartitionLimits,
    private readonly store: SegmentStore | null = null,
  ) {
    this.columns = new RecordColumns(compacted);
  }

  get end(): number {
    return this.cacheStart + this.columns.length;
  }

  /** Log start offset: retention moves it; compaction leaves holes but, as in Kafka, never moves it. */
  get low(): number {
    return this.startOffset;
  }

  /** First offset a read-committed reader may not pass: the oldest open transaction's first record. */
  get lastStable(): number {
    let stable = this.end;
    for (const first of this.openTransactions.values()) stable = Math.min(stable, first);
    return stable;
  }

  /** Records and entries held in memory (what the cache bound is about). */
  get memory(): { readonly entries: number; readonly bytes: number } {
    return { entries: this.columns.length, bytes: this.cachedBytes };
  }

  append(input: AppendInput, transaction: TransactionMark | null, at = this.end): number {
    this.fillTo(at);
    const offset = this.end;
    this.columns.pushRecord(input, this.limits.now());
    if (transaction !== null) this.transactionOf.set(offset, transaction);
    this.cachedBytes += this.columns.bytes(offset - this.cacheStart);
    if (this.store !== null)
      this.write({ kind: 'data', offset, transactionId: transaction?.id ?? null, input });
    if (transaction === null) this.compactBefore(offset, input.key);
    else if (!this.openTransactions.has(transaction)) this.openTransactions.set(transaction, offset);
    return offset;
  }

  /** Ends a transaction in this partition: writes its marker and, once committed, compacts its keys. */
  endTransaction(transaction: TransactionMark, at = this.end): void {
    const first = this.openTransactions.get(transaction);
    if (first === undefined) return;
    this.openTransactions.delete(transaction);
    if (transaction.state === 'committed') {
      // entries of open transactions are never evicted (trim stops at lastStable), so they are all here
      for (let offset = Math.max(first, this.cacheStart); offset < this.end; offset += 1) {
        if (this.transactionOf.get(offset) !== transaction) continue;
        this.transactionOf.delete(offset);
        const index = offset - this.cacheStart;
        if (this.columns.isData(index)) this.compactBefore(offset, this.columns.key(index));
      }
    } else {
      this.aborted.add(transaction.id);
    }
    this.fillTo(at);
    const offset = this.end;
    this.columns.pushControl(this.limits.now());
    this.write({
      kind: 'control',
      offset,
      transactionId: transaction.id,
      committed: transaction.state === 'committed',
    });
  }

  read(from: number, maxRecords: number): ReadResult {
    const records: LogRecord[] = [];
    const stable = this.lastStable;
    let position = Math.max(from, this.startOffset);
    if (position < this.cacheStart && this.store !== null) {
      this.store.read(position, Math.min(this.cacheStart, stable), (frame) => {
        position = frame.offset + 1;
        const record = this.visibleOnDisk(frame);
        if (record !== null) records.push(record);
        return records.length < maxRecords;
      });
      if (records.length >= maxRecords) return { records, next: position };
      position = Math.max(position, Math.min(this.cacheStart, stable));
    }
    position = Math.max(position, this.cacheStart);
    while (position < stable && records.length < maxRecords) {
      const offset = position;
      position += 1;
      if (!this.columns.isData(offset - this.cacheStart)) continue;
      if (this.transactionOf.size > 0 && this.invisible(offset)) continue;
      records.push(this.cachedRecord(offset));
    }
    return { records, next: position };
  }

  /**
   * `read` in place: the same records as columns (no object per record), or null when the read starts before
   * the cache (on disk: use `read`). Into `reuse` (emptied first) when given, a batch of this partition an
   * earlier read returned.
   */
  readInPlace(
    from: number,
    maxRecords: number,
    reuse?: ColumnBatch,
  ): { readonly batch: ColumnBatch; readonly next: number } | null {
    const stable = this.lastStable;
    let position = Math.max(from, this.startOffset);
    if (position < this.cacheStart && this.store !== null) return null;
    position = Math.max(position, this.cacheStart);
    const batch = reuse ?? new ColumnBatch(this.topic, this.partition);
    batch.reset();
    const columns = this.columns;
    while (position < stable && batch.length < maxRecords) {
      const offset = position;
      position += 1;
      const index = offset - this.cacheStart;
      if (!columns.isData(index)) continue;
      if (this.transactionOf.size > 0 && this.invisible(offset)) continue;
      const start = columns.valueAt(index);
      batch.push(
        offset,
        columns.key(index),
        columns.timestamp(index),
        columns.valueBytes(index),
        start,
        start + Math.max(columns.valueSize(index), 0),
        columns.headersOf(index),
      );
    }
    batch.dropStale();
    return { batch, next: position };
  }

  /** First offset whose record timestamp is >= `timestamp`, or the stable end. */
  offsetForTime(timestamp: number): number {
    const stable = this.lastStable;
    if (this.store !== null && this.startOffset < this.cacheStart) {
      const found = this.store.findTime(
        timestamp,
        Math.min(this.cacheStart, stable),
        (frame) => this.visibleOnDisk(frame) !== null,
      );
      if (found !== null) return found;
    }
    for (let offset = Math.max(this.cacheStart, this.startOffset); offset < stable; offset += 1) {
      const index = offset - this.cacheStart;
      if (!this.columns.isData(index) || this.columns.timestamp(index) < timestamp) continue;
      if (!this.invisible(offset)) return offset;
    }
    return stable;
  }

  /**
   * Applies retention and the cache bound; called after writes were flushed, so whatever leaves memory is
   * on disk. Never passes the last stable offset: open transactions stay in memory.
   */
  trim(): void {
    const stable = this.lastStable;
    const { retentionBytes, retentionMs, cacheBytes, now } = this.limits;
    const expired = (bytes: number, lastWriteMs: number, total: number) =>
      !this.compacted &&
      ((retentionBytes >= 0 && total - bytes >= retentionBytes) ||
        (retentionMs >= 0 && lastWriteMs < now() - retentionMs));
    if (this.store === null) {
      let count = 0;
      let total = this.cachedBytes;
      while (this.cacheStart + count < stable) {
        const data = this.columns.isData(count);
        const bytes = this.columns.bytes(count);
        if (!expired(bytes, data ? this.columns.writtenAt(count) : now(), total)) break;
        total -= bytes;
        count += 1;
      }
      this.evict(count);
      this.startOffset = Math.max(this.startOffset, this.cacheStart);
      return;
    }
    const first = this.store.deleteOldest(
      (segment, total) => segment.next <= stable && expired(segment.bytes, segment.lastWriteMs, total),
    );
    this.startOffset = Math.max(this.startOffset, first ?? this.end);
    let count = 0;
    let cached = this.cachedBytes;
    while (
      this.cacheStart + count < stable &&
      (cached > cacheBytes || this.cacheStart + count < this.startOffset)
    ) {
      cached -= this.columns.bytes(count);
      count += 1;
    }
    this.evict(count);
  }

  /** Replays one frame of the segments at start-up; transactions are shared across partitions. */
  restore(frame: Frame, markOf: (id: number) => TransactionMark): void {
    if (this.columns.length === 0 && this.end < frame.offset) {
      this.cacheStart = frame.offset;
      this.startOffset = Math.max(this.startOffset, this.store?.firstOffset ?? frame.offset);
    }
    if (frame.kind === 'data') {
      this.append(
        frame.input,
        frame.transactionId === null ? null : markOf(frame.transactionId),
        frame.offset,
      );
    } else {
      const mark = markOf(frame.transactionId);
      mark.state = frame.committed ? 'committed' : 'aborted';
      this.endTransaction(mark, frame.offset);
    }
    if (this.cachedBytes > this.limits.cacheBytes) this.trim();
  }

  /** Drops the first `count` cached entries (they are on disk, or expired). */
  private evict(count: number): void {
    if (count <= 0) return;
    for (let index = 0; index < count; index++) this.cachedBytes -= this.columns.bytes(index);
    this.columns.evict(count);
    // an evicted record of an aborted transaction is read from disk (skipped there by `aborted`) or gone
    for (const offset of this.transactionOf.keys()) {
      if (offset < this.cacheStart + count) this.transactionOf.delete(offset);
    }
    this.cacheStart += count;
  }

  /** Pads with holes up to offset `at` (a restore after compaction, or a control record's place). */
  private fillTo(at: number): void {
    while (this.end < at) this.columns.pushHole();
  }

  /** A record of an open or aborted transaction: not for a read-committed reader. */
  private invisible(offset: number): boolean {
    const transaction = this.transactionOf.get(offset);
    return transaction !== undefined && transaction.state !== 'committed';
  }

  private write(frame: Frame): void {
    if (!this.writing || this.store === null) return;
    if (this.store.append(frame) && this.compacted) this.clean();
  }

  /** Rewrites closed segments of a compacted partition with only the latest committed record per key. */
  private clean(): void {
    const stable = this.lastStable;
    this.store?.rewriteClosed(stable, (frame) => {
      const record = this.visibleOnDisk(frame);
      return record === null || frame.kind !== 'data' ? null : { ...frame, transactionId: null };
    });
  }

  /** The record a frame read back from disk shows a read-committed reader, or null. */
  private visibleOnDisk(frame: Frame): LogRecord | null {
    if (frame.kind !== 'data') return null;
    if (frame.transactionId !== null && this.aborted.has(frame.transactionId)) return null;
    const { input, offset } = frame;
    if (this.compacted && input.key !== null && this.latestByKey.get(input.key) !== offset) return null;
    return {
      topic: this.topic,
      partition: this.partition,
      offset: String(offset),
      key: input.key,
      value: input.value,
      timestamp: input.timestamp,
      headers: Object.keys(input.headers).length === 0 ? noHeaders : input.headers,
    };
  }

  /** Compacted topics keep only the latest visible record per key (a tombstone included, as Kafka does for a while). */
  private compactBefore(offset: number, key: string | null): void {
    if (!this.compacted || key === null) return;
    const previous = this.latestByKey.get(key);
    if (previous !== undefined && previous > offset) {
      // a transaction committed after a newer record of the same key was appended: its record is the stale one
      this.drop(offset);
      return;
    }
    this.latestByKey.set(key, offset);
    if (previous !== undefined) this.drop(previous);
  }

  private drop(offset: number): void {
    const index = offset - this.cacheStart;
    if (index < 0 || index >= this.columns.length) return;
    this.cachedBytes -= this.columns.bytes(index);
    this.columns.drop(index);
  }

  /** A cached record as readers get it, built from the columns (its value a view into the log's bytes). */
  private cachedRecord(offset: number): LogRecord {
    const index = offset - this.cacheStart;
    return {
      topic: this.topic,
      partition: this.partition,
      offset: String(offset),
      key: this.columns.key(index),
      value: this.columns.value(index),
      timestamp: this.columns.timestamp(index),
      headers: this.columns.headersOf(index) ?? noHeaders,
    };
  }
}
