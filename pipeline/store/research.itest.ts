import pg from 'pg';
import { stackEnv } from '../../test/stack-env.js';
import { uniqueIdentifier } from '../../test/unique.js';
import { pgSession } from './pg-database.js';
import { openPostgresStore } from './postgres-store.js';
import { describeResearchStore } from './research.contract.js';

// A schema of this suite's own in the stack's TimescaleDB, dropped afterwards; the admin is one connection
// (its transactions must not hop between pooled connections).
describeResearchStore('TimescaleDB', async () => {
  const connectionString = stackEnv().DATABASE_URL;
  const schema = uniqueIdentifier('research');
  const store = await openPostgresStore({ connectionString, schema });
  await store.migrate();
  const client = new pg.Client({ connectionString, options: `-c search_path=${schema}` });
  await client.connect();
  const analystLogin = `${schema}_bob`;
  return {
    store,
    admin: pgSession(client),
    analystLogin,
    async asLogin(login, work) {
      const url = new URL(connectionString);
      url.username = login;
      const session = new pg.Client({
        connectionString: url.toString(),
        options: `-c search_path=${schema}`,
      });
      await session.connect();
      try {
        return await work(pgSession(session));
      } finally {
        await session.end();
      }
    },
    async destroy() {
      await store.close();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.query(`DROP ROLE IF EXISTS ${analystLogin}`);
      await client.end();
    },
  };
});
