import { type Consumer, type Message, type MessageToProduce, Producer } from '@platformatic/kafka';
import { NexuralError } from '../../../../schemas/errors.js';
import type {
  GroupGeneration,
  LogTransaction,
  OutgoingRecord,
  TransactionalProducer,
  TransactionalProducerOptions,
} from '../../../../schemas/ports/stream-log.js';
import { chunks, DEFAULT_TRANSACTION_TIMEOUT_MS } from '../kafka/kafka-producers.js';
import { partitionForKey } from '../murmur2.js';
import { validOffsets, validRecords } from '../topic-spec.js';
import { platformaticCall } from './platformatic-errors.js';
import { endHangingTransaction, TransactionFootprint } from './platformatic-hanging.js';

/** A group's coordinator, and the (never joined) consumer object that names the group to a transaction. */
export interface GroupCoordinator {
  readonly group: Consumer;
  readonly coordinatorId: number;
}

export interface PlatformaticTransactionsOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly partitionCount: (topic: string) => Promise<number>;
  readonly groupCoordinator: (groupId: string) => Promise<GroupCoordinator>;
  /** forgets a coordinator that failed a commit: the group may have moved */
  readonly forgetCoordinator: (groupId: string) => void;
}

/**
 * Records per produce request: the client writes one request per broker whatever a send holds, and a
 * partition's batch must stay under the broker's message.max.bytes (1 MiB by default).
 */
const REQUEST_RECORDS = 500;

/** pause between attempts to end a hanging transaction while the broker does not answer */
const REPAIR_RETRY_MS = 1_000;

type Transaction = Awaited<ReturnType<Producer['beginTransaction']>>;

/** Distinct record keys kept as bytes (a processor writes a few `venue:symbol` keys and its progress keys). */
const KEYS_KEPT = 4096;
const keyBytes = new Map<string, Buffer>();

/** The key's bytes, made once per distinct key: the client only reads them (copies them into its request). */
function bytesOfKey(key: string): Buffer {
  let bytes = keyBytes.get(key);
  if (bytes === undefined) {
    if (keyBytes.size >= KEYS_KEPT) keyBytes.clear();
    bytes = Buffer.from(key);
    keyBytes.set(key, bytes);
  }
  return bytes;
}

/** Our records as the client's messages, partitions chosen as the kafkajs adapter chooses them (murmur2). */
export async function toMessages(
  records: readonly OutgoingRecord[],
  partitionCount: (topic: string) => Promise<number>,
): Promise<MessageToProduce[]> {
  const counts = new Map<string, number>();
  for (const record of validRecords(records)) {
    if (!counts.has(record.topic)) counts.set(record.topic, await partitionCount(record.topic));
  }
  let roundRobin = 0;
  const messages: MessageToProduce[] = new Array(records.length);
  for (let index = 0; index < records.length; index++) {
    const record = records[index] as OutgoingRecord;
    const count = counts.get(record.topic) ?? 1;
    const partition =
      record.partition ?? (record.key === null ? roundRobin++ % count : partitionForKey(record.key, count));
    // the usual record (key, value, timestamp, no headers) as one object literal: no spread per field
    if (record.key !== null && record.value !== null && record.timestamp !== undefined && !record.headers) {
      messages[index] = {
        topic: record.topic,
        partition,
        key: bytesOfKey(record.key),
        value: record.value,
        timestamp: BigInt(record.timestamp),
      };
      continue;
    }
    messages[index] = {
      topic: record.topic,
      partition,
      ...(record.key === null ? {} : { key: bytesOfKey(record.key) }),
      // a tombstone: the client writes a null value for a missing one
      ...(record.value === null ? {} : { value: record.value }),
      ...(record.timestamp === undefined ? {} : { timestamp: BigInt(record.timestamp) }),
      ...(record.headers === undefined
        ? {}
        : {
            headers: new Map(
              Object.entries(record.headers).map(([name, value]) => [Buffer.from(name), Buffer.from(value)]),
            ),
          }),
    };
  }
  return messages;
}

/**
 * The committed position of one partition as the client's addOffset reads it: it commits `offset + 1` and
 * takes the group from `metadata.consumer`, sent as TxnOffsetCommit v3+ (KIP-447). With a generation the
 * coordinator refuses the offsets once the group has moved past it; without one, generation -1 and no member
 * id commit as a non-member of the group, as kafkajs's TxnOffsetCommit v0–2 does.
 */
function offsetMessage(
  groupId: string,
  coordinatorId: number,
  position: { topic: string; partition: number; offset: string },
  generation: GroupGeneration | undefined,
): Message {
  const consumed = {
    topic: position.topic,
    partition: position.partition,
    offset: BigInt(position.offset) - 1n,
    metadata: {
      consumer: {
        groupId,
        generationId: generation?.generationId ?? -1,
        memberId: generation?.memberId ?? '',
        coordinatorId,
      },
    },
  };
  return consumed as unknown as Message;
}

/** What a failed call of one transaction turns into: NXR_FENCED only once a successor is known to hold the id. */
type FailureVerdict = (error: unknown) => Promise<unknown>;

function wrapTransaction(
  transaction: Transaction,
  options: PlatformaticTransactionsOptions,
  verdict: FailureVerdict,
  /** where it wrote; on a failure, handed to `failed` (its outcome is the coordinator's to tell) */
  footprint: TransactionFootprint,
  failed: () => void,
  committed: () => void,
): LogTransaction {
  // nothing reached the broker yet: ending locally, as an EndTxn for an empty transaction is refused
  let touched = false;
  // the broker aborted it (timed out) and its client was replaced: nothing is left to end
  let ended = false;
  const call = async <T>(doing: string, run: () => Promise<T>) => {
    try {
      return await platformaticCall(doing, run);
    } catch (error) {
      failed();
      const failure = await verdict(error);
      if (failure instanceof NexuralError && failure.code === 'NXR_TIMEOUT') ended = true;
      throw failure;
    }
  };
  return {
    async send(records) {
      for (const chunk of chunks(records, REQUEST_RECORDS)) {
        const messages = await toMessages(chunk, options.partitionCount);
        for (const message of messages) footprint.addPartition(message.topic, message.partition ?? 0);
        touched = true;
        await call('producing in a transaction', () => transaction.send({ messages }));
      }
    },
    async sendOffsets(groupId, offsets, generation) {
      if (generation !== undefined && generation.groupId !== groupId) {
        throw new NexuralError(
          'NXR_CONFIG_INVALID',
          `offsets of group "${groupId}" sent with a generation of group "${generation.groupId}"`,
        );
      }
      const positions = validOffsets(offsets);
      if (positions.length === 0) return;
      const { group, coordinatorId } = await platformaticCall('finding the group coordinator', () =>
        options.groupCoordinator(groupId),
      );
      touched = true;
      footprint.groups.add(groupId);
      try {
        await call('committing offsets in a transaction', () => transaction.addConsumer(group));
        // one TxnOffsetCommit per partition, one at a time (the client folds concurrent ones into one)
        for (const position of positions) {
          await call('committing offsets in a transaction', () =>
            transaction.addOffset(offsetMessage(groupId, coordinatorId, position, generation)),
          );
        }
      } catch (error) {
        options.forgetCoordinator(groupId);
        throw error;
      }
    },
    async commit() {
      if (!touched) return platformaticCall('ending an empty transaction', () => transaction.cancel());
      await call('committing a transaction', () => transaction.commit());
      committed();
    },
    async abort() {
      // the replaced client is closed: its abort would wait out its request timeout (32 s, measured)
      if (ended) return;
      if (!touched) return platformaticCall('ending an empty transaction', () => transaction.cancel());
      try {
        await call('aborting a transaction', () => transaction.abort());
      } catch (error) {
        // the producer is free for the next transaction either way; the broker aborts on timeout or fencing
        await transaction.cancel().catch(() => {});
        throw error;
      }
    },
  };
}

interface ProducerIdentity {
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

/** A client for `transactionalId` whose InitProducerId asks for a new producer, or to go on as `previous`. */
function newProducer(
  transactionalId: string,
  options: PlatformaticTransactionsOptions,
  transactionTimeoutMs: number,
  previous: ProducerIdentity | null,
): Producer {
  return new Producer({
    clientId: options.clientId,
    bootstrapBrokers: [...options.brokers],
    transactionalId,
    idempotent: true,
    // "no producer yet" in InitProducerId: the client's default (0, 0) asks to bump producer 0 and is refused
    // (PRODUCER_FENCED) once another producer holds the id — a successor could never take over. With
    // `previous` (KIP-588), the coordinator grants a new epoch only if no other producer took the id since.
    producerId: previous?.producerId ?? -1n,
    producerEpoch: previous?.producerEpoch ?? -1,
    autocreateTopics: false,
    // InitProducerId's transaction timeout, and a produce request's on the broker
    timeout: transactionTimeoutMs,
    // the default waits 1 s: a transaction begun while the broker still ends the last one gets
    // CONCURRENT_TRANSACTIONS, retried here after 10, 20, 40 … ms (the kafkajs adapter starts at 10 too)
    retries: 8,
    retryDelay: (_client, _operation, attempt) => Math.min(10 * 2 ** attempt, 1000),
  });
}

/** Registers the client's transactional id (InitProducerId) with an empty transaction, closing it on failure. */
async function register(producer: Producer): Promise<ProducerIdentity> {
  try {
    const registration = await platformaticCall('registering the transactional id', () =>
      producer.beginTransaction(),
    );
    await registration.cancel();
  } catch (error) {
    await producer.close().catch(() => {});
    throw error;
  }
  const { producerId, producerEpoch } = producer;
  if (producerId === undefined || producerEpoch === undefined) {
    await producer.close().catch(() => {});
    throw new Error('registering the transactional id: the client kept no producer id');
  }
  return { producerId, producerEpoch };
}

/**
 * A transactional producer on @platformatic/kafka, which keeps its transaction coordinator (kafkajs asks
 * for it before every transaction request). Its first transaction registers the transactional id
 * (InitProducerId), so one is begun and dropped at creation: that fences any older producer with the id, as
 * the port promises.
 *
 * The broker answers PRODUCER_FENCED (or INVALID_PRODUCER_EPOCH) both when a successor took the id over and
 * when it aborted a transaction that ran past its timeout. Which one is asked (KIP-588): a client that
 * registers as the producer it was is granted a new epoch after a timeout and refused after a takeover
 * (measured on Kafka 4.4: both, with a successor's transactions unharmed). After a timeout the failed call
 * throws NXR_TIMEOUT and the producer goes on with the new epoch; after a takeover it throws NXR_FENCED and
 * stays fenced — the client would otherwise take a new epoch on the next begin and fence its successor in turn.
 */
export async function createPlatformaticTransactionalProducer(
  transactionalId: string,
  options: PlatformaticTransactionsOptions,
  producerOptions: TransactionalProducerOptions = {},
): Promise<TransactionalProducer> {
  const timeoutMs = producerOptions.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS;
  let producer = newProducer(transactionalId, options, timeoutMs, null);
  // the producer as the broker last knew it: what a KIP-588 re-registration presents
  let identity = await register(producer);
  let fenced: NexuralError | undefined;
  /** a fencing answer whose cause (timeout or takeover) is not known yet: the broker was unreachable */
  let unresolved: NexuralError | undefined;

  /** After a fencing answer: recovers the producer if the broker had only timed its transaction out. */
  const resolveFencing = async (answer: NexuralError): Promise<NexuralError> => {
    const successor = newProducer(transactionalId, options, timeoutMs, identity);
    let granted: ProducerIdentity;
    try {
      granted = await register(successor);
    } catch (error) {
      if (error instanceof NexuralError && error.code === 'NXR_FENCED') {
        unresolved = undefined;
        fenced = new NexuralError(
          'NXR_FENCED',
          `${answer.message} (another producer took transactional id "${transactionalId}" over)`,
          { transactionalId },
          { cause: answer },
        );
        return fenced;
      }
      unresolved = answer;
      return error instanceof NexuralError ? error : answer;
    }
    unresolved = undefined;
    const previous = producer;
    producer = successor;
    identity = granted;
    await previous.close().catch(() => {});
    return new NexuralError(
      'NXR_TIMEOUT',
      `the broker aborted the transaction, open longer than its timeout (${timeoutMs} ms), and gave the producer a new epoch (it had answered: ${answer.message})`,
      { transactionalId },
      { cause: answer },
    );
  };

  // after a failed call: the partitions of the last committed transaction and of the failed one, to be
  // checked for a transaction the coordinator completed without all its markers (platformatic-hanging.ts)
  let lastCommitted = new TransactionFootprint();
  let suspect: TransactionFootprint | null = null;
  let repair: Promise<void> | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let closed = false;

  const endHanging = (checking: TransactionFootprint) =>
    endHangingTransaction(
      { brokers: options.brokers, clientId: options.clientId, transactionalId, identity: () => identity },
      checking,
    );
  const repairOnce = (): Promise<void> => {
    repair ??= (async () => {
      const checking = suspect;
      if (checking === null || fenced !== undefined) return;
      let ended: readonly string[];
      try {
        ended = await endHanging(checking);
      } catch (error) {
        if (!(error instanceof NexuralError) || error.code !== 'NXR_FENCED') throw error;
        // the broker timed the transaction out (a new epoch): registered again as itself, it can end it
        const verdict = await resolveFencing(error);
        if (verdict.code !== 'NXR_TIMEOUT') throw verdict;
        ended = await endHanging(checking);
      }
      if (suspect === checking) suspect = null;
      warnEnded(ended);
    })().finally(() => {
      repair = null;
    });
    return repair;
  };
  // as soon as the broker answers again, not at the next transaction: a new owner's restore reads the
  // state topic committed and waits for what the open transaction holds back
  const scheduleRepair = () => {
    if (closed || retryTimer !== null || suspect === null) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      repairOnce().catch(() => scheduleRepair());
    }, REPAIR_RETRY_MS);
    retryTimer.unref();
  };
  const warnEnded = (ended: readonly string[]) => {
    for (const where of ended) {
      producerOptions.onWarning?.(
        `transactional id "${transactionalId}": a transaction the broker had completed without writing its markers was still open on ${where}; ended as the broker had decided (a hanging transaction)`,
      );
    }
  };
  const failedIn = (footprint: TransactionFootprint) => () => {
    suspect = (suspect ?? new TransactionFootprint()).merge(lastCommitted).merge(footprint);
    scheduleRepair();
  };

  return {
    transactionalId,
    async transaction() {
      if (unresolved !== undefined) {
        const verdict = await resolveFencing(unresolved);
        if (verdict.code !== 'NXR_TIMEOUT') throw verdict;
      }
      // a transaction begun over a hanging one would end it with its own outcome
      if (suspect !== null && fenced === undefined) await repairOnce();
      if (fenced !== undefined) {
        throw new NexuralError(
          'NXR_FENCED',
          `beginning a transaction: ${transactionalId} was fenced`,
          {},
          {
            cause: fenced,
          },
        );
      }
      const client = producer;
      const transaction = await platformaticCall('beginning a transaction', () => client.beginTransaction());
      // read at every begin: a client that bumped its epoch since (KIP-890) presents its latest; a stale one
      // would only be refused (NXR_FENCED: loud, not unsafe)
      const { producerId, producerEpoch } = client;
      if (producerId !== undefined && producerEpoch !== undefined) identity = { producerId, producerEpoch };
      const verdict: FailureVerdict = async (error) => {
        if (!(error instanceof NexuralError) || error.code !== 'NXR_FENCED') return error;
        if (fenced !== undefined) return fenced;
        // this transaction's client was already replaced: its failure was the timeout resolved then
        if (client !== producer) {
          return new NexuralError(
            'NXR_TIMEOUT',
            `${error.message} (transaction timed out)`,
            {},
            { cause: error },
          );
        }
        return resolveFencing(error);
      };
      const footprint = new TransactionFootprint();
      return wrapTransaction(transaction, options, verdict, footprint, failedIn(footprint), () => {
        lastCommitted = footprint;
      });
    },
    close: () => {
      closed = true;
      if (retryTimer !== null) clearTimeout(retryTimer);
      return producer.close();
    },
  };
}
