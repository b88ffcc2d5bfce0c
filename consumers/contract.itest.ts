import { describe } from 'vitest';
import { kafkaBrokers, stackEnv } from '../test/stack-env.js';
import { consumerContractCases } from './testing/contract-cases.js';

describe('consumer contract on Kafka and TimescaleDB', () => {
  consumerContractCases(
    () => ({
      log: 'kafka',
      brokers: kafkaBrokers(),
      databaseUrl: stackEnv().DATABASE_URL,
    }),
    { concurrent: false },
  );
});
