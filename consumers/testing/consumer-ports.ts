import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { Registry } from 'prom-client';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { sqlEffectLedgerStore } from '../../pipeline/store/sql-effect-ledger.js';
import type { StreamLog } from '../../schemas/ports/stream-log.js';
import type { ConsumerPorts } from '../consumer-runtime.js';
import { contractDecoders, contractTopics } from './contract-topics.js';

/**
 * The ports of a consumer on `log`, with topics of their own (`partitions` each) and an in-memory PGlite
 * store and ledger (not migrated: for tests that run no effect). `close` deletes the topics.
 */
export async function scratchConsumerPorts(
  log: StreamLog,
  partitions: number,
): Promise<{ readonly ports: ConsumerPorts; close(): Promise<void> }> {
  const pglite = await PGlite.create();
  const store = await openPgliteStore({ db: pglite });
  const topics = contractTopics(randomUUID().slice(0, 8));
  await log.admin.createTopics(Object.values(topics).map((name) => ({ name, partitions, compacted: false })));
  const { decoders, deadLetters } = contractDecoders(topics);
  return {
    ports: {
      log,
      decoders,
      deadLetters,
      ledgers: sqlEffectLedgerStore(pgliteDatabase(pglite)),
      store,
      fanout: null,
      jobs: null,
      metrics: new Registry(),
      logger: { info: () => {}, warn: () => {}, error: () => {} },
    },
    async close() {
      await log.admin.deleteTopics(Object.values(topics)).catch(() => {});
      await store.close();
    },
  };
}
