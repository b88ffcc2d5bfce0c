import { isNexuralError, NexuralError } from '../../../schemas/errors.js';
import type {
  GroupGeneration,
  TopicPartition,
  TransactionalProducer,
} from '../../../schemas/ports/stream-log.js';
import {
  type Committer,
  type CommitterContext,
  mergeWork,
  PartitionLedger,
  type PendingWork,
  sendAll,
  type WorkRecords,
  waitMs,
} from './partition-committer.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const signal = () => {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
};

/** One partition's work in a round, and the records it became. */
interface RoundEntry {
  readonly member: SharedMember;
  readonly work: PendingWork;
  readonly prepared: WorkRecords;
}

/**
 * One transaction a round for every partition the processor owns, on one producer: a round takes what each
 * partition processed since the last, writes it, commits every partition's consumed offset and ends, so a
 * processor pays a transaction's requests once per interval rather than once per partition and interval.
 *
 * One producer cannot be fenced per partition as a producer per partition is (a new owner taking over the
 * transactional id). The offsets carry the group generation their partitions were assigned in instead
 * (KIP-447): once the group has moved on, the coordinator refuses them, the round aborts and nothing of it
 * becomes visible; a new owner reads the committed offsets with `stable`, waiting for a round of the old
 * owner's that is still ending. A round that fails for any other reason is rebuilt, as a per-partition
 * commit is, for every partition in it.
 */
export class SharedTransactions {
  private readonly members = new Set<SharedMember>();
  private inFlight: Promise<void> | null = null;
  private roundEnded = signal();
  private lastRoundAt = Number.NEGATIVE_INFINITY;
  private stopped: Error | null = null;

  constructor(
    private readonly context: CommitterContext,
    private readonly producer: TransactionalProducer,
    /** committing stopped for good (the producer was fenced: another processor took its transactional id) */
    private readonly onStopped: (error: Error) => void,
    private readonly warn: (message: string) => void,
  ) {}

  /** A committer for an owned partition whose offsets commit as of `generation`. */
  join(source: TopicPartition, checkpointOffset: string | null, generation: GroupGeneration): Committer {
    const member = new SharedMember(
      this,
      new PartitionLedger(this.context, source, checkpointOffset),
      generation,
      this.context.commitFailed,
    );
    if (this.stopped !== null) member.stop(this.stopped);
    this.members.add(member);
    return member;
  }

  leave(member: SharedMember): void {
    this.members.delete(member);
  }

  schedule(): void {
    this.inFlight ??= this.drain();
  }

  /** Resolves when the round in flight (or the next one) has ended, committed or not. */
  roundEnd(): Promise<void> {
    return this.roundEnded.promise;
  }

  /** Resolves once no round is in flight or due. */
  async idle(): Promise<void> {
    while (this.inFlight !== null) await this.inFlight;
  }

  /** Settles every member, then closes the producer. */
  async close(): Promise<void> {
    await this.idle();
    await this.producer.close().catch(() => {});
  }

  private async drain(): Promise<void> {
    try {
      while (this.stopped === null && this.hasWork()) {
        const wait = this.lastRoundAt + this.context.commitIntervalMs - performance.now();
        if (wait > 0) await waitMs(wait);
        this.lastRoundAt = performance.now();
        try {
          await this.round();
        } catch (error) {
          this.stopAll(error instanceof Error ? error : new Error(String(error)));
        }
        this.endRound();
      }
    } finally {
      this.inFlight = null;
      this.endRound();
    }
  }

  /** Nothing more can be committed: every partition stops, the processor fails with `error`. */
  private stopAll(error: Error): void {
    this.stopped = error;
    for (const member of this.members) member.stop(error);
    this.onStopped(error);
  }

  private endRound(): void {
    const ended = this.roundEnded;
    this.roundEnded = signal();
    ended.resolve();
  }

  private hasWork(): boolean {
    for (const member of this.members) if (member.hasWork) return true;
    return false;
  }

  private async round(): Promise<void> {
    const taken: { readonly member: SharedMember; readonly work: PendingWork }[] = [];
    for (const member of this.members) {
      const work = member.take();
      if (work !== null) taken.push({ member, work });
    }
    const current = this.currentGeneration(taken);
    if (current === null) return;
    const { stats, groupId } = this.context;
    const entries: RoundEntry[] = [];
    let committing = performance.now();
    try {
      for (const { member, work } of taken) {
        // a partition's encoding at a time, the event loop in between: a round's outputs are several
        // partitions' worth, and ticks wait behind a synchronous stretch
        if (entries.length > 0) await nextTurn();
        entries.push({ member, work, prepared: await member.ledger.records(work) });
      }
      committing = performance.now();
      const transaction = await this.producer.transaction();
      try {
        await sendAll(
          transaction,
          entries.flatMap((entry) => entry.prepared.records),
        );
        await transaction.sendOffsets(
          groupId,
          entries.map((entry) => entry.prepared.offset),
          current,
        );
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => {});
        throw error;
      }
    } catch (thrown) {
      this.roundFailed(taken, thrown instanceof Error ? thrown : new Error(String(thrown)));
      return;
    }
    const elapsed = performance.now() - committing;
    stats.commitMs += elapsed;
    if (entries.some((entry) => entry.work.checkpoint !== null)) stats.checkpointCommitMs += elapsed;
    stats.transactions++;
    for (const { member, work, prepared } of entries) {
      prepared.committed();
      member.committed();
      work.onCommitted?.();
      if (this.context.publishAfterCommit && work.outputs.alerts.length > 0) {
        this.context.publish(work.outputs.alerts);
      }
    }
  }

  /**
   * The newest generation among the round's partitions. Those assigned in an older one lost them in a
   * rebalance since (every rebalance revokes everything): the coordinator would refuse their offsets, so
   * they are fenced here and left out rather than failing the round for the others.
   */
  private currentGeneration(
    taken: { readonly member: SharedMember; readonly work: PendingWork }[],
  ): GroupGeneration | null {
    let newest: GroupGeneration | null = null;
    for (const { member } of taken) {
      if (newest === null || member.generation.generationId > newest.generationId) newest = member.generation;
    }
    if (newest === null) return null;
    const generationId = newest.generationId;
    for (let index = taken.length - 1; index >= 0; index--) {
      const member = taken[index]?.member;
      if (member === undefined || member.generation.generationId === generationId) continue;
      this.warn(
        `partition ${member.ledger.source.partition} was assigned in generation ${member.generation.generationId}, the group is at ${generationId}: its uncommitted work is left to its new owner`,
      );
      member.fence();
      taken.splice(index, 1);
    }
    return newest;
  }

  private roundFailed(entries: readonly { readonly member: SharedMember }[], error: Error): void {
    if (isNexuralError(error) && error.code === 'NXR_FENCED') {
      // a producer with our transactional id took over: this processor cannot commit anything any more
      const stop = new NexuralError(
        'NXR_FENCED',
        `processor transactions: another processor took over transactional id "${this.producer.transactionalId}" (each processor needs its own instance id): ${error.message}`,
        { transactionalId: this.producer.transactionalId },
        { cause: error },
      );
      this.stopAll(stop);
      return;
    }
    const moved = isNexuralError(error) && error.code === 'NXR_GROUP_MOVED';
    if (moved) {
      const partitions = entries.map(({ member }) => member.ledger.source.partition).join(', ');
      this.warn(
        `a round of partitions ${partitions} was refused, the group moved on (${error.message}); their new owners redo what it held`,
      );
    }
    for (const { member } of entries) {
      if (moved) member.fence();
      else member.fail(error);
    }
  }
}

/** An owned partition's part in the shared rounds. */
class SharedMember implements Committer {
  private pending: PendingWork | null = null;
  /** work taken into the round in flight */
  private committing: PendingWork | null = null;
  private failure: Error | null = null;
  private fencedOff = false;

  constructor(
    private readonly shared: SharedTransactions,
    readonly ledger: PartitionLedger,
    readonly generation: GroupGeneration,
    private readonly commitFailed: (source: TopicPartition, error: Error) => void,
  ) {}

  get fenced(): boolean {
    return this.fencedOff;
  }

  get failed(): Error | null {
    return this.failure;
  }

  get backlog(): number {
    return (this.pending?.inputRecords ?? 0) + (this.committing?.inputRecords ?? 0);
  }

  get hasWork(): boolean {
    return this.pending !== null && !this.fencedOff && this.failure === null;
  }

  enqueue(work: PendingWork): void {
    if (this.fencedOff || this.failure !== null) return;
    this.pending = mergeWork(this.pending, work);
    this.shared.schedule();
  }

  take(): PendingWork | null {
    if (!this.hasWork) return null;
    this.committing = this.pending;
    this.pending = null;
    return this.committing;
  }

  committed(): void {
    this.committing = null;
  }

  fence(): void {
    this.fencedOff = true;
    this.pending = null;
    this.committing = null;
  }

  /** The round failed: the processor rebuilds the partition from the last commit. */
  fail(error: Error): void {
    this.stop(error);
    this.commitFailed(this.ledger.source, error);
  }

  /** Nothing more is committed for this partition. */
  stop(error: Error): void {
    this.failure ??= error;
    this.pending = null;
    this.committing = null;
  }

  async settled(): Promise<void> {
    // the rounds that hold this partition's work, not every round until all partitions fall quiet
    while (this.pending !== null || this.committing !== null) {
      const ended = this.shared.roundEnd();
      this.shared.schedule();
      await ended;
    }
  }

  async close(): Promise<void> {
    await this.settled();
    this.shared.leave(this);
  }
}
