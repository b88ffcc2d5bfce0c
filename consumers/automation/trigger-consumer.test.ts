import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createInProcessFanout } from '../../pipeline/fanout/in-process-fanout.js';
import { createEmbeddedLog } from '../../pipeline/runtime/log/embedded-log.js';
import { sqlEffectLedgerStore } from '../../pipeline/store/sql-effect-ledger.js';
import { type AlertEvent, alertEventSchema } from '../../schemas/alert-event.js';
import { automationInputSchema, type Workflow } from '../../schemas/automation.js';
import { type StrategySignal, strategySignalSchema } from '../../schemas/strategy-signal.js';
import { type RunningConsumer, startConsumer } from '../consumer-runtime.js';
import { contractDecoders, contractTopics } from '../testing/contract-topics.js';
import { readRecordedStream } from '../testing/recorded-stream.js';
import { openAutomationOnPglite } from './testing/automation-on-pglite.js';
import { startHookReceiver } from './testing/hook-receiver.js';
import { automationTriggerConsumer } from './trigger-consumer.js';

async function until(done: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Real alerts of recorded Binance trades (consumers/testing/fixtures), made alice's. */
const alerts: AlertEvent[] = readRecordedStream()
  .filter((record) => record.input === 'alerts')
  .map((record) => ({ ...alertEventSchema.parse(JSON.parse(record.value)), owner: 'alice' }));
const fired = alerts.filter((alert) => alert.kind === 'fired');
const watchedRule = fired[0]?.ruleId ?? 'none';

const signal = (kind: 'entry' | 'exit', side: 'long' | 'short', minute: number): StrategySignal => {
  const open = Date.UTC(2024, 7, 9, 0, minute);
  return strategySignalSchema.parse({
    id: `strat-1:BTCUSDT:${open}:${kind}:${side}`,
    strategyId: 'strat-1',
    owner: 'alice',
    name: 'breakout',
    venue: 'binance',
    symbol: 'BTCUSDT',
    interval: '1m',
    kind,
    side,
    barOpenTime: open,
    barCloseTime: open + 59_999,
    signalOnly: true,
  });
};

const workflow = (id: string, owner: string, input: unknown): Workflow => ({
  ...automationInputSchema.parse(input),
  id,
  owner,
  secret: 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ=',
  createdAt: Date.now(),
});

describe('automation live triggers', () => {
  it('fired alerts (fan-out, resumed) and strategy signals start exactly one run per workflow and event, in their own group', async () => {
    expect(fired.length).toBeGreaterThanOrEqual(3);
    const { store, db, repository, jobs, runner } = await openAutomationOnPglite();
    await jobs.start();
    const receiver = await startHookReceiver(null);
    const log = createEmbeddedLog();
    const topics = contractTopics(randomUUID().slice(0, 8));
    await log.admin.createTopics(
      Object.values(topics).map((name) => ({ name, partitions: 1, compacted: false })),
    );
    const { decoders, deadLetters } = contractDecoders(topics);
    const fanout = createInProcessFanout();
    const consumer = automationTriggerConsumer({ repository, runner });
    const ports = {
      log,
      decoders,
      deadLetters,
      ledgers: sqlEffectLedgerStore(db),
      store,
      fanout,
      jobs,
      metrics: new Registry(),
      logger: { info: () => {}, warn: () => {}, error: () => {} },
    };
    const sendSignals = async (signals: readonly StrategySignal[]) => {
      const producer = await log.createProducer();
      await producer.send(
        signals.map((value) => ({
          topic: topics.strategySignals,
          key: `${value.venue}:${value.symbol}`,
          value: Buffer.from(JSON.stringify(value)),
          partition: 0,
        })),
      );
      await producer.close();
    };
    const post = (path: string, body = 'x') => ({
      kind: 'http',
      name: 'post',
      url: `${receiver.url}/${path}`,
      body,
    });
    await repository.create(
      workflow('wf-alert', 'alice', {
        name: 'a',
        trigger: { kind: 'alert', ruleIds: [watchedRule] },
        steps: [post('alert')],
      }),
    );
    await repository.create(
      workflow('wf-buy', 'alice', {
        name: 'b',
        trigger: { kind: 'signal', strategy: 'breakout', side: 'buy' },
        steps: [post('signal', '{{trigger.action}} {{trigger.kind}}')],
      }),
    );
    // bob's workflow never sees alice's alerts
    await repository.create(
      workflow('wf-bob', 'bob', { name: 'c', trigger: { kind: 'alert' }, steps: [post('bob')] }),
    );
    const half = Math.floor(alerts.length / 2);
    const expectedAlertRuns = (upTo: number) =>
      new Set(
        alerts
          .slice(0, upTo)
          .filter((a) => a.kind === 'fired' && a.ruleId === watchedRule)
          .map((a) => a.id),
      ).size;
    let running: RunningConsumer | null = null;
    const settledRuns = async (id: string, count: number) => {
      const runs = await repository.runs(id === 'wf-bob' ? 'bob' : 'alice', id, 1000);
      return runs.length === count && runs.every((run) => run.status === 'succeeded');
    };
    const groupId = `automation-triggers-${randomUUID()}`;
    try {
      for (const alert of alerts.slice(0, half)) await fanout.publish(alert);
      await sendSignals([signal('entry', 'long', 1), signal('exit', 'long', 5), signal('entry', 'long', 1)]);
      running = await startConsumer(consumer, ports, { groupId });
      await until(() => settledRuns('wf-alert', expectedAlertRuns(half)), 'the alert runs of the first half');
      await until(
        () => settledRuns('wf-buy', 1),
        'one buy run (the exit long is a sell; the repeat is the same event)',
      );
      await running.close();
      running = null;

      // while it is down: the second half of the alerts, the first half again (dropped by the fan-out's ids),
      // a short entry (a sell) and an exit short (a buy) — and the first buy signal once more
      for (const alert of alerts) await fanout.publish(alert);
      await sendSignals([
        signal('entry', 'short', 9),
        signal('exit', 'short', 12),
        signal('entry', 'long', 1),
      ]);
      running = await startConsumer(consumer, ports, { groupId });
      await until(
        () => settledRuns('wf-alert', expectedAlertRuns(alerts.length)),
        'every matching alert run',
      );
      await until(() => settledRuns('wf-buy', 2), 'two buy runs');

      const alertRuns = await repository.runs('alice', 'wf-alert', 1000);
      expect(alertRuns.map((run) => run.event.id).sort()).toEqual(
        [...new Set(fired.filter((a) => a.ruleId === watchedRule).map((a) => `alert.${a.id}`))].sort(),
      );
      const buyRuns = await repository.runs('alice', 'wf-buy', 10);
      expect(buyRuns.map((run) => run.event.fields.kind).sort()).toEqual(['entry', 'exit']);
      expect(await repository.runs('bob', 'wf-bob', 10)).toEqual([]);
      // one delivery per run at the receiver
      expect(receiver.received.filter((hook) => hook.path === '/alert')).toHaveLength(alertRuns.length);
      expect(
        receiver.received
          .filter((hook) => hook.path === '/signal')
          .map((hook) => hook.body)
          .sort(),
      ).toEqual(['buy entry', 'buy exit']);
      expect(receiver.received.filter((hook) => hook.path === '/bob')).toHaveLength(0);
      expect(await ports.ledgers.forConsumer(consumer.name).position('alertsLive')).not.toBeNull();
    } finally {
      await (running as RunningConsumer | null)?.close();
      await jobs.close();
      await receiver.close();
      await fanout.close();
      await store.close();
    }
  }, 240_000);
});
