/**
 * The stream-log port: partitioned, ordered, replayable topics with consumer groups and transactions.
 * Two adapters implement it (Kafka via kafkajs, and an in-process log); one contract suite proves they
 * behave the same. Offsets are decimal strings (Kafka offsets are int64). Every offset handed to the log
 * (commit, sendOffsets, seek) is the NEXT offset to read, i.e. last processed + 1, as in Kafka.
 */

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** compacted: the log keeps at least the latest record per key; a null value (tombstone) deletes it */
  readonly compacted: boolean;
  /**
   * time-based retention in ms for a non-compacted topic; -1 keeps records forever; unset = the broker's
   * default. Records carry event times, so history replayed today looks old to a time-based retention.
   */
  readonly retentionMs?: number;
  /**
   * size-based retention per partition in bytes for a non-compacted topic (retention.bytes): the oldest
   * segments go once the partition holds more; -1 = no limit; unset = the log's default.
   */
  readonly retentionBytes?: number;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface PartitionOffset extends TopicPartition {
  readonly offset: string;
}

/** A record as stored: `value` null is a tombstone. Timestamps are ms (produce time unless set). */
export interface LogRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** A record to append. Without `partition`, a keyed record goes where Kafka's default (murmur2) partitioner puts it. */
export interface OutgoingRecord {
  readonly topic: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly partition?: number;
  readonly timestamp?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface PartitionRange {
  readonly partition: number;
  /** first offset still in the log */
  readonly low: string;
  /** end offset a read-committed consumer can reach (after the last stable record) */
  readonly high: string;
}

export type TopicDescription = TopicSpec;

/**
 * A member of a consumer group as of one generation (one completed join): KIP-447's fence for transactional
 * offsets. A transaction that sends offsets with it is refused once the group has moved past that generation.
 */
export interface GroupGeneration {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
}

export interface StreamLogAdmin {
  /** Creates missing topics (never auto-created elsewhere); returns the names it created, existing ones untouched. */
  createTopics(specs: readonly TopicSpec[]): Promise<readonly string[]>;
  listTopics(): Promise<readonly TopicDescription[]>;
  deleteTopics(names: readonly string[]): Promise<void>;
  deleteGroups(groupIds: readonly string[]): Promise<void>;
  partitionRanges(topic: string): Promise<readonly PartitionRange[]>;
  /** Per partition, the first offset whose record timestamp is >= `timestamp`, or the end if none. */
  offsetsForTimes(topic: string, timestamp: number): Promise<readonly PartitionOffset[]>;
  /**
   * The group's committed next-offset per partition of `topic`; null where it never committed. `stable`
   * (KIP-447 require_stable, only where `fencesByGeneration`): while a transaction holding offsets of the
   * group for a partition of `topic` is still open, wait for it to end (up to 30 s, then NXR_TIMEOUT naming
   * the group and topic), so a new owner never starts from an offset that transaction is about to replace.
   */
  committedOffsets(
    groupId: string,
    topic: string,
    options?: { readonly stable?: boolean },
  ): Promise<readonly (TopicPartition & { readonly offset: string | null })[]>;
}

/** Idempotent producer: retries never duplicate or reorder a partition's records. */
export interface LogProducer {
  /** Appends in order per partition; resolves once durable (all in-sync replicas), with each record's position. */
  send(records: readonly OutgoingRecord[]): Promise<readonly PartitionOffset[]>;
  close(): Promise<void>;
}

/** One transaction: its records and offsets become visible together on commit, never on abort. */
export interface LogTransaction {
  send(records: readonly OutgoingRecord[]): Promise<void>;
  /**
   * Commits the group's consumed offsets atomically with this transaction (consume-transform-produce).
   * With `generation` (only where `fencesByGeneration`), the offsets are refused with NXR_GROUP_MOVED once
   * the group has moved past that generation or no longer knows the member; the caller then aborts, and
   * nothing of the transaction becomes visible. The refusal may come here or at commit(): Kafka checks the
   * generation here only (TxnOffsetCommit; EndTxn does not), so offsets it took before a rebalance still
   * commit after it, and the partition's new owner must read them with `committedOffsets(…, { stable: true })`;
   * the embedded log checks at commit().
   */
  sendOffsets(
    groupId: string,
    offsets: readonly PartitionOffset[],
    generation?: GroupGeneration,
  ): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export interface TransactionalProducerOptions {
  /**
   * how long the broker lets one of its transactions stay open before it aborts it (Kafka's
   * transaction.timeout.ms; default 30 s; the embedded log has none): what a producer killed mid-transaction
   * holds its partitions' read-committed readers up for, unless a successor takes its transactional id over
   */
  readonly transactionTimeoutMs?: number;
  /** what the producer put right by itself (e.g. a hanging transaction it ended), for the operator */
  readonly onWarning?: (message: string) => void;
}

/**
 * Producer with a transactional id. Creating a second producer with the same id fences the first: its open
 * transaction is aborted and its later calls fail. Use one id per input partition so a new owner fences
 * the previous one after a rebalance, or (where `fencesByGeneration`) one per process whose transactions
 * send offsets with the consumer's `generation()`. One transaction at a time. A transaction the broker
 * aborted for running past its timeout fails with NXR_TIMEOUT where the client can tell that from a takeover
 * (KIP-588: the platformatic adapter), and the producer goes on; elsewhere it reads as fenced (NXR_FENCED).
 */
export interface TransactionalProducer {
  readonly transactionalId: string;
  transaction(): Promise<LogTransaction>;
  close(): Promise<void>;
}

/**
 * A batch's records read in place, where the log holds them as columns (the embedded log) or as its client's
 * own messages (Kafka through kafkajs): what `records[index]` holds, without an object, an offset string and
 * a value view per record (Kafka: without an object and a key string per record). Offsets are numbers (the
 * embedded log's are safe integers, Kafka's far below 2^53). Value `index` is the bytes
 * `valueBytes(index)[valueStart(index), valueEnd(index))`; `valueBytes` is null for a null value. Headers are
 * only in `records`. Valid until the handler's promise settles: the embedded log refills the same view with
 * the partition's next batch (a batch's arrays made afresh per read were promoted and collected in the old
 * generation); records built from it (`records`) stay as they are.
 */
export interface RecordColumnsView {
  readonly length: number;
  offset(index: number): number;
  key(index: number): string | null;
  timestamp(index: number): number;
  valueBytes(index: number): Buffer | null;
  valueStart(index: number): number;
  valueEnd(index: number): number;
}

/** The records of one partition handed to a handler; records are in offset order. */
export interface RecordBatch extends TopicPartition {
  /** built on first use where the batch has `columns` */
  readonly records: readonly LogRecord[];
  /** the same records in place, for a consumer that asked (`inPlace`) of a log that can (embedded, kafkajs) */
  readonly columns?: RecordColumnsView;
  /** end offset of the partition when the batch was fetched (lag = highWatermark − last offset − 1) */
  readonly highWatermark: string;
}

/** What a handler may do while it works on a batch. */
export interface BatchControl {
  /**
   * Tells the group this member is alive: a handler that waits long (a database outage) calls it every
   * second or so, else the group evicts the member and its partitions move. A no-op where there is no group.
   */
  heartbeat(): Promise<void>;
}

export type BatchHandler = (batch: RecordBatch, control: BatchControl) => Promise<void>;

export interface ConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly handler: BatchHandler;
  /** where a partition without a committed offset starts; default earliest */
  readonly start?: 'earliest' | 'latest';
  /**
   * after-batch (default): the offset after a batch is committed once its handler resolves (at least once).
   * manual: nothing is committed by the consumer; use `commit` or a transaction's `sendOffsets`.
   */
  readonly commit?: 'after-batch' | 'manual';
  /**
   * Batches with `columns` where the log can read them in place (the embedded log from memory, the kafkajs
   * consumer from its messages); default false: records only (a handler that reads every record as an object
   * would pay for both).
   */
  readonly inPlace?: boolean;
  /**
   * Rebalance hooks, awaited before any batch of the new assignment is handled (seek from `onAssigned`).
   * Every rebalance revokes the whole assignment, then assigns the new one (the eager protocol kafkajs
   * speaks), and positions restart from the group's committed offsets, so state must be reloaded to match
   * them. Kafka only reports a revocation after the group has moved the partitions: `onRevoked` is for
   * dropping state, not for flushing it; whatever was not committed is re-delivered to the next owner.
   */
  readonly onAssigned?: (
    partitions: readonly TopicPartition[],
    consumer: LogConsumer,
  ) => Promise<void> | void;
  readonly onRevoked?: (partitions: readonly TopicPartition[], consumer: LogConsumer) => Promise<void> | void;
  /**
   * How often the member tells the group it is alive, where the log has a group protocol (default: the
   * log's). Also how soon after a join a Kafka consumer learns its generation (kafkajs: at the first
   * heartbeat), which a shared-transactions processor waits for before its partitions go live.
   */
  readonly heartbeatIntervalMs?: number;
  /** A throwing handler stops the consumer (nothing past the last commit is committed); restart = new consumer. */
  readonly onError?: (error: Error) => void;
}

export interface LogConsumer {
  readonly groupId: string;
  assignment(): readonly TopicPartition[];
  commit(offsets: readonly PartitionOffset[]): Promise<void>;
  /** Backpressure: stop fetching these partitions until resumed (an in-flight batch still completes). */
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  /** Next batch of this assigned partition starts at `offset` (use `offsetsForTimes` to seek by time). */
  seek(position: PartitionOffset): void;
  /**
   * The group generation of the current assignment, for a transaction's `sendOffsets`. Resolves once the
   * log knows it (kafkajs learns it at the first heartbeat after a join: up to a heartbeat interval later);
   * after a rebalance, to the new one. Rejects with NXR_GROUP_MOVED once the consumer closed or failed (it is
   * no member any more).
   */
  generation(): Promise<GroupGeneration>;
  /** Drains: stops fetching, waits for the in-flight handler, commits (after-batch mode), leaves the group. */
  close(): Promise<void>;
}

export interface StreamLog {
  readonly kind: 'kafka' | 'embedded';
  /**
   * true where a transaction's `sendOffsets` honours a `generation` and `committedOffsets` honours `stable`
   * (KIP-447): one transaction may then commit the work of many partitions, fenced by the group instead of
   * by a transactional id per partition. false where the client cannot (kafkajs transactions, librdkafka):
   * a generation or `stable: true` is refused with NXR_CONFIG_INVALID.
   */
  readonly fencesByGeneration: boolean;
  readonly admin: StreamLogAdmin;
  createProducer(): Promise<LogProducer>;
  createTransactionalProducer(
    transactionalId: string,
    options?: TransactionalProducerOptions,
  ): Promise<TransactionalProducer>;
  /** Joins the group and starts delivering batches to `options.handler`. */
  consume(options: ConsumerOptions): Promise<LogConsumer>;
  /** Closes every producer and consumer it created (consumers drain first). */
  close(): Promise<void>;
}
