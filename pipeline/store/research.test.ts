import { PGlite } from '@electric-sql/pglite';
import { pgliteDatabase } from './pglite-database.js';
import { openPgliteStore } from './pglite-store.js';
import { describeResearchStore } from './research.contract.js';

describeResearchStore('PGlite', async () => {
  const pglite = await PGlite.create();
  const store = await openPgliteStore({ db: pglite });
  await store.migrate();
  const admin = pgliteDatabase(pglite);
  return {
    store,
    admin,
    analystLogin: 'research_analyst_bob',
    async asLogin(login, work) {
      await admin.exec(`SET ROLE ${login}`);
      try {
        return await work(admin);
      } finally {
        await admin.exec(`RESET ROLE; SELECT set_config('nexural.user_id', '', false)`);
      }
    },
    destroy: () => store.close(),
  };
});
