import type {
  ConsumerOptions,
  LogTransaction,
  PartitionOffset,
  StreamLog,
  TopicPartition,
} from '../../../../schemas/ports/stream-log.js';

/** Where a held transaction waits: before its offsets are sent, or after, before it commits. */
export type HoldStep = 'sendOffsets' | 'commit';

export type HeldOutcome =
  | { readonly kind: 'committed' }
  | { readonly kind: 'refused'; readonly step: HoldStep; readonly error: Error };

export interface HeldTransaction {
  /** resolves once a transaction waits at the step: `offsets` are those it sends (or sent) */
  readonly held: Promise<{ readonly offsets: readonly PartitionOffset[] }>;
  release(): void;
  /** how the held transaction ended once released: committed, or the error that refused it */
  readonly outcome: Promise<HeldOutcome>;
}

export interface StableRead {
  readonly topic: string;
  readonly startedAt: number;
  /** null while it waits */
  waitedMs: number | null;
}

export interface ObservedLog {
  readonly log: StreamLog;
  /**
   * The next transaction that reaches `step` with offsets of at least `partitions` partitions waits there
   * until `release()`; every other transaction goes through.
   */
  hold(step: HoldStep, partitions: number): HeldTransaction;
  /** the partitions of `topic` this log's consumers hold now */
  assignment(topic: string): readonly TopicPartition[];
  /** every assignment of `topic`'s partitions to this log's consumers, in order */
  assignments(topic: string): readonly (readonly number[])[];
  /** every stable read of committed offsets (KIP-447 require_stable) made through this log */
  readonly stableReads: readonly StableRead[];
}

interface Hold {
  readonly step: HoldStep;
  readonly partitions: number;
  readonly gate: Promise<void>;
  reached(offsets: readonly PartitionOffset[]): void;
  ended(outcome: HeldOutcome): void;
}

const deferred = <T>() => {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
};

/**
 * A stream log around a real one that can hold one transaction of a processor at a step, as a stalled
 * process would (a long GC pause, a slow disk, a broker answering late), and reports the consumers'
 * assignment and the stable reads made through it. Nothing of the processor is replaced.
 *
 * `detachRevocations`: the embedded group waits for every member's onRevoked before it moves partitions on,
 * so a member stalled in it holds the whole group; Kafka's group has moved them before a member hears of its
 * revocation (kafkajs reports it after the rejoin). Detached, the embedded group moves on as Kafka's does
 * while the member's onRevoked is still running.
 */
export function observedLog(log: StreamLog, options: { detachRevocations?: boolean } = {}): ObservedLog {
  const holds: Hold[] = [];
  const assigned = new Map<string, TopicPartition>();
  const history: (readonly TopicPartition[])[] = [];
  const stableReads: StableRead[] = [];
  const keyOf = ({ topic, partition }: TopicPartition) => `${topic}\u0000${partition}`;

  const holdFor = (step: HoldStep, offsets: readonly PartitionOffset[]): Hold | null => {
    const index = holds.findIndex(
      (hold) => hold.step === step && new Set(offsets.map(keyOf)).size >= hold.partitions,
    );
    if (index === -1) return null;
    const [hold] = holds.splice(index, 1);
    return hold ?? null;
  };

  const observedTransaction = (transaction: LogTransaction): LogTransaction => {
    let sent: readonly PartitionOffset[] = [];
    let holding: Hold | null = null;
    const refusedAt = async (step: HoldStep, call: () => Promise<void>) => {
      try {
        await call();
      } catch (error) {
        holding?.ended({
          kind: 'refused',
          step,
          error: error instanceof Error ? error : new Error(String(error)),
        });
        holding = null;
        throw error;
      }
    };
    return {
      send: (records) => transaction.send(records),
      sendOffsets: async (groupId, offsets, generation) => {
        sent = offsets;
        const hold = holdFor('sendOffsets', offsets);
        if (hold !== null) {
          holding = hold;
          hold.reached(offsets);
          await hold.gate;
        }
        await refusedAt('sendOffsets', () => transaction.sendOffsets(groupId, offsets, generation));
      },
      commit: async () => {
        const hold = holding === null ? holdFor('commit', sent) : null;
        if (hold !== null) {
          holding = hold;
          hold.reached(sent);
          await hold.gate;
        }
        await refusedAt('commit', () => transaction.commit());
        holding?.ended({ kind: 'committed' });
        holding = null;
      },
      abort: () => transaction.abort(),
    };
  };

  const observedOptions = (consumerOptions: ConsumerOptions): ConsumerOptions => ({
    ...consumerOptions,
    onAssigned: (partitions, consumer) => {
      for (const partition of partitions) assigned.set(keyOf(partition), partition);
      history.push(partitions);
      return consumerOptions.onAssigned?.(partitions, consumer);
    },
    onRevoked: (partitions, consumer) => {
      for (const partition of partitions) assigned.delete(keyOf(partition));
      const revoking = consumerOptions.onRevoked?.(partitions, consumer);
      if (!options.detachRevocations) return revoking;
      void Promise.resolve(revoking).catch((error: unknown) =>
        consumerOptions.onError?.(error instanceof Error ? error : new Error(String(error))),
      );
    },
  });

  const observed: StreamLog = {
    kind: log.kind,
    fencesByGeneration: log.fencesByGeneration,
    admin: {
      createTopics: (specs) => log.admin.createTopics(specs),
      listTopics: () => log.admin.listTopics(),
      deleteTopics: (names) => log.admin.deleteTopics(names),
      deleteGroups: (groupIds) => log.admin.deleteGroups(groupIds),
      partitionRanges: (topic) => log.admin.partitionRanges(topic),
      offsetsForTimes: (topic, timestamp) => log.admin.offsetsForTimes(topic, timestamp),
      committedOffsets: async (groupId, topic, read) => {
        if (read?.stable !== true) return log.admin.committedOffsets(groupId, topic, read);
        const entry: StableRead = { topic, startedAt: Date.now(), waitedMs: null };
        stableReads.push(entry);
        try {
          return await log.admin.committedOffsets(groupId, topic, read);
        } finally {
          entry.waitedMs = Date.now() - entry.startedAt;
        }
      },
    },
    createProducer: () => log.createProducer(),
    consume: (consumerOptions) => log.consume(observedOptions(consumerOptions)),
    close: () => log.close(),
    createTransactionalProducer: async (transactionalId, options) => {
      const producer = await log.createTransactionalProducer(transactionalId, options);
      return {
        transactionalId,
        close: () => producer.close(),
        transaction: async () => observedTransaction(await producer.transaction()),
      };
    },
  };

  return {
    log: observed,
    stableReads,
    assignment: (topic) => [...assigned.values()].filter((partition) => partition.topic === topic),
    assignments: (topic) =>
      history
        .map((partitions) => partitions.filter((tp) => tp.topic === topic).map((tp) => tp.partition))
        .filter((partitions) => partitions.length > 0),
    hold(step, partitions) {
      const gate = deferred<void>();
      const held = deferred<{ readonly offsets: readonly PartitionOffset[] }>();
      const outcome = deferred<HeldOutcome>();
      holds.push({
        step,
        partitions,
        gate: gate.promise,
        reached: (offsets) => held.resolve({ offsets }),
        ended: (ended) => outcome.resolve(ended),
      });
      return { held: held.promise, release: () => gate.resolve(), outcome: outcome.promise };
    },
  };
}
