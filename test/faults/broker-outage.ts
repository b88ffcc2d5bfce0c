import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { createKafkaLog } from '../../pipeline/runtime/log/kafka-log.js';
import { crashInput, crashRules } from '../../pipeline/runtime/processor/crash-harness.js';
import {
  caughtUp,
  derivedOf,
  readAll,
  recordImage,
  testTopics,
  topicSpecs,
} from '../../pipeline/runtime/processor/processor-test-kit.js';
import type { StreamLog } from '../../schemas/ports/stream-log.js';
import { spawnRoleChild } from './child.js';
import { privateKafka } from './private-services.js';

const childScript = fileURLToPath(new URL('./processor-child.ts', import.meta.url));
const ROLES = ['bars', 'barsFinal', 'indicators', 'alerts', 'deadLetters'] as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface BrokerOutageOptions {
  /** copies of the real trade series (55,732 trades each) */
  readonly rounds: number;
  readonly partitions: number;
  /** how long the broker stays dead */
  readonly downtimeMs: number;
  /** how many times it is killed and restarted during the run */
  readonly outages: number;
  readonly say: (line: string) => void;
}

export interface FaultReport {
  readonly fault: string;
  readonly downtimeMs: number;
  /** from the service being back to the role reporting `up` again (the longest over the outages) */
  readonly recoveryMs: number;
  readonly recordsCompared: number;
  /** per derived topic: equal to the undisturbed run's, record for record, per partition */
  readonly equal: Readonly<Record<string, boolean>>;
  readonly duplicates: number;
  /** the role reported not-up during every outage */
  readonly redWhileDown: boolean;
  /** the role process exited by itself (it must not) */
  readonly exitedByItself: boolean;
  readonly verdict: 'pass' | 'FAIL';
}

async function committedTotal(log: StreamLog, groupId: string, topic: string): Promise<number> {
  const committed = await log.admin.committedOffsets(groupId, topic).catch(() => []);
  return committed.reduce((sum, entry) => sum + Number(entry.offset ?? 0), 0);
}

/**
 * Broker kill -9 and restart under a running processor (a private broker: the shared one is never
 * touched). An undisturbed run over the same input first, then a run during which the broker dies
 * `outages` times for `downtimeMs`, with nobody restarting the processor. Compares the derived topics.
 */
export async function runBrokerOutage(options: BrokerOutageOptions): Promise<FaultReport> {
  const { say } = options;
  const kafka = await privateKafka();
  let log: StreamLog | null = null;
  try {
    let started = Date.now();
    await kafka.start();
    say(`private broker ${kafka.address} up in ${Date.now() - started} ms (pid ${kafka.pid()})`);
    const brokers = [kafka.address];
    log = createKafkaLog({ brokers, clientId: 'nexural-fault-harness' });
    const topics = testTopics('brokerfault');
    const clean = derivedOf(topics, 'clean');
    const specs = [...topicSpecs(topics, options.partitions), ...topicSpecs(clean, options.partitions)];
    await log.admin.createTopics([...new Map(specs.map((spec) => [spec.name, spec])).values()]);
    const producer = await log.createProducer();
    await producer.send(
      crashRules.map((rule) => ({
        topic: topics.alertRules,
        key: rule.id,
        value: Buffer.from(JSON.stringify(rule)),
      })),
    );
    const input = crashInput(topics.trades, options.rounds);
    for (let from = 0; from < input.records.length; from += 10_000) {
      await producer.send(input.records.slice(from, from + 10_000));
    }
    await producer.close();
    const total = input.records.length;
    const base = { brokers, snapshotEveryRecords: 10_000 };

    started = Date.now();
    const cleanChild = spawnRoleChild(childScript, { ...base, topics: clean, groupId: 'clean' }, say);
    await cleanChild.ready;
    await caughtUp(log, 'clean', topics.trades, 600_000);
    if ((await cleanChild.stop()) !== 0) throw new Error('the undisturbed processor did not stop cleanly');
    say(`undisturbed run over ${total} records: ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const child = spawnRoleChild(childScript, { ...base, topics, groupId: 'faulted' }, say);
    let exitedByItself = false;
    void child.exited.then(() => {
      exitedByItself = true;
    });
    await child.ready;
    let recoveryMs = 0;
    let downtimeMs = 0;
    let redWhileDown = true;
    for (let outage = 1; outage <= options.outages; outage++) {
      const target = (total * outage) / (options.outages + 1);
      while ((await committedTotal(log, 'faulted', topics.trades)) < target && !exitedByItself)
        await sleep(50);
      const red = child.healthBecomes('waiting', options.downtimeMs + 30_000);
      await kafka.kill();
      const killedAt = Date.now();
      say(`outage ${outage}: broker killed (kill -9)`);
      await sleep(options.downtimeMs);
      await kafka.start();
      const backAt = Date.now();
      // dead for downtimeMs, then starting until it answers: both count as down
      downtimeMs = Math.max(downtimeMs, backAt - killedAt);
      say(`outage ${outage}: broker back after ${backAt - killedAt} ms down`);
      // the processor notices when a commit fails: with the broker dead that happens during the outage or
      // just after it (kafkajs retries first), and it goes green again once its partitions are rebuilt
      const wentRed = await red.catch(() => null);
      if (wentRed === null) redWhileDown = false;
      const up = await child.healthBecomes('up', 120_000).catch(() => null);
      const recovered = up === null ? Number.POSITIVE_INFINITY : Math.max(0, up.at - backAt);
      recoveryMs = Math.max(recoveryMs, recovered);
      say(`outage ${outage}: processor up again ${recovered} ms after the broker`);
    }
    await caughtUp(log, 'faulted', topics.trades, 600_000);
    const exitedBeforeStop = exitedByItself;
    const code = await child.stop();

    const equal: Record<string, boolean> = {};
    let recordsCompared = 0;
    let duplicates = 0;
    for (const role of ROLES) {
      const expected = (await readAll(log, clean[role], 1500)).map((partition) => partition.map(recordImage));
      const actual = (await readAll(log, topics[role], 1500)).map((partition) => partition.map(recordImage));
      recordsCompared += expected.flat().length;
      equal[role] = isDeepStrictEqual(actual, expected);
      for (const partition of actual) duplicates += partition.length - new Set(partition).size;
      say(`${role}: ${expected.flat().length} records, ${equal[role] ? 'equal' : 'DIFFERENT'}`);
    }
    say(`duplicates: ${duplicates}; exited by itself: ${exitedBeforeStop}; stopped with exit code ${code}`);
    const pass =
      Object.values(equal).every(Boolean) &&
      duplicates === 0 &&
      redWhileDown &&
      !exitedBeforeStop &&
      code === 0 &&
      Number.isFinite(recoveryMs);
    return {
      fault: 'broker kill -9 + restart (processor)',
      downtimeMs,
      recoveryMs,
      recordsCompared,
      equal,
      duplicates,
      redWhileDown,
      exitedByItself: exitedBeforeStop,
      verdict: pass ? 'pass' : 'FAIL',
    };
  } finally {
    await log?.close().catch(() => {});
    await kafka.stop();
  }
}
