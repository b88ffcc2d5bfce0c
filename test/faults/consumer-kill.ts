import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { consumerGroupId } from '../../consumers/define-consumer.js';
import { readRecordedStream } from '../../consumers/testing/recorded-stream.js';
import { createKafkaLog } from '../../pipeline/runtime/log/kafka-log.js';
import { committedTotal } from '../../pipeline/runtime/processor/testing/crash-harness.js';
import { caughtUp } from '../../pipeline/runtime/processor/testing/processor-test-kit.js';
import type { OutgoingRecord } from '../../schemas/ports/stream-log.js';
import { topicNames } from '../../schemas/topics.js';
import type { FaultReport } from './broker-outage.js';
import { dropNamespace, producePaced, roleEnv, scratchDatabase, spawnCliRole } from './cli-role.js';
import { freePort } from './private-services.js';
import type { RoleKillOptions } from './processor-kill.js';
import { evenKillPoints, killReport, pollReady, supervise } from './readiness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The recorded real alert events (22 fired), `rounds` times over, each round with ids of its own. */
function alertInput(topic: string, rounds: number): OutgoingRecord[] {
  const alerts = readRecordedStream().filter((record) => record.input === 'alerts');
  return Array.from({ length: rounds }, (_, round) =>
    alerts.map((record) => {
      const event = JSON.parse(record.value) as { id: string };
      return {
        topic,
        key: record.key,
        value: Buffer.from(JSON.stringify({ ...event, id: `${event.id}:r${round}` })),
      };
    }),
  ).flat();
}

/** Effect keys by alert key (venue:symbol), in order: what an undisturbed alert-log run appends. */
function effectsByKey(lines: readonly { effectKey: string; symbol: string }[]): Record<string, string[]> {
  const byKey: Record<string, string[]> = {};
  for (const line of lines) byKey[line.symbol] = [...(byKey[line.symbol] ?? []), line.effectKey];
  return byKey;
}

/**
 * `nexural consumers run alert-log` SIGKILL under load, restarted by the harness as a supervisor would (same
 * command, same health port). The shared Kafka (a namespace of its own) and a scratch database on the shared
 * TimescaleDB for the effect ledger. The effect log (the alert-log file) must hold every fired alert once,
 * in the order of its key, as an undisturbed run appends them.
 */
export async function runConsumerKill(
  options: RoleKillOptions & {
    readonly databaseUrl: string;
    readonly rounds: number;
    readonly alertsPerTick: number;
  },
): Promise<FaultReport> {
  const { say } = options;
  const namespace = `conskill${randomUUID().slice(0, 8)}`;
  const topics = topicNames(namespace);
  const groupId = `${consumerGroupId('alert-log')}.${namespace}`;
  const log = createKafkaLog({ brokers: options.brokers, clientId: 'nexural-fault-harness' });
  // `consumers run` expects a migrated database (the effect ledger, sql/0007)
  const database = await scratchDatabase(options.databaseUrl, namespace, { migrate: true });
  const folder = mkdtempSync(join(tmpdir(), 'nexural-consumer-kill-'));
  const effectLog = join(folder, 'alert-log.jsonl');
  const env = roleEnv(options.brokers, database.url);
  const healthPort = await freePort();
  const args = [
    ...['consumers', 'run', 'alert-log', '--namespace', namespace, '--health-port', String(healthPort)],
    ...['--config', `alert-log=${JSON.stringify({ path: effectLog })}`],
  ];
  const ready = pollReady(`http://127.0.0.1:${healthPort}/ready`);
  const consumer = supervise({
    ...options,
    ready,
    start: () => spawnCliRole(args, env, 'consumers', say),
    progress: () => committedTotal(log, groupId, topics.alerts),
  });
  try {
    if ((await consumer.current().readyUrl) === null) throw new Error('the consumer exited while starting');
    const input = alertInput(topics.alerts, options.rounds);
    const due = evenKillPoints(input.length, options.kills);
    // the load goes on while the consumer is dead and while it restarts
    await producePaced(log, input, options.alertsPerTick, (sent) => {
      // one kill at a time: the next kill point counts once the restarted consumer is green again
      if (!consumer.busy() && due(sent)) void consumer.kill();
    });
    await consumer.settled();
    await caughtUp(log, groupId, topics.alerts, 120_000);
    await sleep(1_000);
    const greenAtEnd = ready.samples.at(-1)?.ok === true;

    const lines = readFileSync(effectLog, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as { effectKey: string; symbol: string });
    const expected = effectsByKey(
      input.map((record) => {
        const event = JSON.parse(String(record.value)) as { id: string; venue: string; symbol: string };
        return { effectKey: `alert:${event.id}`, symbol: `${event.venue}:${event.symbol}` };
      }),
    );
    const equal = isDeepStrictEqual(effectsByKey(lines), expected);
    const duplicates = lines.length - new Set(lines.map((line) => line.effectKey)).size;
    say(`effect log: ${input.length} alerts, ${lines.length} appended, ${equal ? 'equal' : 'DIFFERENT'}`);
    const code = await consumer.stop();
    return killReport('consumer SIGKILL + restart (alert-log)', consumer, {
      ...options,
      code,
      greenAtEnd,
      equal: { effects: equal },
      duplicates,
      recordsCompared: input.length,
      total: input.length,
    });
  } finally {
    await consumer.abort();
    await ready.stop();
    await dropNamespace(log, namespace, [groupId]);
    await log.close();
    await database.drop();
    rmSync(folder, { recursive: true, force: true });
  }
}
