import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { externalServices, stackEnv } from '../stack-env.js';
import { onCleanup, uniqueIdentifier } from '../unique.js';

const db = new pg.Client({ connectionString: stackEnv().DATABASE_URL });
await db.connect();
afterAll(() => db.end());

describe('TimescaleDB', () => {
  it('creates a hypertable and buckets rows with time_bucket', async () => {
    const schema = uniqueIdentifier('schema');
    await db.query(`CREATE SCHEMA ${schema}`);
    onCleanup(() => db.query(`DROP SCHEMA ${schema} CASCADE`));
    await db.query(
      `CREATE TABLE ${schema}.trades (time timestamptz NOT NULL, symbol text NOT NULL, price double precision NOT NULL)`,
    );
    const created = await db.query<{ created: boolean }>(
      `SELECT created FROM create_hypertable('${schema}.trades', by_range('time', INTERVAL '1 day'))`,
    );
    expect(created.rows[0]?.created).toBe(true);

    await db.query(
      `INSERT INTO ${schema}.trades (time, symbol, price) VALUES
         ('2024-01-02T10:00:05Z', 'BTC-USD', 100), ('2024-01-02T10:00:50Z', 'BTC-USD', 102),
         ('2024-01-02T10:01:10Z', 'BTC-USD', 101), ('2024-01-02T10:03:00Z', 'BTC-USD', 110),
         ('2024-01-03T00:00:00Z', 'ETH-USD', 50)`,
    );
    const buckets = await db.query<{ bucket: Date; trades: number; high: number; last: number }>(
      `SELECT time_bucket(INTERVAL '1 minute', time) AS bucket, count(*)::int AS trades, max(price) AS high,
              last(price, time) AS last
         FROM ${schema}.trades WHERE symbol = 'BTC-USD' GROUP BY bucket ORDER BY bucket`,
    );
    expect(buckets.rows.map((row) => ({ ...row, bucket: row.bucket.toISOString() }))).toEqual([
      { bucket: '2024-01-02T10:00:00.000Z', trades: 2, high: 102, last: 102 },
      { bucket: '2024-01-02T10:01:00.000Z', trades: 1, high: 101, last: 101 },
      { bucket: '2024-01-02T10:03:00.000Z', trades: 1, high: 110, last: 110 },
    ]);

    const chunks = await db.query<{ chunks: number }>(
      `SELECT count(*)::int AS chunks FROM timescaledb_information.chunks
        WHERE hypertable_schema = $1 AND hypertable_name = 'trades'`,
      [schema],
    );
    expect(chunks.rows[0]?.chunks).toBe(2);
  });

  it('reports its license: apache for the locally built edition, timescale for the docker image', async () => {
    const { rows } = await db.query<Record<string, string>>('SHOW timescaledb.license');
    const license = rows[0]?.['timescaledb.license'];
    if (externalServices()) expect(['apache', 'timescale']).toContain(license);
    else expect(license).toBe('apache');
  });
});
