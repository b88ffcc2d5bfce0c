import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseMigration } from './migration-files.js';
import { detectCapabilities, migrate } from './migrator.js';
import { pgliteDatabase } from './pglite-database.js';
import type { SqlDatabase } from './sql-database.js';

const first = parseMigration(
  '0001_widgets.sql',
  [
    'CREATE TABLE widgets (id int PRIMARY KEY);',
    '-- nexural:requires timescaledb',
    "SELECT create_hypertable('widgets', by_range('id'));",
    '-- nexural:requires no-timescaledb',
    "COMMENT ON TABLE widgets IS 'plain table';",
  ].join('\n'),
);
const second = parseMigration('0002_gadgets.sql', 'CREATE TABLE gadgets (id int);');

describe('migrate', () => {
  // One PGlite (slow to start), a fresh schema per test: the ledger and its lock are per schema.
  let db: SqlDatabase;
  let schemas = 0;
  beforeAll(async () => {
    db = pgliteDatabase(await PGlite.create());
  }, 60_000); // starting PGlite (WebAssembly) takes seconds on a busy machine
  beforeEach(async () => {
    schemas += 1;
    await db.exec(`CREATE SCHEMA test_${schemas}; SET search_path TO test_${schemas}`);
  });
  afterAll(async () => {
    await db.close();
  });

  it('applies pending migrations in order and records the sections it skipped', async () => {
    expect(await detectCapabilities(db)).toMatchObject({ timescaledb: null });
    const report = await migrate(db, [first]);
    expect(report.applied).toEqual([
      { version: 1, name: 'widgets', skippedSections: ['timescaledb (line 2)'] },
    ]);
    const later = await migrate(db, [first, second]);
    expect(later.applied.map((migration) => migration.version)).toEqual([2]);
    expect(later.alreadyApplied).toBe(1);
    const { rows } = await db.query<{ version: number; skipped_sections: string[] }>(
      'SELECT version, skipped_sections FROM nexural_migrations ORDER BY version',
    );
    expect(rows).toEqual([
      { version: 1, skipped_sections: ['timescaledb (line 2)'] },
      { version: 2, skipped_sections: [] },
    ]);
    const comment = await db.query<{ comment: string }>(
      "SELECT obj_description('widgets'::regclass) AS comment",
    );
    expect(comment.rows).toEqual([{ comment: 'plain table' }]);
  });

  it('refuses a migration whose file changed after it was applied', async () => {
    await migrate(db, [first]);
    const edited = parseMigration('0001_widgets.sql', 'CREATE TABLE widgets (id bigint PRIMARY KEY);');
    await expect(migrate(db, [edited])).rejects.toMatchObject({
      code: 'NXR_MIGRATION_MISMATCH',
      message: expect.stringContaining('migration 1 (widgets) was changed after it was applied'),
    });
  });

  it('refuses a database that has migrations this code does not know', async () => {
    await migrate(db, [first, second]);
    await expect(migrate(db, [first])).rejects.toMatchObject({
      code: 'NXR_MIGRATION_MISMATCH',
      message: expect.stringContaining('migration 2 (gadgets) is applied in the database but has no file'),
    });
  });

  it('rolls a failing migration back entirely and names its file and section', async () => {
    const broken = parseMigration(
      '0002_broken.sql',
      'CREATE TABLE fine (id int);\nSELECT no_such_function();',
    );
    await migrate(db, [first]);
    await expect(migrate(db, [first, broken])).rejects.toMatchObject({
      code: 'NXR_FILE_INVALID',
      message: expect.stringMatching(
        /^migration 0002_broken\.sql, section at line 1: function no_such_function/,
      ),
    });
    const tables = await db.query("SELECT 1 FROM pg_tables WHERE tablename = 'fine'");
    expect(tables.rows).toEqual([]);
  });
});

describe('parseMigration', () => {
  it('refuses migration files not named NNNN_name.sql', () => {
    expect(() => parseMigration('1_widgets.sql', '')).toThrow('is not named like 0001_name.sql');
  });
});
