import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { loadMigrations } from '../../pipeline/store/migration-files.js';
import { parseEnv } from '../../schemas/env.js';
import { startSqlServer } from './sql-server.js';

describe('nexural sql-server', () => {
  it('serves the migrated embedded database to PostgreSQL clients on loopback and prints the psql command', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nexural-sql-server-'));
    const out = new PassThrough();
    let printed = '';
    out.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    const server = await startSqlServer(parseEnv({ NEXURAL_DATA_DIR: dataDir }), 0, out);
    try {
      expect(printed).toContain(`psql -h 127.0.0.1 -p ${server.port} -U postgres postgres`);
      const client = new pg.Client({
        host: '127.0.0.1',
        port: server.port,
        user: 'postgres',
        database: 'postgres',
      });
      await client.connect();
      const { rows } = await client.query<{ tables: number }>(
        "SELECT count(*)::int AS tables FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('bars', 'trade_ticks', 'alert_rules')",
      );
      await client.end();
      expect(rows).toEqual([{ tables: 3 }]);
      const psql = await promisify(execFile)('psql', [
        ...server.psql.split(' ').slice(1),
        '-tAc',
        'SELECT version FROM nexural_migrations ORDER BY version DESC LIMIT 1',
      ]);
      const newest = Math.max(...(await loadMigrations()).map((migration) => migration.version));
      expect(psql.stdout.trim()).toBe(String(newest));
    } finally {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000); // starting PGlite (WebAssembly) takes seconds on a busy machine

  it('refuses to run when DATABASE_URL points at a real server', async () => {
    const env = parseEnv({ DATABASE_URL: 'postgres://postgres@127.0.0.1:35432/nexural' });
    await expect(startSqlServer(env, 0, new PassThrough())).rejects.toMatchObject({
      code: 'NXR_CONFIG_INVALID',
    });
  });
});
