import { PGlite } from '@electric-sql/pglite';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createEmbeddedLog } from '../pipeline/runtime/log/embedded-log.js';
import { pgliteDatabase } from '../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../pipeline/store/pglite-store.js';
import { sqlEffectLedgerStore } from '../pipeline/store/sql-effect-ledger.js';
import { createRoleHealthRegistry, type RoleState } from '../schemas/ports/role-health.js';
import { alertLogConsumer } from './alert-log/alert-log.js';
import { startConsumer } from './consumer-runtime.js';
import { contractDecoders, contractTopics } from './testing/contract-topics.js';

describe('consumer role health (what /ready of `nexural consumers run` reads)', () => {
  it('reports `consumer <name>` starting, up once it is in its group, down when it is closed', async () => {
    const changes: [string, RoleState['status']][] = [];
    const health = createRoleHealthRegistry((role, state) => changes.push([role, state.status]));
    const log = createEmbeddedLog();
    const pglite = await PGlite.create();
    const store = await openPgliteStore({ db: pglite });
    const topics = contractTopics('health');
    await log.admin.createTopics(
      Object.values(topics).map((name) => ({ name, partitions: 2, compacted: false })),
    );
    const { decoders, deadLetters } = contractDecoders(topics);
    try {
      const running = await startConsumer(
        alertLogConsumer,
        {
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
        { groupId: 'health-test', health },
      );
      for (let i = 0; i < 50 && health.roles().get('consumer alert-log')?.status !== 'up'; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(health.roles().get('consumer alert-log')).toEqual({ status: 'up' });
      await running.close();
      expect(health.roles().get('consumer alert-log')).toMatchObject({ status: 'down', reason: 'closed' });
      expect(changes).toEqual([
        ['consumer alert-log', 'starting'],
        ['consumer alert-log', 'up'],
        ['consumer alert-log', 'down'],
      ]);
    } finally {
      await store.close();
      await log.close();
    }
  });
});
