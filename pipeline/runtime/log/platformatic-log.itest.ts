import { afterEach, describe, expect, it } from 'vitest';
import { isNexuralError } from '../../../schemas/errors.js';
import { createPlatformaticLog } from './platformatic-log.js';
import { streamLogContract } from './stream-log.contract.js';
import { TestResources, until } from './testing/stream-log-test-kit.js';

const brokers = () =>
  (process.env.KAFKA_BROKERS ?? '127.0.0.1:39092').split(',').map((broker) => broker.trim());

streamLogContract(
  'kafka (@platformatic/kafka transactions)',
  async () => createPlatformaticLog({ brokers: brokers(), clientId: 'nexural-contract' }),
  { timeoutMs: 20_000 },
);

describe('kafka (@platformatic/kafka transactions): a transaction the broker timed out', () => {
  let resources: TestResources | null = null;
  afterEach(async () => {
    await resources?.cleanup();
    resources = null;
  });

  it('fails with NXR_TIMEOUT, not NXR_FENCED, and the producer commits its next transaction (KIP-588: the broker gives the producer a new epoch, as it refuses one after a takeover)', async () => {
    const log = createPlatformaticLog({ brokers: brokers(), clientId: 'nexural-timeout' });
    resources = new TestResources(log);
    const topic = await resources.topic(1);
    const producer = await log.createTransactionalProducer(resources.name('txn'), {
      transactionTimeoutMs: 1_000,
    });
    const stale = await producer.transaction();
    await stale.send([{ topic, key: 'k', value: Buffer.from('timed out') }]);
    // the broker looks for timed-out transactions every 10 s (transaction.abort.timed.out.transaction.cleanup.interval.ms)
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    const error = await stale.commit().catch((caught: unknown) => caught);
    expect(isNexuralError(error) && error.code).toBe('NXR_TIMEOUT');
    await stale.abort().catch(() => {});
    const next = await producer.transaction();
    await next.send([{ topic, key: 'k', value: Buffer.from('next') }]);
    await next.commit();
    const reader = await resources.collect({ groupId: resources.group(), topics: [topic] });
    await until(() => reader.records.length >= 1, 'the next transaction', 20_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reader.values()).toEqual(['next']);
  }, 60_000);
});
