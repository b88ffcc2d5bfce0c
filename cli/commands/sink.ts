import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { type Logger, silentLogger } from '../../pipeline/runtime/logging/logger.js';
import { buildPipeline, type PipelineEnv } from '../../pipeline/runtime/wiring/build-pipeline.js';
import { startStoreSink } from '../../pipeline/runtime/wiring/store-sink.js';
import { openStore } from '../../pipeline/store/open-store.js';
import { type Env, parseEnv } from '../../schemas/env.js';
import { NexuralError } from '../../schemas/errors.js';
import { createRoleHealthRegistry } from '../../schemas/ports/role-health.js';
import { LIVE_NAMESPACE } from '../../schemas/topics.js';
import { commandLogger, logRoleState } from '../command-logger.js';
import { startRoleHealth } from '../role-health.js';
import { untilSignal } from '../until-signal.js';

export interface SinkOptions {
  readonly group?: string;
  readonly namespace?: string;
  /** serve GET /health and /ready here (0 = any free port); absent = no endpoint */
  readonly healthPort?: number;
}

type SinkEnv = PipelineEnv & Pick<Env, 'DATABASE_URL' | 'API_HOST' | 'NEXURAL_PARTITIONS'>;

/**
 * `nexural sink`: the store sink alone — derived topics (bars, indicator values, alert events) into the store —
 * until `signal` aborts; then it drains (writes what it holds, commits) and closes. Several instances share the
 * partitions through the consumer group.
 */
export async function runSink(
  options: SinkOptions,
  env: SinkEnv,
  output: Writable,
  signal: AbortSignal,
  logger: Logger = silentLogger(),
): Promise<void> {
  if (env.KAFKA_BROKERS === undefined) {
    throw new NexuralError(
      'NXR_CONFIG_INVALID',
      'nexural sink reads the derived topics from Kafka: set KAFKA_BROKERS (on the embedded log, `nexural serve` runs the sink in its own process)',
    );
  }
  const say = (line: string) => output.write(`${line}\n`);
  let failure: Error | null = null;
  const stop = new AbortController();
  const roles = createRoleHealthRegistry((role, state) => logRoleState(logger, role, state));
  const pipeline = await buildPipeline({
    env,
    namespace: options.namespace ?? LIVE_NAMESPACE,
    processor: { groupId: 'nexural-processor', engine: { bars: { intervals: ['1m'] }, indicators: [] } },
    onWarning: (message) => logger.warn(message),
  });
  const closers: (() => Promise<unknown>)[] = [() => pipeline.close()];
  try {
    // Every role creates the topics it reads (idempotent), so the roles can start in any order.
    await pipeline.createTopics(env.NEXURAL_PARTITIONS);
    const store = await openStore(env);
    closers.push(() => store.close());
    await store.migrate();
    const group = options.group ?? 'nexural-sink';
    const sink = await startStoreSink({
      pipeline,
      store,
      groupId: group,
      health: roles,
      onWarning: (message) => logger.warn(message),
      onError: (error) => {
        logger.error({ err: error }, `sink stopped: ${error.message}`);
        failure = error;
        stop.abort();
      },
    });
    closers.push(() => sink.close());
    const health =
      options.healthPort === undefined
        ? null
        : await startRoleHealth({
            role: 'sink',
            host: env.API_HOST,
            port: options.healthPort,
            roles,
            checks: [
              { name: 'stream-log', check: () => pipeline.log.admin.listTopics() },
              {
                name: 'store',
                check: async () => {
                  const result = await store.health();
                  if (!result.ok) throw new Error(result.error);
                },
              },
            ],
          });
    if (health) closers.push(() => health.close());
    const { topics } = pipeline;
    say(`nexural sink: ${pipeline.adapters.log} · ${store.adapter} store · group ${group}`);
    say(
      `  ${topics.bars}, ${topics.indicators}, ${topics.alerts} → store${health ? ` · health ${health.url}/ready` : ''}`,
    );
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      if (signal.aborted || stop.signal.aborted) return resolve();
      signal.addEventListener('abort', done, { once: true });
      stop.signal.addEventListener('abort', done, { once: true });
    });
    health?.draining();
    say('nexural sink: stopping (writing what it holds, committing)');
  } finally {
    for (const closer of closers.reverse())
      await closer().catch((error: unknown) => logger.warn({ err: error }, 'close failed'));
  }
  if (failure) throw failure;
}

export function registerSinkCommand(program: Command): void {
  program
    .command('sink')
    .description('the store sink alone: derived topics (Kafka) into TimescaleDB/PostgreSQL (or PGlite)')
    .option('--group <id>', 'consumer group shared by the sink instances', 'nexural-sink')
    .option('--namespace <name>', 'namespace of the derived topics', LIVE_NAMESPACE)
    .option('--health-port <n>', 'serve GET /health and /ready on this port (0 = any free port)')
    .action(async (options: { group: string; namespace: string; healthPort?: string }) => {
      const env = parseEnv(process.env);
      const logger = commandLogger('sink', env);
      await untilSignal((signal) =>
        runSink(
          {
            group: options.group,
            namespace: options.namespace,
            ...(options.healthPort === undefined ? {} : { healthPort: Number(options.healthPort) }),
          },
          env,
          process.stdout,
          signal,
          logger,
        ),
      );
      logger.info('stopped');
    });
}
