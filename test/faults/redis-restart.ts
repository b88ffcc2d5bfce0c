import { isDeepStrictEqual } from 'node:util';
import { Redis } from 'ioredis';
import { compareDeliveryIds } from '../../pipeline/fanout/delivery-id.js';
import {
  createLogDeliveryJournal,
  deliveryJournalTopicSpec,
} from '../../pipeline/fanout/log-delivery-journal.js';
import { reportRedisErrors } from '../../pipeline/fanout/redis-connection-errors.js';
import { createRedisFanout } from '../../pipeline/fanout/redis-fanout.js';
import { createEmbeddedLog } from '../../pipeline/runtime/log/embedded-log.js';
import { createProcessor } from '../../pipeline/runtime/processor/processor.js';
import {
  crashEngine,
  crashInput,
  crashRules,
} from '../../pipeline/runtime/processor/testing/crash-harness.js';
import {
  caughtUp,
  jsonSerdes,
  readAll,
  testTopics,
  topicSpecs,
} from '../../pipeline/runtime/processor/testing/processor-test-kit.js';
import type { AlertEvent } from '../../schemas/alert-event.js';
import type { AlertDelivery, AlertFanout } from '../../schemas/ports/alert-fanout.js';
import { createRoleHealthRegistry } from '../../schemas/ports/role-health.js';
import { alertDeliveriesTopic } from '../../schemas/topics.js';
import type { FaultReport } from './broker-outage.js';
import { privateRedis } from './private-services.js';

export interface RedisRestartOptions {
  /** copies of the real trade series (55,732 trades each); half before the restart, half after */
  readonly rounds: number;
  /** how long Redis stays dead */
  readonly downtimeMs: number;
  readonly say: (line: string) => void;
}

export interface RedisRestartReport extends FaultReport {
  /** alerts the restarted processor published again and the fan-out recognised (not delivered) */
  readonly republished: number;
  /** warnings printed by the fan-out (outage, recovery, rebuild) */
  readonly warnings: readonly string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const until = async (condition: () => boolean, what: string, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
};
/** Waits for `condition` at most `ms`; what it then finds is compared, not thrown. */
const settle = async (condition: () => boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await sleep(10);
};
const duplicatesOf = (ids: readonly string[]) => ids.length - new Set(ids).size;

/**
 * Redis kill -9 and restart (it comes back empty: no persistence) under the alert fan-out, between two
 * processor runs over real trades (a private Redis: the shared one is never touched). A subscriber stays
 * connected throughout; a client "saw" up to the middle delivery before the restart and resumes after it.
 * The restarted processor re-publishes its last committed batch's alerts, as after any restart.
 */
export async function runRedisRestart(options: RedisRestartOptions): Promise<RedisRestartReport> {
  const { say } = options;
  const redis = await privateRedis();
  const log = createEmbeddedLog();
  const topics = testTopics();
  const journalTopic = alertDeliveriesTopic(topics);
  const journal = createLogDeliveryJournal(log, journalTopic);
  const roles = createRoleHealthRegistry();
  const warnings: string[] = [];
  const warn = (line: string) => {
    warnings.push(line);
    say(line);
  };
  const client = new Redis(redis.address, { lazyConnect: true, retryStrategy: () => 100 });
  const closers: (() => Promise<unknown>)[] = [];
  try {
    await redis.start();
    reportRedisErrors(client, { name: 'alert fan-out', warn, health: { reporter: roles, role: 'fanout' } });
    await client.connect();
    await log.admin.createTopics([...topicSpecs(topics, 3), deliveryJournalTopicSpec(journalTopic)]);
    const producer = await log.createProducer();
    await producer.send(
      crashRules.map((rule) => ({
        topic: topics.alertRules,
        key: rule.id,
        value: Buffer.from(JSON.stringify(rule)),
      })),
    );
    const fanout = createRedisFanout(client, { journal, onWarning: warn });
    closers.push(() => fanout.close());
    let republished = 0;
    const counted: AlertFanout = {
      ...fanout,
      publish: async (event) => {
        const id = await fanout.publish(event);
        if (id === null) republished += 1;
        return id;
      },
    };
    const live: AlertDelivery[] = [];
    await fanout.subscribe({ kind: 'all' }, (delivery) => live.push(delivery));

    const groupId = `${topics.trades}.group`;
    const runProcessor = async () => {
      const processor = createProcessor({
        log,
        topics,
        serdes: jsonSerdes(topics),
        fanout: counted,
        config: { groupId, engine: crashEngine },
        onError: (error) => say(`processor: ${error.message}`),
      });
      closers.push(() => processor.close());
      await processor.start();
      await caughtUp(log, groupId, topics.trades, 120_000);
      return processor;
    };
    const alertIds = async () =>
      (await readAll(log, topics.alerts, 300))
        .flat()
        .map((record) => (JSON.parse(record.value?.toString('utf8') ?? '{}') as AlertEvent).id);

    const { records } = crashInput(topics.trades, options.rounds);
    const half = Math.floor(records.length / 2);
    await producer.send(records.slice(0, half));
    const first = await runProcessor();
    const before = await alertIds();
    await until(() => live.length >= before.length, `${before.length} alerts delivered live`);
    await first.close();
    const seen = live[Math.floor(live.length / 2)];
    if (seen === undefined) throw new Error('no alert fired before the restart');
    say(`${live.length} alerts delivered before the restart; a client saw up to ${seen.id}`);

    await redis.kill();
    const killedAt = Date.now();
    await sleep(options.downtimeMs);
    const redWhileDown = roles.roles().get('fanout')?.status === 'waiting';
    await redis.start();
    const backAt = Date.now();
    await until(() => roles.roles().get('fanout')?.status === 'up', 'the fan-out role up again');
    // the rebuild runs on the 'ready' event; the history read below waits for it in any case
    const history = await fanout.history({ kind: 'all' }, null, 1);
    const recoveryMs = Date.now() - backAt;
    say(`Redis down ${backAt - killedAt} ms; fan-out up and its history back ${recoveryMs} ms later`);

    await producer.send(records.slice(half));
    await runProcessor();
    const all = await alertIds();
    await settle(() => new Set(live.map((d) => d.event.id)).size >= new Set(all).size, 10_000);
    const resumed: AlertDelivery[] = [];
    await fanout.subscribe({ kind: 'all' }, (delivery) => resumed.push(delivery), { resumeAfter: seen.id });
    const expected = live.filter((delivery) => compareDeliveryIds(delivery.id, seen.id) > 0);
    await settle(() => resumed.length >= expected.length, 10_000);
    await sleep(200);
    say(
      `${all.length} alerts in the topic, ${live.length} delivered live, ${republished} re-published and recognised, ${resumed.length} on the resume`,
    );

    const liveIds = live.map((delivery) => delivery.event.id);
    const equal = {
      'live: every alert of the topic, once':
        duplicatesOf(liveIds) === 0 && new Set(liveIds).size === new Set(all).size,
      'resume: exactly the deliveries after the id seen': isDeepStrictEqual(resumed, expected),
      'history rebuilt with the same ids': history[0]?.id === live[0]?.id,
    };
    const duplicates = duplicatesOf(liveIds) + duplicatesOf(resumed.map((delivery) => delivery.event.id));
    const pass = Object.values(equal).every(Boolean) && duplicates === 0 && redWhileDown && republished > 0;
    return {
      fault: 'Redis kill -9 + restart (alert fan-out)',
      downtimeMs: backAt - killedAt,
      recoveryMs,
      recordsCompared: live.length + resumed.length,
      equal,
      duplicates,
      redWhileDown,
      exitedByItself: false,
      verdict: pass ? 'pass' : 'FAIL',
      republished,
      warnings,
    };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
    await journal.close().catch(() => {});
    client.disconnect();
    await log.close();
    await redis.stop();
  }
}
