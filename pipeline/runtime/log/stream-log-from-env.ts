import { join } from 'node:path';
import { DEFAULT_KAFKA_CLIENT, type Env } from '../../../schemas/env.js';
import type { StreamLog } from '../../../schemas/ports/stream-log.js';
import { createEmbeddedLog } from './embedded-log.js';
import type { KafkaConsumerTuning } from './kafka/kafka-consumer.js';
import { createKafkaLog } from './kafka-log.js';
import { createPlatformaticLog } from './platformatic-log.js';
import { createRdkafkaLog } from './rdkafka-log.js';

/** the Kafka stream log of each NEXURAL_KAFKA_CLIENT value */
export const kafkaLogs = {
  kafkajs: createKafkaLog,
  librdkafka: createRdkafkaLog,
  platformatic: createPlatformaticLog,
} as const;

export interface StreamLogChoice {
  /** embedded log only: false keeps it in memory (nothing kept across runs); default true */
  readonly persistEmbedded?: boolean;
  /** Kafka only: consumer tuning (fetch sizes, partitions handled at once) */
  readonly kafkaConsumer?: Partial<KafkaConsumerTuning>;
}

/**
 * The one place a command gets its stream log. KAFKA_BROKERS set → Kafka (transactions on @platformatic/kafka
 * and the rest through kafkajs; kafkajs alone with NEXURAL_KAFKA_CLIENT=kafkajs; librdkafka with
 * NEXURAL_KAFKA_CLIENT=librdkafka, failing at once with NXR_CONFIG_INVALID where it is not installed); unset → the embedded log, stored
 * in segments under NEXURAL_DATA_DIR/log so `serve`, `run` and `ingest` write what `replay`, `runs` and
 * `topics` read, and a restart resumes where it stopped.
 */
export function streamLogFromEnv(
  env: Pick<Env, 'KAFKA_BROKERS' | 'KAFKA_CLIENT_ID' | 'NEXURAL_DATA_DIR'> &
    Partial<Pick<Env, 'NEXURAL_KAFKA_CLIENT'>>,
  choice: StreamLogChoice = {},
): StreamLog {
  if (env.KAFKA_BROKERS !== undefined) {
    const create = kafkaLogs[env.NEXURAL_KAFKA_CLIENT ?? DEFAULT_KAFKA_CLIENT];
    return create({
      brokers: env.KAFKA_BROKERS,
      clientId: env.KAFKA_CLIENT_ID,
      ...(choice.kafkaConsumer ? { consumer: choice.kafkaConsumer } : {}),
    });
  }
  return createEmbeddedLog(
    choice.persistEmbedded === false ? {} : { dataDir: join(env.NEXURAL_DATA_DIR, 'log') },
  );
}
