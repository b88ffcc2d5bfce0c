import { createKafkaLog } from './kafka-log.js';
import { streamLogContract } from './stream-log.contract.js';

const brokers = () =>
  (process.env.KAFKA_BROKERS ?? '127.0.0.1:39092').split(',').map((broker) => broker.trim());

streamLogContract('kafka', async () => createKafkaLog({ brokers: brokers(), clientId: 'nexural-contract' }), {
  timeoutMs: 20_000,
});
