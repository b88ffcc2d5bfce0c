import type { LogRecord } from '../../../../schemas/ports/stream-log.js';

/** A transaction as the partitions see it: its records are invisible while open and forever once aborted. */
export interface TransactionMark {
  /** unique across restarts of a persisted log, so files can name the transaction */
  readonly id: number;
  state: 'open' | 'committed' | 'aborted';
}

/** Where a persisted log writes what a partition appends (in-memory logs have none). */
export interface PartitionJournal {
  data(input: AppendInput, transactionId: number | null): void;
  control(transactionId: number, committed: boolean): void;
}

interface DataEntry {
  readonly kind: 'data';
  readonly record: LogRecord;
  readonly transaction: TransactionMark | null;
}

/** Commit/abort markers take an offset each, as Kafka's control records do, so offsets match the broker's. */
interface ControlEntry {
  readonly kind: 'control';
}

type Entry = DataEntry | ControlEntry | null;

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

const noHeaders: Readonly<Record<string, string>> = Object.freeze({});

/**
 * One partition of the in-process log. Offsets are dense array positions; compaction and retention leave
 * holes (null) rather than renumbering, like Kafka. Records are built once at append and shared by readers.
 */
export class PartitionLog {
  private readonly entries: Entry[] = [];
  private readonly openTransactions = new Map<TransactionMark, number>();
  private readonly latestByKey = new Map<string, number>();
  /** set once a persisted log has replayed its file into this partition */
  journal: PartitionJournal | null = null;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly compacted: boolean,
  ) {}

  get end(): number {
    return this.entries.length;
  }

  /** First offset a read-committed reader may not pass: the oldest open transaction's first record. */
  get lastStable(): number {
    let stable = this.entries.length;
    for (const first of this.openTransactions.values()) stable = Math.min(stable, first);
    return stable;
  }

  append(input: AppendInput, transaction: TransactionMark | null): number {
    const offset = this.entries.length;
    const record: LogRecord = {
      topic: this.topic,
      partition: this.partition,
      offset: String(offset),
      key: input.key,
      value: input.value,
      timestamp: input.timestamp,
      headers: Object.keys(input.headers).length === 0 ? noHeaders : input.headers,
    };
    this.entries.push({ kind: 'data', record, transaction });
    this.journal?.data(input, transaction?.id ?? null);
    if (transaction === null) this.compactBefore(offset, input.key);
    else if (!this.openTransactions.has(transaction)) this.openTransactions.set(transaction, offset);
    return offset;
  }

  /** Ends a transaction in this partition: writes its marker and, once committed, compacts its keys. */
  endTransaction(transaction: TransactionMark): void {
    const first = this.openTransactions.get(transaction);
    if (first === undefined) return;
    this.openTransactions.delete(transaction);
    if (transaction.state === 'committed') {
      for (let offset = first; offset < this.entries.length; offset += 1) {
        const entry = this.entries[offset];
        if (entry?.kind === 'data' && entry.transaction === transaction) {
          this.compactBefore(offset, entry.record.key);
        }
      }
    }
    this.entries.push({ kind: 'control' });
    this.journal?.control(transaction.id, transaction.state === 'committed');
  }

  read(from: number, maxRecords: number): ReadResult {
    const records: LogRecord[] = [];
    const stable = this.lastStable;
    let position = Math.max(from, 0);
    while (position < stable && records.length < maxRecords) {
      const entry = this.entries[position];
      position += 1;
      if (entry?.kind !== 'data') continue;
      if (entry.transaction !== null && entry.transaction.state !== 'committed') continue;
      records.push(entry.record);
    }
    return { records, next: position };
  }

  /** First offset whose record timestamp is >= `timestamp`, or the stable end. */
  offsetForTime(timestamp: number): number {
    const stable = this.lastStable;
    for (let offset = 0; offset < stable; offset += 1) {
      const entry = this.entries[offset];
      if (entry?.kind !== 'data' || entry.record.timestamp < timestamp) continue;
      if (entry.transaction === null || entry.transaction.state === 'committed') return offset;
    }
    return stable;
  }

  /** Log start offset: compaction leaves holes but, as in Kafka, never moves the start. */
  get low(): number {
    return 0;
  }

  /** Compacted topics keep only the latest visible record per key (a tombstone included, as Kafka does for a while). */
  private compactBefore(offset: number, key: string | null): void {
    if (!this.compacted || key === null) return;
    const previous = this.latestByKey.get(key);
    if (previous !== undefined && previous > offset) {
      // a transaction committed after a newer record of the same key was appended: its record is the stale one
      this.entries[offset] = null;
      return;
    }
    this.latestByKey.set(key, offset);
    if (previous !== undefined) this.entries[previous] = null;
  }
}
