import { setTimeout as sleep } from 'node:timers/promises';
import {
  Admin,
  addOffsetsToTxnV3,
  addPartitionsToTxnV3,
  type Connection,
  describeProducersV0,
  describeTransactionsV0,
  endTxnV3,
  FindCoordinatorKeyTypes,
} from '@platformatic/kafka';
import { NexuralError } from '../../../../schemas/errors.js';
import { fromPlatformaticError } from './platformatic-errors.js';

/** Where a transaction wrote: its records' partitions, and the groups whose offsets it sent. */
export class TransactionFootprint {
  readonly partitions = new Map<string, Set<number>>();
  readonly groups = new Set<string>();

  addPartition(topic: string, partition: number): void {
    let found = this.partitions.get(topic);
    if (found === undefined) {
      found = new Set();
      this.partitions.set(topic, found);
    }
    found.add(partition);
  }

  merge(other: TransactionFootprint): this {
    for (const [topic, partitions] of other.partitions) {
      for (const partition of partitions) this.addPartition(topic, partition);
    }
    for (const group of other.groups) this.groups.add(group);
    return this;
  }

  get empty(): boolean {
    return this.partitions.size === 0 && this.groups.size === 0;
  }
}

export interface HangingRepairOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly transactionalId: string;
  /** the producer as the coordinator knows it now */
  readonly identity: () => { readonly producerId: bigint; readonly producerEpoch: number };
}

/** coordinator states of a transaction still ending: its markers are on their way */
const ENDING = new Set(['PrepareCommit', 'PrepareAbort', 'PrepareEpochFence']);
const POLL_MS = 200;
/** how long one repair waits for the coordinator before it gives up (the caller retries later) */
const REPAIR_WAIT_MS = 30_000;

/**
 * Ends, as its coordinator decided, a transaction of this producer that is still open on some of the
 * partitions it wrote although the coordinator has completed it: a hanging transaction. A broker restarted
 * after a crash completes the transactions it finds half ended (PrepareCommit, PrepareAbort) and aborts the
 * ones that timed out, and skips the markers of partitions that have no leader at that moment, taking them
 * for deleted topics ("Couldn't find leader endpoint … likely deleted", measured on Kafka 4.4 with one broker:
 * its partitions are leaderless for a moment while its previous registration expires). Such a partition
 * keeps the transaction open: its last stable offset stops there, and read-committed readers (a new owner's
 * restore waiting for its progress record) wait until the producer's next transaction that includes the
 * partition writes a marker — which then commits or aborts the old records with the new transaction's
 * outcome, whatever the coordinator had decided for them.
 *
 * So, after a failed transaction and before the next: the coordinator's state of this transactional id once
 * it has ended the last transaction (an open one, left by a call that failed, is aborted here), then
 * DescribeProducers on every partition the last transactions wrote (and their groups' offsets partitions):
 * where this producer still has a transaction open, a transaction of its own over exactly those partitions
 * is ended with the coordinator's decision, whose markers close them. Repeated until none is left.
 * Returns the partitions ended that way.
 */
export async function endHangingTransaction(
  options: HangingRepairOptions,
  footprint: TransactionFootprint,
): Promise<readonly string[]> {
  const admin = new Admin({ clientId: options.clientId, bootstrapBrokers: [...options.brokers] });
  const { transactionalId } = options;
  try {
    const deadline = Date.now() + REPAIR_WAIT_MS;
    const ended: string[] = [];
    let groupsClosed = footprint.groups.size === 0;
    for (;;) {
      const coordinator = await connectToCoordinator(admin, transactionalId);
      const state = await coordinatorState(coordinator, transactionalId);
      const { producerId, producerEpoch } = options.identity();
      if (state === 'Ongoing') {
        // a transaction whose client gave up on it (the broker was away): nothing of it was committed
        await endTxnV3.api.async(coordinator, transactionalId, producerId, producerEpoch, false);
        continue;
      }
      if (ENDING.has(state)) {
        if (Date.now() > deadline) throw stillEnding(transactionalId, state);
        await sleep(POLL_MS);
        continue;
      }
      const hanging = await openPartitions(admin, footprint, producerId);
      // the groups' offsets partitions are closed once whatever they hold (a marker where nothing is open
      // changes nothing); the records' partitions until none is open
      if (hanging.empty && groupsClosed) return ended;
      if (Date.now() > deadline) throw stillEnding(transactionalId, `hanging on ${describe(hanging)}`);
      if (!groupsClosed) for (const group of footprint.groups) hanging.groups.add(group);
      // CompleteCommit: the coordinator committed it; CompleteAbort, or Empty after a new registration
      // (which aborts an open transaction): aborted
      const commit = state === 'CompleteCommit';
      const topics = [...hanging.partitions].map(([name, partitions]) => ({
        name,
        partitions: [...partitions],
      }));
      if (topics.length > 0) {
        await addPartitionsToTxnV3.api.async(coordinator, [
          { transactionalId, producerId, producerEpoch, topics, verifyOnly: false },
        ]);
      }
      for (const group of hanging.groups) {
        await addOffsetsToTxnV3.api.async(coordinator, transactionalId, producerId, producerEpoch, group);
      }
      await endTxnV3.api.async(coordinator, transactionalId, producerId, producerEpoch, commit);
      groupsClosed = true;
      if (hanging.partitions.size > 0)
        ended.push(`${describe(hanging)} (${commit ? 'committed' : 'aborted'})`);
    }
  } catch (error) {
    if (error instanceof NexuralError) throw error;
    throw fromPlatformaticError(error, `ending a hanging transaction of "${transactionalId}"`);
  } finally {
    await admin.close().catch(() => {});
  }
}

const stillEnding = (transactionalId: string, state: string) =>
  new NexuralError(
    'NXR_SERVICE_UNAVAILABLE',
    `the last transaction of "${transactionalId}" did not end within ${REPAIR_WAIT_MS / 1000} s (${state})`,
    { transactionalId },
  );

function describe(footprint: TransactionFootprint): string {
  const partitions = [...footprint.partitions].flatMap(([topic, numbers]) =>
    [...numbers].map((partition) => `${topic}/${partition}`),
  );
  return [...partitions, ...[...footprint.groups].map((group) => `offsets of "${group}"`)].join(', ');
}

async function connectToCoordinator(admin: Admin, transactionalId: string): Promise<Connection> {
  const [found] = await admin.findCoordinator({
    keyType: FindCoordinatorKeyTypes.TRANSACTION,
    keys: [transactionalId],
  });
  if (found === undefined) throw new Error(`no coordinator for "${transactionalId}"`);
  const connection = (await admin.connectToBrokers([found.nodeId])).get(found.nodeId);
  if (connection === undefined) throw new Error(`no connection to broker ${found.nodeId}`);
  return connection;
}

async function coordinatorState(coordinator: Connection, transactionalId: string): Promise<string> {
  const described = await describeTransactionsV0.api.async(coordinator, [transactionalId]);
  const state = described.transactionStates.find((entry) => entry.transactionalId === transactionalId);
  return state?.transactionState ?? 'Empty';
}

/** The footprint's partitions where `producerId` still has a transaction open. */
async function openPartitions(
  admin: Admin,
  footprint: TransactionFootprint,
  producerId: bigint,
): Promise<TransactionFootprint> {
  const open = new TransactionFootprint();
  if (footprint.partitions.size === 0) return open;
  const metadata = await admin.metadata({ topics: [...footprint.partitions.keys()], forceUpdate: true });
  const asked = new Map<number, Map<string, number[]>>();
  for (const [topic, partitions] of footprint.partitions) {
    for (const partition of partitions) {
      const leader = metadata.topics.get(topic)?.partitions[partition]?.leader;
      if (leader === undefined || leader < 0) {
        throw new NexuralError('NXR_SERVICE_UNAVAILABLE', `${topic}/${partition} has no leader`, {
          topic,
          partition,
        });
      }
      const byTopic = asked.get(leader) ?? new Map<string, number[]>();
      asked.set(leader, byTopic);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    }
  }
  const connections = await admin.connectToBrokers([...asked.keys()]);
  for (const [leader, byTopic] of asked) {
    const connection = connections.get(leader);
    if (connection === undefined) throw new Error(`no connection to broker ${leader}`);
    const request = [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
    const described = await describeProducersV0.api.async(connection, request);
    for (const topic of described.topics) {
      for (const partition of topic.partitions) {
        const holds = partition.activeProducers.some(
          (producer) => producer.producerId === producerId && producer.currentTxnStartOffset >= 0n,
        );
        if (holds) open.addPartition(topic.name, partition.partitionIndex);
      }
    }
  }
  return open;
}
