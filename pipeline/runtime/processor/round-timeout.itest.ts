import { describe, expect, it } from 'vitest';
import { kafkaBrokers } from '../../../test/stack-env.js';
import { createPlatformaticLog } from '../log/platformatic-log.js';
import { createProcessor, SHARED_TRANSACTION_TIMEOUT_MS } from './processor.js';
import { compareDerived, crashEngine, crashInput, crashRules } from './testing/crash-harness.js';
import { observedLog } from './testing/observed-log.js';
import { caughtUp, derivedOf, jsonSerdes, testTopics, topicSpecs } from './testing/processor-test-kit.js';

const PARTITIONS = 3;
/** the broker looks for timed-out transactions every 10 s (transaction.abort.timed.out.transaction.cleanup.interval.ms) */
const BROKER_ABORT_CHECK_MS = 10_000;

describe('shared transactions on Kafka (platformatic): a round the broker timed out', () => {
  it('fails with NXR_TIMEOUT, not NXR_FENCED: the live processor rebuilds the round’s partitions and goes on, and the derived topics equal a clean run, without duplicates', async () => {
    const brokers = kafkaBrokers();
    const harness = createPlatformaticLog({ brokers, clientId: 'nexural-round-timeout-harness' });
    const processorLog = observedLog(createPlatformaticLog({ brokers, clientId: 'nexural-round-timeout' }));
    const topics = testTopics();
    const clean = derivedOf(topics, 'clean');
    const group = `${topics.trades}.group`;
    const cleanGroup = `${topics.trades}.clean`;
    const { records } = crashInput(topics.trades, 1);
    const producer = await harness.createProducer();
    const send = async (from: number, to: number) => {
      for (let at = from; at < to; at += 10_000) {
        await producer.send(records.slice(at, Math.min(to, at + 10_000)));
      }
    };
    const start = (
      log: typeof harness,
      derived: typeof topics,
      groupId: string,
      extra: { readonly instanceId?: string } = {},
    ) => {
      const errors: Error[] = [];
      const warnings: string[] = [];
      const processor = createProcessor({
        log,
        topics: derived,
        serdes: jsonSerdes(derived),
        fanout: null,
        rebuildDelayMs: { first: 250, max: 2_000 },
        // rounds 2 s apart: the held round holds every partition's work
        config: {
          groupId,
          engine: crashEngine,
          snapshotEveryRecords: 5_000,
          commitIntervalMs: 2_000,
          ...extra,
        },
        onError: (error) => errors.push(error),
        onWarning: (message) => warnings.push(message),
      });
      return { processor, errors, warnings };
    };
    const live = start(processorLog.log, topics, group);
    try {
      const specs = [...topicSpecs(topics, PARTITIONS), ...topicSpecs(clean, PARTITIONS)];
      await harness.admin.createTopics([...new Map(specs.map((spec) => [spec.name, spec])).values()]);
      await producer.send(
        crashRules.map((rule) => ({
          topic: topics.alertRules,
          key: rule.id,
          value: Buffer.from(JSON.stringify(rule)),
        })),
      );
      const half = Math.floor(records.length / 2);
      await send(0, half);
      await live.processor.start();
      expect(live.processor.transactions).toBe('shared');
      await caughtUp(harness, group, topics.trades, 120_000);

      const held = processorLog.hold('commit', PARTITIONS);
      await send(half, Math.floor(records.length * 0.8));
      await held.held;
      // past the round's timeout and the broker's next look for timed-out transactions
      await new Promise((resolve) =>
        setTimeout(resolve, SHARED_TRANSACTION_TIMEOUT_MS + BROKER_ABORT_CHECK_MS + 2_000),
      );
      held.release();
      const outcome = await held.outcome;
      expect(outcome).toMatchObject({ kind: 'refused', step: 'commit', error: { code: 'NXR_TIMEOUT' } });

      await send(Math.floor(records.length * 0.8), records.length);
      await caughtUp(harness, group, topics.trades, 120_000);
      console.log(
        `round-timeout: ${outcome.kind === 'refused' ? outcome.error.message : 'committed'}; rebuilds ${live.processor.stats.rebuilds}; warnings ${JSON.stringify(live.warnings)}`,
      );
      await live.processor.close();
      expect(live.errors).toEqual([]);
      expect(live.processor.stats.rebuilds).toBe(PARTITIONS);

      const reference = start(harness, clean, cleanGroup);
      await reference.processor.start();
      await caughtUp(harness, cleanGroup, topics.trades, 120_000);
      await reference.processor.close();
      expect(reference.errors).toEqual([]);
      const compared = await compareDerived(harness, clean, topics, (line) => console.log(line));
      expect(compared.equal).toEqual({
        bars: true,
        barsFinal: true,
        indicators: true,
        alerts: true,
        deadLetters: true,
      });
      expect(compared.duplicates).toBe(0);
    } finally {
      await live.processor.close().catch(() => {});
      await producer.close();
      await harness.admin.deleteGroups([group, cleanGroup]).catch(() => {});
      await harness.admin
        .deleteTopics([...new Set([...Object.values(topics), ...Object.values(clean)])])
        .catch(() => {});
      await processorLog.log.close();
      await harness.close();
    }
  }, 300_000);

  it('two processors with one instance id: the one whose id was taken over fails with NXR_FENCED naming the id (its re-registration refused), the other goes on', async () => {
    const brokers = kafkaBrokers();
    const harness = createPlatformaticLog({ brokers, clientId: 'nexural-same-id-harness' });
    const logs = [0, 1].map((n) => createPlatformaticLog({ brokers, clientId: `nexural-same-id-${n}` }));
    const topics = testTopics();
    const group = `${topics.trades}.group`;
    const { records } = crashInput(topics.trades, 1);
    const producer = await harness.createProducer();
    const started = logs.map((log) => {
      const errors: Error[] = [];
      const processor = createProcessor({
        log,
        topics,
        serdes: jsonSerdes(topics),
        fanout: null,
        config: { groupId: group, engine: crashEngine, instanceId: 'same' },
        onError: (error) => errors.push(error),
      });
      return { processor, errors };
    });
    const [first, second] = started;
    if (first === undefined || second === undefined) throw new Error('two processors');
    try {
      await harness.admin.createTopics(topicSpecs(topics, PARTITIONS));
      await producer.send(records.slice(0, 10_000));
      await first.processor.start();
      await caughtUp(harness, group, topics.trades, 120_000);
      // the second one's producer takes the transactional id over at its start
      await second.processor.start();
      for (let at = 10_000; at < records.length; at += 10_000) {
        await producer.send(records.slice(at, Math.min(records.length, at + 10_000)));
      }
      const deadline = Date.now() + 120_000;
      while (first.errors.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(first.errors[0]).toMatchObject({ code: 'NXR_FENCED' });
      expect(String(first.errors[0])).toContain('each processor needs its own instance id');
      expect(second.errors).toEqual([]);
    } finally {
      for (const { processor } of started) await processor.close().catch(() => {});
      await producer.close();
      await harness.admin.deleteGroups([group]).catch(() => {});
      await harness.admin.deleteTopics(Object.values(topics)).catch(() => {});
      for (const log of logs) await log.close();
      await harness.close();
    }
  }, 300_000);
});
