import type { Env } from '../../../schemas/env.js';
import type { StreamLog } from '../../../schemas/ports/stream-log.js';
import { createEmbeddedLog } from './embedded-log.js';
import { createKafkaLog } from './kafka-log.js';

/** KAFKA_BROKERS set → Kafka; unset → the in-process log (the one-command default). */
export function streamLogFromEnv(env: Pick<Env, 'KAFKA_BROKERS' | 'KAFKA_CLIENT_ID'>): StreamLog {
  if (env.KAFKA_BROKERS === undefined) return createEmbeddedLog();
  return createKafkaLog({ brokers: env.KAFKA_BROKERS, clientId: env.KAFKA_CLIENT_ID });
}
