import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { stackEnv } from '../../test/stack-env.js';
import { uniqueIdentifier } from '../../test/unique.js';
import { binanceKlines } from './market-data-fixtures.js';
import { pgSession } from './pg-database.js';
import { openPostgresStore, type PostgresWriteMethod } from './postgres-store.js';
import { uncommentedObjects } from './schema-comments.js';
import { describeStoreContract } from './store.contract.js';

// Each suite gets a schema of its own in the stack's TimescaleDB and drops it afterwards.
async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: stackEnv().DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}

for (const writeMethod of ['copy', 'unnest'] satisfies PostgresWriteMethod[]) {
  describeStoreContract(`TimescaleDB (${writeMethod})`, async () => {
    const schema = uniqueIdentifier(`store_${writeMethod}`);
    const store = await openPostgresStore({ connectionString: stackEnv().DATABASE_URL, schema, writeMethod });
    return {
      store,
      destroy: async () => {
        await store.close();
        await dropSchema(schema);
      },
    };
  });
}

describe('TimescaleDB store', () => {
  it('creates hypertables with the documented chunk intervals and rollup views on the apache licence, all commented', async () => {
    const schema = uniqueIdentifier('hypertables');
    const store = await openPostgresStore({ connectionString: stackEnv().DATABASE_URL, schema });
    try {
      const report = await store.migrate();
      expect(report.capabilities.timescaledb).toMatchObject({ license: 'apache' });
      expect(report.applied.find((migration) => migration.version === 2)?.skippedSections).toEqual([
        'timescaledb-tsl (line 7)',
        'no-timescaledb (line 45)',
      ]);
      await store.write({ bars: binanceKlines() });
      const client = new pg.Client({
        connectionString: stackEnv().DATABASE_URL,
        options: `-c search_path=${schema}`,
      });
      await client.connect();
      expect(await uncommentedObjects(pgSession(client))).toEqual([]);
      const dimensions = await client.query(
        `SELECT hypertable_name, column_name, time_interval::text AS chunk
         FROM timescaledb_information.dimensions WHERE hypertable_schema = $1 ORDER BY hypertable_name`,
        [schema],
      );
      expect(dimensions.rows).toEqual([
        { hypertable_name: 'alert_events', column_name: 'time', chunk: '30 days' },
        { hypertable_name: 'bars', column_name: 'open_time', chunk: '7 days' },
        { hypertable_name: 'indicator_values', column_name: 'open_time', chunk: '7 days' },
        { hypertable_name: 'quotes', column_name: 'time', chunk: '06:00:00' },
        { hypertable_name: 'strategy_equity', column_name: 'time', chunk: '30 days' },
        { hypertable_name: 'strategy_trades', column_name: 'time', chunk: '30 days' },
        { hypertable_name: 'trade_ticks', column_name: 'time', chunk: '06:00:00' },
      ]);
      // Hourly rollup of Binance's klines 23:40–23:59 (20 bars) and 00:00–00:09 (10 bars).
      const hours = await client.query(
        `SELECT to_char(open_time AT TIME ZONE 'UTC', 'HH24:MI') AS hour, open, close, minutes::int
         FROM ${schema}.bars_1h ORDER BY open_time`,
      );
      await client.end();
      const first = binanceKlines()[0];
      const last = binanceKlines()[29];
      expect(hours.rows).toEqual([
        { hour: '23:00', open: first?.open, close: binanceKlines()[19]?.close, minutes: 20 },
        { hour: '00:00', open: binanceKlines()[20]?.open, close: last?.close, minutes: 10 },
      ]);
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });
});
