import { describe, it } from 'vitest';
import { rdkafkaAvailable } from './rdkafka/rdkafka-binding.js';
import { createRdkafkaLog } from './rdkafka-log.js';
import { streamLogContract } from './stream-log.contract.js';

const brokers = () =>
  (process.env.KAFKA_BROKERS ?? '127.0.0.1:39092').split(',').map((broker) => broker.trim());

if (rdkafkaAvailable()) {
  streamLogContract(
    'kafka (librdkafka)',
    async () => createRdkafkaLog({ brokers: brokers(), clientId: 'nexural-contract' }),
    { timeoutMs: 20_000 },
  );
} else {
  describe('stream-log contract: kafka (librdkafka)', () => {
    it.skip(`skipped: @confluentinc/kafka-javascript is not built for Node ${process.version} (optional dependency)`, () => {});
  });
}
