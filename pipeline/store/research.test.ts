import { PGlite } from '@electric-sql/pglite';
import { pgliteDatabase } from './pglite-database.js';
import { openPgliteStore } from './pglite-store.js';
import { describeResearchStore } from './research.contract.js';

describeResearchStore('PGlite', async () => {
  const pglite = await PGlite.create();
  const store = await openPgliteStore({ db: pglite });
  await store.migrate();
  return { store, admin: pgliteDatabase(pglite), destroy: () => store.close() };
});
