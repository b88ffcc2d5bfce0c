import { NexuralError } from '../../../../schemas/errors.js';
import type { PartitionOffset, TopicSpec } from '../../../../schemas/ports/stream-log.js';
import { unknownTopic } from '../topic-spec.js';
import { ChangeSignal } from './change-signal.js';
import { ConsumerGroup } from './consumer-group.js';
import type { LogDirectory } from './log-directory.js';
import { type PartitionLimits, PartitionLog, type TransactionMark } from './partition-log.js';

/** Defaults for a topic that names no limit (see EmbeddedLogOptions). */
export interface RetentionDefaults {
  readonly retentionBytes: number;
  readonly retentionMs: number;
  readonly cacheBytes: number;
  readonly now: () => number;
}

export interface Topic {
  readonly spec: TopicSpec;
  readonly partitions: readonly PartitionLog[];
}

/**
 * Topics, groups and transaction bookkeeping of the in-process log, written through to a LogDirectory when
 * the log is persisted, and rebuilt from it at start.
 */
export class LogState {
  readonly topics = new Map<string, Topic>();
  readonly groups = new Map<string, ConsumerGroup>();
  readonly signal = new ChangeSignal();
  private lastTransactionId = 0;

  constructor(
    private readonly directory: LogDirectory | null,
    private readonly defaults: RetentionDefaults,
  ) {
    if (directory !== null) this.replay(directory);
  }

  topicOf(name: string): Topic {
    const topic = this.topics.get(name);
    if (topic === undefined) throw unknownTopic(name);
    return topic;
  }

  partitionLog(name: string, partition: number): PartitionLog {
    const log = this.topicOf(name).partitions[partition];
    if (log === undefined) {
      throw new NexuralError('NXR_CONFIG_INVALID', `topic "${name}" has no partition ${partition}`);
    }
    return log;
  }

  groupOf(groupId: string): ConsumerGroup {
    let group = this.groups.get(groupId);
    if (group === undefined) {
      const journal = this.directory === null ? null : this.directory.recordCommit.bind(this.directory);
      group = new ConsumerGroup(groupId, (name) => this.topics.get(name)?.partitions.length ?? 0, journal);
      this.groups.set(groupId, group);
    }
    return group;
  }

  /** Returns false when the topic already exists (left untouched). */
  addTopic(spec: TopicSpec): boolean {
    if (this.topics.has(spec.name)) return false;
    this.putTopic(spec);
    this.directory?.writeTopics([...this.topics.values()].map((topic) => topic.spec));
    return true;
  }

  deleteTopic(name: string): void {
    if (!this.topics.delete(name)) return;
    this.directory?.deleteTopic(name);
    this.directory?.writeTopics([...this.topics.values()].map((topic) => topic.spec));
  }

  /** Ids grow across restarts (time-based), so a file never confuses two transactions. */
  nextTransactionId(): number {
    this.lastTransactionId = Math.max(this.lastTransactionId + 1, Date.now() * 1024);
    return this.lastTransactionId;
  }

  /** The outcome is on disk before any marker: a crash between them is completed at the next start. */
  decide(
    transactionId: number,
    committed: boolean,
    offsets: ReadonlyMap<string, readonly PartitionOffset[]>,
  ): void {
    this.directory?.flush();
    this.directory?.recordDecision(transactionId, committed, offsets);
  }

  /** Writes are done: make them durable to the OS, apply retention and the cache bound, then wake consumers. */
  changed(): void {
    this.directory?.flush();
    for (const topic of this.topics.values()) for (const log of topic.partitions) log.trim();
    this.directory?.compactCoordinator(() =>
      [...this.groups.values()].map((group) => ({
        kind: 'commit' as const,
        groupId: group.groupId,
        offsets: group.snapshot(),
      })),
    );
    this.signal.notify();
  }

  close(): void {
    this.directory?.close();
  }

  private putTopic(spec: TopicSpec): void {
    const limits: PartitionLimits = {
      retentionBytes: spec.retentionBytes ?? this.defaults.retentionBytes,
      retentionMs: spec.retentionMs ?? this.defaults.retentionMs,
      cacheBytes: this.defaults.cacheBytes,
      now: this.defaults.now,
    };
    const partitions = Array.from(
      { length: spec.partitions },
      (_, partition) =>
        new PartitionLog(
          spec.name,
          partition,
          spec.compacted,
          limits,
          this.directory?.segments(spec.name, partition) ?? null,
        ),
    );
    this.topics.set(spec.name, { spec: { ...spec }, partitions });
  }

  private replay(directory: LogDirectory): void {
    for (const spec of directory.readTopics()) this.putTopic(spec);
    const decisions = new Map<number, boolean>();
    for (const entry of directory.readCoordinator()) {
      if (entry.kind === 'commit') this.groupOf(entry.groupId).apply(entry.offsets);
      else {
        decisions.set(entry.transactionId, entry.committed);
        if (entry.committed) {
          for (const [groupId, offsets] of Object.entries(entry.offsets))
            this.groupOf(groupId).apply(offsets);
        }
      }
      if (entry.kind === 'decision')
        this.lastTransactionId = Math.max(this.lastTransactionId, entry.transactionId);
    }
    const marks = new Map<number, TransactionMark>();
    const markOf = (id: number) => {
      let mark = marks.get(id);
      if (mark === undefined) {
        mark = { id, state: 'open' };
        marks.set(id, mark);
        this.lastTransactionId = Math.max(this.lastTransactionId, id);
      }
      return mark;
    };
    const logs = [...this.topics.values()].flatMap((topic) => topic.partitions);
    for (const log of logs) {
      log.writing = false;
      directory.segments(log.topic, log.partition).recover((frame) => log.restore(frame, markOf));
      log.writing = true;
    }
    // transactions cut short by the crash: committed if their decision was written, aborted otherwise
    for (const mark of marks.values()) {
      mark.state = decisions.get(mark.id) === true ? 'committed' : 'aborted';
      for (const log of logs) log.endTransaction(mark);
    }
    this.changed();
  }
}
