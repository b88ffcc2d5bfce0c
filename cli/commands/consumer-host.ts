import type { Registry } from 'prom-client';
import { type ConsumerPorts, type RunningConsumer, startConsumer } from '../../consumers/consumer-runtime.js';
import {
  type AnyConsumerDefinition,
  type ConsumerLogger,
  consumerGroupId,
} from '../../consumers/define-consumer.js';
import { type RestartPolicy, superviseConsumer } from '../../consumers/supervise-consumer.js';
import { createJsonSerde } from '../../pipeline/runtime/serdes/record-serde.js';
import type { Pipeline } from '../../pipeline/runtime/wiring/build-pipeline.js';
import { type LedgerQueries, sqlEffectLedgerStore } from '../../pipeline/store/sql-effect-ledger.js';
import { sqlStrategyStore } from '../../pipeline/store/sql-strategy-store.js';
import type { Jobs } from '../../schemas/ports/jobs.js';
import type { RoleHealthReporter } from '../../schemas/ports/role-health.js';
import type { StoreReader } from '../../schemas/ports/store.js';
import { strategySignalSchema, strategySignalsTopic } from '../../schemas/strategy-signal.js';
import { rawTradeSchema } from '../../schemas/tick.js';
import { topicNames } from '../../schemas/topics.js';

export interface ConsumerHostDeps {
  readonly pipeline: Pick<Pipeline, 'log' | 'serdes' | 'fanout'>;
  readonly store: StoreReader;
  /** the store's database, where the effect ledger lives (sql/0007) */
  readonly sql: LedgerQueries;
  /** the namespace whose strategy-signals topic the strategy consumer writes (default live) */
  readonly namespace?: string;
  readonly jobs: Jobs | null;
  readonly metrics: Registry;
  readonly logger: ConsumerLogger;
}

export interface ConsumerHost {
  readonly consumers: readonly RunningConsumer[];
  /** Drains every consumer (finish the batch, commit, close), in reverse start order. */
  close(): Promise<void>;
}

/** How `serve` and `discord run` restart a stopped consumer: 1 s, 2 s, 4 s … up to a minute. */
export const keepRunning: RestartPolicy = { initialMs: 1_000, maxMs: 60_000 };

/** Per consumer: its config input (from --config or the environment). */
export type ConsumerConfigs = Readonly<Record<string, unknown>>;

/** Starts the given consumers on the pipeline's log, each in its own group, with the ports they may use. */
export async function startConsumerHost(
  definitions: readonly AnyConsumerDefinition[],
  deps: ConsumerHostDeps,
  options: {
    readonly configs?: ConsumerConfigs;
    readonly onError?: (name: string, error: Error) => void;
    /** each consumer reports as role `consumer <name>` */
    readonly health?: RoleHealthReporter;
    /** appended to each consumer's group (`nexural.consumer.<name>.<suffix>`): a replay namespace's own offsets */
    readonly groupSuffix?: string;
    /**
     * restart a consumer that stopped on an error (instead of `onError`), after a backoff: for processes that
     * run on (`serve`, `discord run`); `consumers run` exits instead and leaves the restart to its supervisor
     */
    readonly restart?: RestartPolicy;
  } = {},
): Promise<ConsumerHost> {
  const { serdes } = deps.pipeline;
  const strategySignals = createJsonSerde(strategySignalsTopic(deps.namespace), strategySignalSchema);
  const ports: ConsumerPorts = {
    log: deps.pipeline.log,
    decoders: {
      bars: serdes.bars,
      barsFinal: serdes.barsFinal,
      indicators: serdes.indicators,
      alerts: serdes.alerts,
      trades: createJsonSerde(topicNames().trades, rawTradeSchema),
      strategySignals,
    },
    strategySignals,
    strategies: sqlStrategyStore(deps.sql),
    deadLetters: serdes.deadLetters,
    ledgers: sqlEffectLedgerStore(deps.sql),
    store: deps.store,
    fanout: deps.pipeline.fanout,
    jobs: deps.jobs,
    metrics: deps.metrics,
    logger: deps.logger,
  };
  // the strategy-signals topic is written by the strategy consumer, which may not have run yet: a reader
  // creates it (idempotent) with as many partitions as the alerts topic
  if (definitions.some((definition) => definition.inputs.includes('strategySignals'))) {
    const topics = await deps.pipeline.log.admin.listTopics();
    const alerts = topics.find((topic) => topic.name === serdes.alerts.topic);
    await deps.pipeline.log.admin.createTopics([
      { name: strategySignals.topic, partitions: alerts?.partitions ?? 1, compacted: false },
    ]);
  }
  const running: RunningConsumer[] = [];
  const close = async () => {
    for (const consumer of [...running].reverse()) await consumer.close();
  };
  try {
    for (const definition of definitions) {
      const start = (onError: (error: Error) => void) =>
        startConsumer(definition, ports, {
          config: options.configs?.[definition.name],
          ...(options.groupSuffix === undefined
            ? {}
            : { groupId: `${consumerGroupId(definition.name)}.${options.groupSuffix}` }),
          ...(options.health === undefined ? {} : { health: options.health }),
          onError,
        });
      running.push(
        options.restart === undefined
          ? await start((error) => options.onError?.(definition.name, error))
          : await superviseConsumer(start, options.restart, {
              onStopped: (error, restartInMs) =>
                deps.logger.warn(
                  `consumer ${definition.name} stopped: ${error.message}; restarting in ${restartInMs} ms`,
                  { consumer: definition.name },
                ),
              onRestarted: (attempt) =>
                deps.logger.info(`consumer ${definition.name} restarted (failure ${attempt} in a row)`, {
                  consumer: definition.name,
                }),
            }),
      );
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { consumers: running, close };
}
