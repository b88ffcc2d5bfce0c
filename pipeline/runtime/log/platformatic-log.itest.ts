import { createPlatformaticLog } from './platformatic-log.js';
import { streamLogContract } from './stream-log.contract.js';

const brokers = () =>
  (process.env.KAFKA_BROKERS ?? '127.0.0.1:39092').split(',').map((broker) => broker.trim());

streamLogContract(
  'kafka (@platformatic/kafka transactions)',
  async () => createPlatformaticLog({ brokers: brokers(), clientId: 'nexural-contract' }),
  { timeoutMs: 20_000 },
);
