import { PGlite } from '@electric-sql/pglite';
import { afterAll } from 'vitest';
import { effectLedgerContract } from './effect-ledger.contract.js';
import { loadMigrations } from './migration-files.js';
import { migrate } from './migrator.js';
import { pgliteDatabase } from './pglite-database.js';
import { sqlEffectLedgerStore } from './sql-effect-ledger.js';

// Migrating PGlite takes seconds: one database for the suite, emptied after each test.
const shared = (async () => {
  const db = pgliteDatabase(await PGlite.create());
  await migrate(db, await loadMigrations());
  return db;
})();
afterAll(async () => (await shared).close());

effectLedgerContract('PGlite', async () => {
  const db = await shared;
  return { ledgers: sqlEffectLedgerStore(db), cleanup: () => db.exec('TRUNCATE consumer_effects') };
});
