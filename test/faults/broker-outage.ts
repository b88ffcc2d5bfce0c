import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
  type TestTopics,
  testTopics,
} from '../../pipeline/runtime/processor/testing/processor-test-kit.js';
import { processorTransactions } from '../../pipeline/runtime/processor/testing/processor-transactions.js';
import type { StreamLog } from '../../schemas/ports/stream-log.js';
import { abortedRecords } from './aborted-records.js';
import { freePort, type PrivateKafka, privateKafka } from './private-services.js';
import { pollReady } from './readiness.js';

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
  /** its /ready (over HTTP) answered red during every outage */
  readonly redWhileDown: boolean;
  /** the role process exited by itself (it must not) */
  readonly exitedByItself: boolean;
  /**
   * where each fault landed: the role's committed input records right after it (the broker case: the last
   * reading before the kill, the broker being dead after it), of `total`
   */
  readonly faultsAt?: { readonly done: readonly number[]; readonly total: number };
  readonly verdict: 'pass' | 'FAIL';
}

/**
 * Broker kill -9 and restart under a running processor (a private broker: the shared one is never
 * touched). An undisturbed run over the same input first, then a run during which the broker dies
 * `outages` times for `downtimeMs`, with nobody restarting the processor. Compares the derived topics.
 */
export async function runBrokerOutage(options: BrokerOutageOptions): Promise<FaultReport> {
  const kafka = await privateKafka();
  let log: StreamLog | null = null;
  let keep = false;
  const topics = testTopics('brokerfault');
  // a restore waiting for a progress record: what the broker holds open right then
  let lastDiagnosis = 0;
  const say = (line: string) => {
    options.say(line);
    if (!line.includes('for the progress record') || Date.now() - lastDiagnosis < 20_000) return;
    lastDiagnosis = Date.now();
    void describeTransactions(kafka, topics, options.partitions, options.say);
  };
  try {
    let started = Date.now();
    await kafka.start();
    say(`private broker ${kafka.address} up in ${Date.now() - started} ms (pid ${kafka.pid()})`);
    const brokers = [kafka.address];
    log = createKafkaLog({ brokers, clientId: 'nexural-fault-harness' });
    const clean = derivedOf(topics, 'clean');
    const input = await seedCrashTopics(log, topics, clean, options.partitions, options.rounds);
    const total = input.records.length;
    const base = { brokers, snapshotEveryRecords: 10_000, sessionTimeoutMs: 10_000 };

    started = Date.now();
    await runToEnd(
      log,
      { ...base, ...processorTransactions('clean'), topics: clean, groupId: 'clean' },
      topics.trades,
      say,
    );
    say(`undisturbed run over ${total} records: ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const healthPort = await freePort();
    const child = spawnCrashChild(
      { ...base, ...processorTransactions('faulted'), topics, groupId: 'faulted', healthPort },
      say,
    );
    const ready = pollReady(`http://127.0.0.1:${healthPort}/ready`);
    let exitedByItself = false;
    void child.exited.then(() => {
      exitedByItself = true;
    });
    await child.ready;
    let recoveryMs = 0;
    let downtimeMs = 0;
    let redWhileDown = true;
    const faultsAt: number[] = [];
    for (let outage = 1; outage <= options.outages; outage++) {
      const target = (total * outage) / (options.outages + 1);
      let committed = 0;
      for (;;) {
        committed = await committedTotal(log, 'faulted', topics.trades);
        if (committed >= target || exitedByItself) break;
        await sleep(50);
      }
      // settled at once: a slow broker start (30 s+ under load) would otherwise leave its timeout unhandled
      const red = child.healthBecomes('waiting', options.downtimeMs + 30_000).catch(() => null);
      await kafka.kill();
      const killedAt = Date.now();
      faultsAt.push(committed);
      say(`outage ${outage}: broker killed (kill -9) at ${committed} of ${total} committed`);
      await sleep(options.downtimeMs);
      await kafka.start();
      const backAt = Date.now();
      // dead for downtimeMs, then starting until it answers: both count as down
      downtimeMs = Math.max(downtimeMs, backAt - killedAt);
      say(`outage ${outage}: broker back after ${backAt - killedAt} ms down`);
      // the processor notices when a commit fails: with the broker dead that happens during the outage or
      // just after it (kafkajs retries first), and it goes green again once its partitions are rebuilt
      const wentRed = await red;
      const up = wentRed === null ? null : await child.healthBecomes('up', 120_000).catch(() => null);
      const greenAt = up === null ? null : await ready.greenFrom(up.at, 10_000);
      const redSamples = ready.redBetween(killedAt, greenAt ?? Date.now());
      if (redSamples === 0) redWhileDown = false;
      say(`outage ${outage}: /ready red ${redSamples} samples (polled over HTTP)`);
      const recovered = greenAt === null ? Number.POSITIVE_INFINITY : Math.max(0, greenAt - backAt);
      recoveryMs = Math.max(recoveryMs, recovered);
      say(`outage ${outage}: processor up again ${recovered} ms after the broker`);
    }
    await caughtUp(log, 'faulted', topics.trades, 600_000);
    const exitedBeforeStop = exitedByItself;
    const code = await child.stop();
    await ready.stop();

    const { records, equal, duplicates } = await compareDerived(log, clean, topics, say);
    const recordsCompared = Object.values(records).reduce((sum, count) => sum + count, 0);
    say(`duplicates: ${duplicates}; exited by itself: ${exitedBeforeStop}; stopped with exit code ${code}`);
    const pass =
      Object.values(equal).every(Boolean) &&
      duplicates === 0 &&
      redWhileDown &&
      !exitedBeforeStop &&
      code === 0 &&
      Number.isFinite(recoveryMs);
    if (!pass) {
      keep = true;
      await describeTransactions(kafka, topics, options.partitions, say);
      await describeAborted(kafka, topics, say);
    }
    return {
      fault: 'broker kill -9 + restart (processor)',
      downtimeMs,
      recoveryMs,
      recordsCompared,
      equal,
      duplicates,
      redWhileDown,
      exitedByItself: exitedBeforeStop,
      faultsAt: { done: faultsAt, total },
      verdict: pass ? 'pass' : 'FAIL',
    };
  } catch (error) {
    keep = true;
    throw error;
  } finally {
    await log?.close().catch(() => {});
    await kafka.stop(keep);
    if (keep) {
      say(`private broker's data and log kept in ${kafka.dir} (kafka.log)`);
      // the coordinator completing a transaction without some of its markers leaves it hanging there
      const brokerLog = readFileSync(join(kafka.dir, 'kafka.log'), 'utf8');
      for (const line of brokerLog.split('\n')) {
        if (line.includes("Couldn't find leader endpoint")) say(`  broker log: ${line.slice(0, 400)}`);
      }
    }
  }
}

/**
 * The faulted run's aborted records per derived partition, and how many of them no committed record has:
 * a round re-processed silently after its abort leaves them missing once, one re-emitted and aborted again
 * twice (the long case's second failure, test/faults/README.md).
 */
async function describeAborted(kafka: PrivateKafka, topics: TestTopics, say: (line: string) => void) {
  for (const role of ['bars', 'barsFinal', 'indicators', 'alerts', 'deadLetters'] as const) {
    try {
      for (const found of await abortedRecords([kafka.address], topics[role])) {
        if (found.aborted === 0) continue;
        say(
          `  aborted: ${found.topic}/${found.partition} ${found.aborted} records, ${found.missing} of them missing from the committed (${found.missingTwice} aborted twice or more)`,
        );
      }
    } catch (error) {
      say(`  aborted: ${topics[role]} not read (${String(error)})`);
    }
  }
}

/** The broker's open transactions, and the derived and state topics' end vs last stable offsets. */
async function describeTransactions(
  kafka: PrivateKafka,
  topics: TestTopics,
  partitions: number,
  say: (line: string) => void,
) {
  const named = [topics.processorState, topics.bars, topics.alerts];
  const text = await kafka.transactionState(named, partitions);
  // the admin client's own INFO logging (config dump, metrics) is left out
  for (const line of text.trimEnd().split('\n')) {
    if (!/^(\[|\s)/.test(line)) say(`  broker: ${line}`);
  }
}
