import { join } from 'node:path';
import type { Env } from '../../../schemas/env.js';
import type { StreamLog } from '../../../schemas/ports/stream-log.js';
import { createEmbeddedLog } from './embedded-log.js';
import { createKafkaLog } from './kafka-log.js';

/**
 * KAFKA_BROKERS set → Kafka; unset → the in-process log, stored under NEXURAL_DATA_DIR/log so a restart
 * resumes where it stopped (`persistEmbedded: false` keeps it in memory, e.g. for a one-off replay).
 */
export function streamLogFromEnv(
  env: Pick<Env, 'KAFKA_BROKERS' | 'KAFKA_CLIENT_ID' | 'NEXURAL_DATA_DIR'>,
  options: { readonly persistEmbedded?: boolean } = {},
): StreamLog {
  if (env.KAFKA_BROKERS !== undefined) {
    return createKafkaLog({ brokers: env.KAFKA_BROKERS, clientId: env.KAFKA_CLIENT_ID });
  }
  return createEmbeddedLog(
    options.persistEmbedded === false ? {} : { dataDir: join(env.NEXURAL_DATA_DIR, 'log') },
  );
}
