import pg from 'pg';
import { openPostgresStore } from '../pipeline/store/postgres-store.js';
import { stackEnv } from '../test/stack-env.js';
import { uniqueIdentifier } from '../test/unique.js';
import { pgSqlClient } from './adapters/sql-client.js';
import { describeApiRoutes } from './routes.contract.js';

// The same route suite as on PGlite, on the stack's TimescaleDB, in a schema of its own dropped afterwards.
describeApiRoutes('TimescaleDB', async () => {
  const connectionString = stackEnv().DATABASE_URL;
  const schema = uniqueIdentifier('api');
  const store = await openPostgresStore({ connectionString, schema });
  await store.migrate();
  const sql = pgSqlClient({ connectionString, schema });
  return {
    store,
    sql,
    async destroy() {
      await store.close();
      const client = new pg.Client({ connectionString });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
});
