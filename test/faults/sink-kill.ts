import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createKafkaLog } from '../../pipeline/runtime/log/kafka-log.js';
import { committedTotal } from '../../pipeline/runtime/processor/testing/crash-harness.js';
import { topicNames } from '../../schemas/topics.js';
import type { FaultReport } from './broker-outage.js';
import { dropNamespace, producePaced, roleEnv, scratchDatabase } from './cli-role.js';
import { barImage, spawnSink, storedBars, xrpEthBars } from './postgres-outage.js';
import { freePort } from './private-services.js';
import type { RoleKillOptions } from './processor-kill.js';
import { evenKillPoints, killReport, pollReady, supervise } from './readiness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `nexural sink` SIGKILL under load, restarted by the harness as a supervisor would (same command, same
 * health port). The shared Kafka (a namespace of its own) and a scratch database on the shared TimescaleDB.
 * Real bars are produced at a steady pace throughout; the stored bars must equal the produced ones.
 */
export async function runSinkKill(
  options: RoleKillOptions & { readonly databaseUrl: string; readonly barsPerTick: number },
): Promise<FaultReport> {
  const { say } = options;
  const namespace = `sinkkill${randomUUID().slice(0, 8)}`;
  const log = createKafkaLog({ brokers: options.brokers, clientId: 'nexural-fault-harness' });
  const database = await scratchDatabase(options.databaseUrl, namespace);
  const env = roleEnv(options.brokers, database.url);
  const healthPort = await freePort();
  const ready = pollReady(`http://127.0.0.1:${healthPort}/ready`);
  const sink = supervise({
    ...options,
    ready,
    start: () => spawnSink(env, namespace, healthPort, say),
    progress: () => committedTotal(log, `${namespace}.sink`, topicNames(namespace).bars),
  });
  const client = new pg.Client({ connectionString: database.url });
  try {
    if ((await sink.current().readyUrl) === null) throw new Error('the sink exited while starting');
    const bars = xrpEthBars();
    const records = bars.map((bar) => ({
      topic: topicNames(namespace).bars,
      key: `${bar.venue}:${bar.symbol}`,
      value: Buffer.from(JSON.stringify(bar)),
    }));
    const due = evenKillPoints(records.length, options.kills);
    // the load goes on while the sink is dead and while it restarts
    await producePaced(log, records, options.barsPerTick, (sent) => {
      // one kill at a time: the next kill point counts once the restarted sink is green again
      if (!sink.busy() && due(sent)) void sink.kill();
    });
    await sink.settled();

    await client.connect();
    const deadline = Date.now() + 120_000;
    while ((await storedBars(client)).length < bars.length && Date.now() < deadline) await sleep(500);
    await sleep(1_000);
    const actual = await storedBars(client);
    const greenAtEnd = ready.samples.at(-1)?.ok === true;
    const expected = bars.map(barImage);
    const equal = actual.length === expected.length && actual.every((row, index) => row === expected[index]);
    say(`bars: ${expected.length} produced, ${actual.length} stored, ${equal ? 'equal' : 'DIFFERENT'}`);
    const code = await sink.stop();
    return killReport('sink SIGKILL + restart', sink, {
      ...options,
      code,
      greenAtEnd,
      equal: { bars: equal },
      duplicates: actual.length - new Set(actual).size,
      recordsCompared: expected.length,
      total: records.length,
    });
  } finally {
    await sink.abort();
    await ready.stop();
    await client.end().catch(() => {});
    await dropNamespace(log, namespace, [`${namespace}.sink`]);
    await log.close();
    await database.drop();
  }
}
