/**
 * How long a SIGKILLed processor's open transaction holds its partitions' outputs back from read-committed
 * readers: a processor (crash-child.ts, shared Kafka, its instance id as the caller's config leaves it) is
 * killed mid-stream, a new one (a new process, so a new random instance id by default) is started at once,
 * and the seconds from the kill until (a) the group's committed offsets reach the end of the input and (b)
 * every derived partition's last stable offset equals its high watermark (no open transaction left) are
 * printed; then the derived topics are compared with an undisturbed run's.
 *
 *   node --import tsx bench/crash-hold.ts [--runs 3] [--transactions default|auto|shared|per-partition]
 *                                         [--instance-id ID]  (a stable id for both children; default random)
 *
 * Needs KAFKA_BROKERS. Run it under `flock /work/bench.lock` on a shared machine.
 */
import { parseArgs } from 'node:util';
import { Admin, FetchIsolationLevels } from '@platformatic/kafka';
import { createKafkaLog } from '../pipeline/runtime/log/kafka-log.js';
import {
  type CrashChildConfig,
  committedTotal,
  compareDerived,
  runToEnd,
  seedCrashTopics,
  spawnCrashChild,
} from '../pipeline/runtime/processor/testing/crash-harness.js';
import {
  caughtUp,
  derivedOf,
  type TestTopics,
  testTopics,
} from '../pipeline/runtime/processor/testing/processor-test-kit.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    transactions: { type: 'string', default: 'default' },
    'instance-id': { type: 'string' },
    partitions: { type: 'string', default: '3' },
  },
});
const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter((broker) => broker.length > 0);
if (brokers.length === 0) throw new Error('KAFKA_BROKERS is not set');
const partitions = Number(values.partitions);
const transactions = values.transactions as 'default' | CrashChildConfig['transactions'];
const quiet = () => {};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const DERIVED = ['bars', 'barsFinal', 'indicators', 'alerts', 'deadLetters'] as const;

/** Whether any derived partition has an open transaction (its last stable offset short of its end). */
async function openTransactions(admin: Admin, topics: TestTopics): Promise<boolean> {
  const request = (isolationLevel: (typeof FetchIsolationLevels)[keyof typeof FetchIsolationLevels]) =>
    admin.listOffsets({
      topics: DERIVED.map((role) => ({
        name: topics[role],
        partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({
          partitionIndex,
          timestamp: -1n,
        })),
      })),
      isolationLevel,
    });
  const [stable, ends] = await Promise.all([
    request(FetchIsolationLevels.READ_COMMITTED),
    request(FetchIsolationLevels.READ_UNCOMMITTED),
  ]);
  const key = (topic: string, partition: number) => `${topic}/${partition}`;
  const end = new Map<string, bigint>();
  for (const topic of ends)
    for (const p of topic.partitions) end.set(key(topic.name, p.partitionIndex), p.offset);
  return stable.some((topic) =>
    topic.partitions.some((p) => p.offset !== end.get(key(topic.name, p.partitionIndex))),
  );
}

async function oneRun(seed: number) {
  const log = createKafkaLog({ brokers, clientId: 'nexural-crash-hold' });
  const admin = new Admin({ clientId: 'nexural-crash-hold', bootstrapBrokers: brokers });
  const topics = testTopics(`hold${seed}`);
  const clean = derivedOf(topics, 'clean');
  const groups = { clean: `${topics.trades}.clean`, crashed: `${topics.trades}.crashed` };
  const base = {
    brokers,
    snapshotEveryRecords: 5_000,
    ...(transactions === 'default' ? {} : { transactions }),
  };
  try {
    const input = await seedCrashTopics(log, topics, clean, partitions, 2);
    const total = input.records.length;
    await runToEnd(
      log,
      { ...base, topics: clean, groupId: groups.clean, instanceId: 'clean' },
      topics.trades,
      quiet,
    );
    const crashed: CrashChildConfig = {
      ...base,
      topics,
      groupId: groups.crashed,
      ...(values['instance-id'] === undefined ? {} : { instanceId: values['instance-id'] }),
    };
    const first = spawnCrashChild(crashed, quiet);
    await first.ready;
    while ((await committedTotal(log, groups.crashed, topics.trades)) < 0.4 * total) await sleep(20);
    // mid-round: a derived partition with an open transaction
    while (!(await openTransactions(admin, topics))) await sleep(1);
    await first.kill();
    const killedAt = Date.now();
    const openAtKill = await openTransactions(admin, topics);
    const second = spawnCrashChild(crashed, quiet);
    await caughtUp(log, groups.crashed, topics.trades, 300_000);
    const caughtUpS = (Date.now() - killedAt) / 1000;
    while (await openTransactions(admin, topics)) await sleep(100);
    const completeS = (Date.now() - killedAt) / 1000;
    const code = await second.stop();
    const { equal, duplicates } = await compareDerived(log, clean, topics, quiet);
    const same = Object.values(equal).every(Boolean);
    return { openAtKill, caughtUpS, completeS, same, duplicates, code, ticks: input.ticks };
  } finally {
    await log.admin.deleteGroups(Object.values(groups)).catch(() => {});
    await log.admin
      .deleteTopics([...new Set([...Object.values(topics), ...Object.values(clean)])])
      .catch(() => {});
    await admin.close().catch(() => {});
    await log.close();
  }
}

const runs = Number(values.runs);
const holds: number[] = [];
for (let run = 0; run < runs; run++) {
  const load = (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim();
  const result = await oneRun(Date.now() % 1_000_000);
  holds.push(result.completeS);
  console.log(
    `run ${run + 1}/${runs} (transactions ${transactions}, instance id ${values['instance-id'] ?? 'random'}; load ${load}): ` +
      `open transaction at the kill: ${result.openAtKill ? 'yes' : 'no'}; caught up ${result.caughtUpS.toFixed(1)} s, ` +
      `outputs complete ${result.completeS.toFixed(1)} s after the kill; derived topics ${result.same ? 'equal' : 'DIFFERENT'}, ` +
      `${result.duplicates} duplicates, second child exit ${result.code}`,
  );
}
const sorted = [...holds].sort((a, b) => a - b);
console.log(
  `outputs complete after the kill, s: ${holds.map((s) => s.toFixed(1)).join(', ')} (median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)})`,
);
