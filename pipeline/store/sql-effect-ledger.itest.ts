import { randomUUID } from 'node:crypto';
import { stackEnv } from '../../test/stack-env.js';
import { effectLedgerContract } from './effect-ledger.contract.js';
import { loadMigrations } from './migration-files.js';
import { migrate } from './migrator.js';
import { openPgDatabase } from './pg-database.js';
import { sqlEffectLedgerStore } from './sql-effect-ledger.js';

effectLedgerContract('PostgreSQL (TimescaleDB of the stack)', async () => {
  // a schema of its own per test: parallel runs never meet, and cleanup drops everything it made
  const schema = `nexural_test_effects_${randomUUID().slice(0, 8)}`;
  const db = await openPgDatabase({ connectionString: stackEnv().DATABASE_URL, schema });
  await migrate(db, await loadMigrations());
  return {
    ledgers: sqlEffectLedgerStore(db),
    cleanup: async () => {
      await db.exec(`DROP SCHEMA "${schema}" CASCADE`);
      await db.close();
    },
  };
});
