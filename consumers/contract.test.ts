import { describe } from 'vitest';
import { consumerContractCases } from './testing/contract-cases.js';
import { strategySubject } from './testing/contract-subjects.js';

describe('consumer contract on the embedded log and PGlite', () => {
  // the strategy consumer, not registered yet, passes here; on Kafka not always (consumers/strategy/README.md)
  consumerContractCases(() => ({ log: 'embedded' }), { concurrent: true, candidates: [strategySubject] });
});
