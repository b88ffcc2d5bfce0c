import pg from 'pg';
import { stackEnv } from '../../test/stack-env.js';
import { uniqueIdentifier } from '../../test/unique.js';
import { binanceKlines } from './market-data-fixtures.js';
import { openPgDatabase, pgSession } from './pg-database.js';
import { openPostgresStore } from './postgres-store.js';
import { describeRowSecurity } from './row-security.contract.js';

// Analysts log in for real (the stack's cluster trusts loopback connections), in a schema of this test's own.
describeRowSecurity('TimescaleDB', async () => {
  const connectionString = stackEnv().DATABASE_URL;
  const schema = uniqueIdentifier('row_security');
  const store = await openPostgresStore({ connectionString, schema });
  await store.migrate();
  await store.write({ bars: binanceKlines() });
  const admin = await openPgDatabase({ connectionString, schema });
  const logins = { alice: `${schema}_alice`, bob: `${schema}_bob` };
  return {
    admin,
    logins,
    async session(login, work) {
      const url = new URL(connectionString);
      if (login) url.username = login;
      const client = new pg.Client({ connectionString: url.toString(), options: `-c search_path=${schema}` });
      await client.connect();
      try {
        return await work(pgSession(client));
      } finally {
        await client.end();
      }
    },
    async destroy() {
      await store.close();
      await admin.exec(
        `DROP SCHEMA ${schema} CASCADE; DROP ROLE IF EXISTS ${logins.alice}; DROP ROLE IF EXISTS ${logins.bob}`,
      );
      await admin.close();
    },
  };
});
