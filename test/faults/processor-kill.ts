import { createKafkaLog } from '../../pipeline/runtime/log/kafka-log.js';
import {
  committedTotal,
  compareDerived,
  runToEnd,
  seedCrashTopics,
  spawnCrashChild,
} from '../../pipeline/runtime/processor/testing/crash-harness.js';
import {
  caughtUp,
  derivedOf,
  testTopics,
} from '../../pipeline/runtime/processor/testing/processor-test-kit.js';
import { processorTransactions } from '../../pipeline/runtime/processor/testing/processor-transactions.js';
import type { RoleChild } from '../../pipeline/runtime/testing/role-child.js';
import type { FaultReport } from './broker-outage.js';
import { freePort } from './private-services.js';
import { evenKillPoints, killReport, pollReady, type Supervised, supervise } from './readiness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RoleKillOptions {
  readonly brokers: readonly string[];
  /** how many times the role is killed during the run (at even steps of its progress) */
  readonly kills: number;
  /** how long the supervisor waits before starting it again */
  readonly restartDelayMs: number;
  /** how long the restarted role may take to answer /ready 200 */
  readonly boundMs: number;
  readonly say: (line: string) => void;
}

/**
 * Processor SIGKILL under load (the shared broker, only read and written: unique topics and groups, deleted
 * afterwards). An undisturbed run over the real trades first, then a run whose processor is killed `kills`
 * times mid-stream and restarted by the harness the way a supervisor would, on the same health port.
 */
export async function runProcessorKill(
  options: RoleKillOptions & {
    readonly rounds: number;
    readonly partitions: number;
    /**
     * the share of the input over which the kill points are spread (default 1: even steps of all of it); the
     * processor reads a pre-written input in large rounds (46,000 of 55,787 committed at the first poll past
     * the half once), so a short run kills early to land mid-stream
     */
    readonly killsWithin?: number;
  },
): Promise<FaultReport> {
  const { say } = options;
  const log = createKafkaLog({ brokers: options.brokers, clientId: 'nexural-fault-harness' });
  const topics = testTopics('prockill');
  const clean = derivedOf(topics, 'clean');
  const groups = { clean: `${topics.trades}.clean`, faulted: `${topics.trades}.faulted` };
  const base = { brokers: options.brokers, snapshotEveryRecords: 10_000 };
  const healthPort = await freePort();
  const ready = pollReady(`http://127.0.0.1:${healthPort}/ready`);
  const faulted = {
    ...base,
    ...processorTransactions('faulted'),
    topics,
    groupId: groups.faulted,
    healthPort,
  };
  let processor: Supervised<RoleChild> | null = null;
  try {
    const input = await seedCrashTopics(log, topics, clean, options.partitions, options.rounds);
    const total = input.records.length;
    let started = Date.now();
    await runToEnd(
      log,
      { ...base, ...processorTransactions('clean'), topics: clean, groupId: groups.clean },
      topics.trades,
      say,
    );
    say(`undisturbed run over ${total} records: ${((Date.now() - started) / 1000).toFixed(1)} s`);

    started = Date.now();
    const role = supervise({
      ...options,
      ready,
      start: () => spawnCrashChild(faulted, say),
      progress: () => committedTotal(log, groups.faulted, topics.trades),
    });
    processor = role;
    await role.current().ready;
    const due = evenKillPoints(total * (options.killsWithin ?? 1), options.kills);
    while (!role.exitedByItself() && role.outcomes.length < options.kills) {
      const committed = await committedTotal(log, groups.faulted, topics.trades);
      if (due(committed)) {
        say(`kill ${role.outcomes.length + 1}: due at ${committed} of ${total} committed`);
        await role.kill();
      } else await sleep(50);
    }
    await caughtUp(log, groups.faulted, topics.trades, 600_000);
    say(`disturbed run: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const greenAtEnd = ready.samples.at(-1)?.ok === true;
    const code = await role.stop();
    const { records, equal, duplicates } = await compareDerived(log, clean, topics, say);
    return killReport('processor SIGKILL + restart', role, {
      ...options,
      code,
      greenAtEnd,
      equal,
      duplicates,
      total,
      recordsCompared: Object.values(records).reduce((sum, count) => sum + count, 0),
    });
  } finally {
    await processor?.abort();
    await ready.stop();
    await log.admin.deleteGroups(Object.values(groups)).catch(() => {});
    await log.admin
      .deleteTopics([...new Set([...Object.values(topics), ...Object.values(clean)])])
      .catch(() => {});
    await log.close();
  }
}
