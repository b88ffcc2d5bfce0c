import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations } from '../../pipeline/store/migration-files.js';
import { parseEnv } from '../../schemas/env.js';
import { runMigrate } from './migrate.js';

async function output(run: (out: PassThrough) => Promise<void>): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  await run(out);
  return text;
}

describe('nexural migrate', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'nexural-migrate-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('migrates the embedded database once, saying which sections it skipped, then reports it up to date', async () => {
    const env = parseEnv({ NEXURAL_DATA_DIR: dataDir });
    const first = await output((out) => runMigrate(env, {}, out));
    expect(first).toContain(`store: PGlite in ${join(dataDir, 'pglite')}`);
    expect(first).toMatch(/database: PostgreSQL 18\.\d+, no TimescaleDB; sections run: no-timescaledb/);
    expect(first).toMatch(/applied 0001_market_data \(skipped: timescaledb \(line \d+\)\)/);
    expect(first).toContain('applied 0005_roles_and_row_security\n');
    const second = await output((out) => runMigrate(env, { applyRetention: true }, out));
    const files = (await loadMigrations()).length;
    expect(second).toContain(`up to date: ${files} migrations already applied`);
    expect(second).toMatch(
      /retention: trade_ticks older than \d{4}-\d\d-\d\dT[\d:.]+Z: removed 0 \(delete \(rows\)\)/,
    );
  }, 120_000); // two PGlite starts on a busy machine
});
