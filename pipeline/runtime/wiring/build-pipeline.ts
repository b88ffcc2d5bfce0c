import { Redis } from 'ioredis';
import type { Env } from '../../../schemas/env.js';
import type { AlertFanout } from '../../../schemas/ports/alert-fanout.js';
import type { RoleHealthReporter } from '../../../schemas/ports/role-health.js';
import type { StreamLog, TopicSpec } from '../../../schemas/ports/stream-log.js';
import {
  alertDeliveriesTopic,
  LIVE_NAMESPACE,
  type TopicNames,
  topicNames,
} from '../../../schemas/topics.js';
import { createInProcessFanout } from '../../fanout/in-process-fanout.js';
import { createLogDeliveryJournal, deliveryJournalTopicSpec } from '../../fanout/log-delivery-journal.js';
import { reportRedisErrors } from '../../fanout/redis-connection-errors.js';
import { createRedisFanout } from '../../fanout/redis-fanout.js';
import type { KafkaConsumerTuning } from '../log/kafka/kafka-consumer.js';
import { streamLogFromEnv } from '../log/stream-log-from-env.js';
import type { DerivedSerdes } from '../processor/encode-outputs.js';
import type { EngineCheckpoints } from '../processor/engine-checkpoints.js';
import { createProcessor, type Processor } from '../processor/processor.js';
import type { ProcessorConfigInput } from '../processor/processor-config.js';
import { derivedSerdesFor } from '../serdes/derived-serdes.js';

export type PipelineEnv = Pick<
  Env,
  'KAFKA_BROKERS' | 'KAFKA_CLIENT_ID' | 'SCHEMA_REGISTRY_URL' | 'REDIS_URL' | 'NEXURAL_DATA_DIR'
> &
  Partial<
    Pick<
      Env,
      | 'NEXURAL_MAX_FUTURE_SKEW_MS'
      | 'NEXURAL_ALERTS_TO_FANOUT'
      | 'NEXURAL_KAFKA_CLIENT'
      | 'NEXURAL_PROCESSOR_TRANSACTIONS'
      | 'NEXURAL_PROCESSOR_INSTANCE_ID'
    >
  >;

export interface PipelineDeps {
  readonly env: PipelineEnv;
  readonly processor: ProcessorConfigInput;
  /** replay namespace of the derived topics (default: live) */
  readonly namespace?: string;
  /** explicit topic names (tests); default `topicNames(namespace)` */
  readonly topics?: TopicNames;
  /** embedded log only: false keeps it in memory; default true (segments in NEXURAL_DATA_DIR/log) */
  readonly persistEmbeddedLog?: boolean;
  /** Kafka only: consumer tuning (fetch sizes, partitions handled at once) */
  readonly kafkaConsumer?: Partial<KafkaConsumerTuning>;
  readonly checkpoints?: EngineCheckpoints;
  /** where the processor reports its health (the API's /ready reads the same registry) */
  readonly health?: RoleHealthReporter;
  readonly onError?: (error: Error) => void;
  readonly onWarning?: (message: string) => void;
}

export interface Pipeline {
  /** which adapter each port got, for the startup banner */
  readonly adapters: { readonly log: string; readonly serdes: string; readonly fanout: string };
  readonly topics: TopicNames;
  readonly log: StreamLog;
  readonly serdes: DerivedSerdes;
  readonly fanout: AlertFanout;
  readonly processor: Processor;
  /** Creates the missing topics of the namespace (compacted: rules, state); returns their names. */
  createTopics(partitions: number): Promise<readonly string[]>;
  /** Closes the processor first (drain + commit), then the fan-out and the log. */
  close(): Promise<void>;
}

/**
 * Every topic of a namespace with its cleanup policy (rules and state are tables), and the alert fan-out's
 * delivery journal (one partition, kept 8 days).
 */
export function pipelineTopicSpecs(topics: TopicNames, partitions: number): TopicSpec[] {
  const specs = (Object.keys(topics) as (keyof TopicNames)[]).map((role): TopicSpec => {
    const compacted = role === 'alertRules' || role === 'processorState';
    // Market data is history: records are stamped with event time, which a time-based retention would
    // delete at once for replayed days; keep it until an operator sets a limit on the broker.
    return compacted
      ? { name: topics[role], partitions, compacted }
      : { name: topics[role], partitions, compacted, retentionMs: -1 };
  });
  return [...specs, deliveryJournalTopicSpec(alertDeliveriesTopic(topics))];
}

/**
 * Chooses an adapter per port from the environment — KAFKA_BROKERS → Kafka (else the embedded log),
 * SCHEMA_REGISTRY_URL → registry serdes (else plain JSON), REDIS_URL → Redis fan-out (else in-process) —
 * and builds the processor on them. Nothing is started: `createTopics`, then `processor.start()`.
 * The store sink and the API attach to the returned log, topics, serdes and fan-out.
 */
export async function buildPipeline(deps: PipelineDeps): Promise<Pipeline> {
  const { env } = deps;
  const topics = deps.topics ?? topicNames(deps.namespace ?? LIVE_NAMESPACE);
  const log = streamLogFromEnv(env, {
    persistEmbedded: deps.persistEmbeddedLog ?? true,
    ...(deps.kafkaConsumer ? { kafkaConsumer: deps.kafkaConsumer } : {}),
  });
  const redis = env.REDIS_URL === undefined ? null : new Redis(env.REDIS_URL, { lazyConnect: true });
  const journal = createLogDeliveryJournal(log, alertDeliveriesTopic(topics));
  try {
    const serdes = await derivedSerdesFor(env.SCHEMA_REGISTRY_URL)(topics);
    if (redis !== null) {
      reportRedisErrors(redis, {
        name: 'alert fan-out',
        warn: deps.onWarning ?? (() => {}),
        ...(deps.health ? { health: { reporter: deps.health, role: 'fanout' } } : {}),
      });
      await redis.connect();
    }
    // Deliveries are journaled on the log, so a Redis that restarts empty (or a restarted process, for the
    // in-process fan-out) gets its history, ids and de-duplication window back.
    const fanoutOptions = {
      journal,
      ...(deps.onWarning ? { onWarning: deps.onWarning } : {}),
    };
    const fanout =
      redis === null ? createInProcessFanout(fanoutOptions) : createRedisFanout(redis, fanoutOptions);
    const processor = createProcessor({
      log,
      topics,
      serdes,
      fanout,
      config: {
        ...(env.NEXURAL_MAX_FUTURE_SKEW_MS === undefined
          ? {}
          : { maxFutureSkewMs: env.NEXURAL_MAX_FUTURE_SKEW_MS }),
        ...(env.NEXURAL_ALERTS_TO_FANOUT === undefined
          ? {}
          : { alertsToFanout: env.NEXURAL_ALERTS_TO_FANOUT }),
        ...(env.NEXURAL_PROCESSOR_TRANSACTIONS === undefined
          ? {}
          : { transactions: env.NEXURAL_PROCESSOR_TRANSACTIONS }),
        ...(env.NEXURAL_PROCESSOR_INSTANCE_ID === undefined
          ? {}
          : { instanceId: env.NEXURAL_PROCESSOR_INSTANCE_ID }),
        ...deps.processor,
      },
      ...(deps.checkpoints ? { checkpoints: deps.checkpoints } : {}),
      ...(deps.health ? { health: deps.health } : {}),
      ...(deps.onError ? { onError: deps.onError } : {}),
      ...(deps.onWarning ? { onWarning: deps.onWarning } : {}),
    });
    return {
      adapters: {
        log: env.KAFKA_BROKERS === undefined ? 'embedded log' : `Kafka ${env.KAFKA_BROKERS.join(',')}`,
        serdes:
          env.SCHEMA_REGISTRY_URL === undefined ? 'plain JSON' : `Schema Registry ${env.SCHEMA_REGISTRY_URL}`,
        fanout: env.REDIS_URL === undefined ? 'in-process fan-out' : `Redis ${env.REDIS_URL}`,
      },
      topics,
      log,
      serdes,
      fanout,
      processor,
      createTopics: (partitions) => log.admin.createTopics(pipelineTopicSpecs(topics, partitions)),
      async close() {
        await processor.close();
        await fanout.close();
        await journal.close();
        await redis?.quit().catch(() => {});
        await log.close();
      },
    };
  } catch (error) {
    redis?.disconnect();
    await log.close();
    throw error;
  }
}
