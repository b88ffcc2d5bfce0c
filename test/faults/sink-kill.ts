import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createKafkaLog } from '../../pipeline/runtime/log/kafka-log.js';
import { topicNames } from '../../schemas/topics.js';
import type { FaultReport } from './broker-outage.js';
import { type CliRole, scratchDatabase } from './cli-role.js';
import { barImage, spawnSink, storedBars, xrpEthBars } from './postgres-outage.js';
import { freePort } from './private-services.js';
import type { RoleKillOptions } from './processor-kill.js';
import { type KillOutcome, killAndRestart, pollReady } from './readiness.js';

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
  const topics = topicNames(namespace);
  const log = createKafkaLog({ brokers: options.brokers, clientId: 'nexural-fault-harness' });
  const database = await scratchDatabase(options.databaseUrl, namespace);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_BROKERS: options.brokers.join(','),
    DATABASE_URL: database.url,
    NEXURAL_PARTITIONS: '2',
    API_HOST: '127.0.0.1',
  };
  delete env.SCHEMA_REGISTRY_URL;
  delete env.REDIS_URL;
  const healthPort = await freePort();
  const ready = pollReady(`http://127.0.0.1:${healthPort}/ready`);
  let sink: CliRole = spawnSink(env, namespace, healthPort, say);
  const client = new pg.Client({ connectionString: database.url });
  try {
    if ((await sink.readyUrl) === null) throw new Error('the sink exited while starting');
    let exitedByItself = false;
    const bars = xrpEthBars();
    const producer = await log.createProducer();
    const outcomes: KillOutcome[] = [];
    let killing: Promise<void> = Promise.resolve();
    let kills = 0;
    for (let from = 0; from < bars.length; from += options.barsPerTick) {
      await producer.send(
        bars.slice(from, from + options.barsPerTick).map((bar) => ({
          topic: topics.bars,
          key: `${bar.venue}:${bar.symbol}`,
          value: Buffer.from(JSON.stringify(bar)),
        })),
      );
      if (kills < options.kills && from >= (bars.length * (kills + 1)) / (options.kills + 1)) {
        kills += 1;
        say(`kill ${kills} after ${from} bars produced`);
        await killing;
        if (sink.process.exitCode !== null) exitedByItself = true;
        const killed = sink;
        // the load goes on while the sink is dead and while it restarts
        killing = killAndRestart({
          kill: () => killed.kill(),
          restart: () => spawnSink(env, namespace, healthPort, say),
          ready,
          restartDelayMs: options.restartDelayMs,
          boundMs: options.boundMs,
          say,
        }).then(({ outcome, restarted }) => {
          outcomes.push(outcome);
          sink = restarted;
        });
      }
      await sleep(250);
    }
    await producer.close();
    await killing;

    await client.connect();
    const deadline = Date.now() + 120_000;
    while ((await storedBars(client)).length < bars.length && Date.now() < deadline) await sleep(500);
    const actual = await storedBars(client);
    await sleep(1_000);
    const greenAtEnd = ready.samples.at(-1)?.ok === true;
    const expected = bars.map(barImage);
    const equal = actual.length === expected.length && actual.every((row, index) => row === expected[index]);
    say(`bars: ${expected.length} produced, ${actual.length} stored, ${equal ? 'equal' : 'DIFFERENT'}`);
    if (sink.process.exitCode !== null) exitedByItself = true;
    const code = await sink.stop();
    const recoveryMs = Math.max(0, ...outcomes.map((outcome) => outcome.recoveryMs));
    const redWhileDown =
      outcomes.length === options.kills && outcomes.every((outcome) => outcome.redSamples > 0);
    const pass =
      equal && redWhileDown && greenAtEnd && !exitedByItself && code === 0 && recoveryMs <= options.boundMs;
    return {
      fault: 'sink SIGKILL + restart',
      downtimeMs: Math.max(0, ...outcomes.map((outcome) => outcome.downtimeMs)),
      recoveryMs,
      recordsCompared: expected.length,
      equal: { bars: equal },
      duplicates: actual.length - new Set(actual).size,
      redWhileDown,
      exitedByItself,
      verdict: pass ? 'pass' : 'FAIL',
    };
  } finally {
    await sink.kill();
    await ready.stop();
    await client.end().catch(() => {});
    await log.admin.deleteGroups([`${namespace}.sink`]).catch(() => {});
    await log.admin
      // only this run's derived topics: the raw topics are shared with everyone
      .deleteTopics(Object.values(topics).filter((name) => name.includes(`.run.${namespace}.`)))
      .catch(() => {});
    await log.close();
    await database.drop();
  }
}
