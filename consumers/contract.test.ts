import { describe } from 'vitest';
import { consumerContractCases } from './testing/contract-cases.js';

describe('consumer contract on the embedded log and PGlite', () => {
  consumerContractCases(() => ({ log: 'embedded' }), { concurrent: true });
});
