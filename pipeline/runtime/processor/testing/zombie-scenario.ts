import type { PartitionOffset, StreamLog, TopicPartition } from '../../../../schemas/ports/stream-log.js';
import { createProcessor, type Processor } from '../processor.js';
import type { ProcessorStats } from '../processor-stats.js';
import { compareDerived, crashEngine, crashInput, crashRules } from './crash-harness.js';
import { type HeldOutcome, type HoldStep, observedLog } from './observed-log.js';
import {
  caughtUp,
  derivedOf,
  jsonSerdes,
  type TestTopics,
  testTopics,
  topicSpecs,
} from './processor-test-kit.js';

export interface ZombieOptions {
  /** where the zombie's round stalls: before its offsets are sent, or after they were taken, before commit */
  readonly step: HoldStep;
  /** a log for the harness: topics, input, the clean run, the comparison */
  readonly harness: StreamLog;
  /** the zombie's and the new owner's logs (each processor on a log of its own, as in two processes) */
  readonly zombieLog: StreamLog;
  readonly ownerLog: StreamLog;
  /** see observedLog: the embedded group would wait for the zombie's revocation */
  readonly detachRevocations: boolean;
  /** how long a read of a derived topic waits for nothing new */
  readonly quietMs: number;
  readonly timeoutMs: number;
  readonly say: (line: string) => void;
}

interface Run {
  readonly processor: Processor;
  readonly errors: Error[];
  readonly warnings: string[];
}

export interface ZombieReport {
  /** the offsets of the held round, and which of its partitions the new owner held when it was released */
  readonly heldOffsets: readonly PartitionOffset[];
  readonly movedToOwner: readonly number[];
  readonly outcome: HeldOutcome;
  /** the new owner's longest stable read of committed offsets started while the round was held */
  readonly ownerStableWaitMs: number;
  /** live records each processed after the release (the zombie's partitions of the new generation, the rest) */
  readonly zombieRecordsAfter: number;
  readonly ownerRecordsAfter: number;
  /** the zombie's assignments of the input topic: two (the first, the join's) unless it was evicted too */
  readonly zombieAssignments: readonly (readonly number[])[];
  readonly zombie: { readonly errors: Error[]; readonly warnings: string[]; readonly stats: ProcessorStats };
  readonly owner: { readonly errors: Error[]; readonly warnings: string[]; readonly stats: ProcessorStats };
  readonly records: Readonly<Record<string, number>>;
  readonly equal: Readonly<Record<string, boolean>>;
  readonly duplicates: number;
  readonly seconds: number;
}

const PARTITIONS = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * The zombie case of shared transactions: processor Z has processed the records after its last commit and
 * its round (one transaction for all three partitions) stalls at `step`; processor O joins the group, the
 * group rebalances and O takes over some of Z's partitions while Z's round is still open. Then the round
 * goes on, the rest of the input arrives and both process it to its end; every derived topic is compared
 * with a clean run's (one processor, the default transactions), record for record.
 */
export async function runZombieScenario(options: ZombieOptions): Promise<ZombieReport> {
  const { harness, say, timeoutMs } = options;
  const started = Date.now();
  const topics = testTopics();
  const clean = derivedOf(topics, 'clean');
  const group = `${topics.trades}.group`;
  const cleanGroup = `${topics.trades}.clean`;
  const producer = await harness.createProducer();
  const { records } = crashInput(topics.trades, 1);
  // the first half before the stall, the next 30% in the held round, the rest after it
  const firstPart = Math.floor(records.length * 0.5);
  const heldPart = Math.floor(records.length * 0.8);
  const send = async (from: number, to: number) => {
    for (let at = from; at < to; at += 10_000)
      await producer.send(records.slice(at, Math.min(to, at + 10_000)));
  };

  const start = (
    log: StreamLog,
    derived: TestTopics,
    groupId: string,
    config: Record<string, unknown>,
  ): Run => {
    const errors: Error[] = [];
    const warnings: string[] = [];
    const processor = createProcessor({
      log,
      topics: derived,
      serdes: jsonSerdes(derived),
      fanout: null,
      rebuildDelayMs: { first: 250, max: 2_000 },
      config: { groupId, engine: crashEngine, snapshotEveryRecords: 5_000, ...config },
      onError: (error) => errors.push(error),
      onWarning: (message) => warnings.push(message),
    });
    return { processor, errors, warnings };
  };

  const zombieLog = observedLog(options.zombieLog, { detachRevocations: options.detachRevocations });
  const ownerLog = observedLog(options.ownerLog, { detachRevocations: options.detachRevocations });
  // rounds at least 2 s apart: the records after the last commit reach the round as one, all partitions in it
  const zombie = start(zombieLog.log, topics, group, {
    transactions: 'shared',
    instanceId: 'zombie',
    commitIntervalMs: 2_000,
  });
  const owner = start(ownerLog.log, topics, group, { transactions: 'shared', instanceId: 'owner' });
  try {
    // the clean run reads the same input and rules topics
    const specs = [...topicSpecs(topics, PARTITIONS), ...topicSpecs(clean, PARTITIONS)];
    await harness.admin.createTopics([...new Map(specs.map((spec) => [spec.name, spec])).values()]);
    await producer.send(
      crashRules.map((rule) => ({
        topic: topics.alertRules,
        key: rule.id,
        value: Buffer.from(JSON.stringify(rule)),
      })),
    );
    await send(0, firstPart);
    await zombie.processor.start();
    await caughtUp(harness, group, topics.trades, timeoutMs);
    say(`zombie: the first ${firstPart} records committed`);

    const held = zombieLog.hold(options.step, PARTITIONS);
    await send(firstPart, heldPart);
    const { offsets: heldOffsets } = await held.held;
    const heldAt = Date.now();
    say(
      `zombie: round held at ${options.step} with ${JSON.stringify(heldOffsets.map((o) => [o.partition, o.offset]))}`,
    );

    await owner.processor.start();
    await until(() => ownerLog.assignment(topics.trades).length > 0, 'the new owner assigned', timeoutMs);
    const ownedByOwner = (): readonly TopicPartition[] => ownerLog.assignment(topics.trades);
    say(
      `owner: joined after ${Date.now() - heldAt} ms, assigned ${ownedByOwner().map((tp) => tp.partition)}`,
    );
    if (options.step === 'sendOffsets') {
      // the new owner has restored its partitions and processed them to the end while the zombie's round is open
      await until(
        async () => {
          const [ends, committed] = await Promise.all([
            harness.admin.partitionRanges(topics.trades),
            harness.admin.committedOffsets(group, topics.trades),
          ]);
          return ownedByOwner().every(({ partition }) => {
            const end = ends.find((range) => range.partition === partition)?.high;
            return committed.find((entry) => entry.partition === partition)?.offset === end;
          });
        },
        "the new owner's partitions committed to their end",
        timeoutMs,
      );
    } else {
      // the new owner's restore waits, the zombie's offsets being in a transaction still open (had it not
      // waited, it holds its partitions already: the report says so)
      await until(
        () =>
          owner.processor.stats.partitions > 0 ||
          ownerLog.stableReads.some((read) => read.waitedMs === null && Date.now() - read.startedAt >= 1_500),
        "the new owner's stable read waiting for 1.5 s",
        timeoutMs,
      );
    }
    const movedToOwner = heldOffsets
      .map((offset) => offset.partition)
      .filter((partition) => ownedByOwner().some((tp) => tp.partition === partition));
    const releasedAt = Date.now();
    const zombieRecordsBefore = zombie.processor.stats.records;
    const ownerRecordsBefore = owner.processor.stats.records;
    held.release();
    const outcome = await held.outcome;
    const roundEndedAt = Date.now();
    say(
      `zombie: round released after ${releasedAt - heldAt} ms: ${outcome.kind === 'committed' ? 'committed' : `refused at ${outcome.step}: ${outcome.error.message}`}`,
    );
    const readsWhileHeld = ownerLog.stableReads.filter((read) => read.startedAt <= releasedAt);
    await until(
      () => readsWhileHeld.every((read) => read.waitedMs !== null),
      "the owner's stable reads",
      timeoutMs,
    );
    const ownerStableWaitMs = Math.max(0, ...readsWhileHeld.map((read) => read.waitedMs ?? 0));
    const lastAnswer = Math.max(...readsWhileHeld.map((read) => read.startedAt + (read.waitedMs ?? 0)));
    say(
      `owner: ${readsWhileHeld.length} stable reads while held, the longest ${ownerStableWaitMs} ms, answered ${lastAnswer - roundEndedAt} ms after the round ended`,
    );

    await send(heldPart, records.length);
    await caughtUp(harness, group, topics.trades, timeoutMs);
    const zombieRecordsAfter = zombie.processor.stats.records - zombieRecordsBefore;
    const ownerRecordsAfter = owner.processor.stats.records - ownerRecordsBefore;
    const zombieAssignments = zombieLog.assignments(topics.trades);
    say(
      `both: caught up ${Date.now() - releasedAt} ms after the release; records processed since: zombie ${zombieRecordsAfter}, owner ${ownerRecordsAfter}; zombie assignments ${JSON.stringify(zombieAssignments)}`,
    );
    await owner.processor.close();
    await zombie.processor.close();

    const reference = start(harness, clean, cleanGroup, {});
    await reference.processor.start();
    await caughtUp(harness, cleanGroup, topics.trades, timeoutMs);
    await reference.processor.close();
    if (reference.errors.length > 0) throw reference.errors[0];

    const compared = await compareDerived(harness, clean, topics, say, options.quietMs);
    return {
      heldOffsets,
      movedToOwner,
      outcome,
      ownerStableWaitMs,
      zombieRecordsAfter,
      ownerRecordsAfter,
      zombieAssignments,
      zombie: { errors: zombie.errors, warnings: zombie.warnings, stats: zombie.processor.stats },
      owner: { errors: owner.errors, warnings: owner.warnings, stats: owner.processor.stats },
      ...compared,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await owner.processor.close().catch(() => {});
    await zombie.processor.close().catch(() => {});
    await producer.close();
    // the comparison's reads delete their own groups
    await harness.admin.deleteGroups([group, cleanGroup]).catch(() => {});
    await harness.admin
      .deleteTopics([...new Set([...Object.values(topics), ...Object.values(clean)])])
      .catch(() => {});
  }
}
