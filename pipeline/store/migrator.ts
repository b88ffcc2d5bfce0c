import { NexuralError } from '../../schemas/errors.js';
import type { AppliedMigration, DatabaseCapabilities, MigrationReport } from '../../schemas/ports/store.js';
import type { MigrationFile } from './migration-files.js';
import { meetsRequirement } from './migration-sections.js';
import type { SqlDatabase, SqlSession } from './sql-database.js';

/** Reads the server version and whether TimescaleDB is installed in this database, and under which licence. */
export async function detectCapabilities(db: SqlSession): Promise<DatabaseCapabilities> {
  const { rows } = await db.query<{ server: string; extension: string | null; license: string | null }>(
    `SELECT current_setting('server_version') AS server,
       (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS extension,
       current_setting('timescaledb.license', true) AS license`,
  );
  const row = rows[0];
  if (!row) throw new Error('capability query returned no row');
  if (row.extension === null) return { serverVersion: row.server, timescaledb: null };
  if (row.license !== 'timescale' && row.license !== 'apache') {
    throw new NexuralError(
      'NXR_CONFIG_INVALID',
      `timescaledb.license is "${row.license}"; expected "timescale" or "apache"`,
      { license: row.license },
    );
  }
  return { serverVersion: row.server, timescaledb: { version: row.extension, license: row.license } };
}

const ledgerTable = `CREATE TABLE IF NOT EXISTS nexural_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  skipped_sections text[] NOT NULL,
  capabilities text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE nexural_migrations IS 'Migrations applied by nexural migrate (sql/NNNN_*.sql), with the checksum of each file as applied.';
COMMENT ON COLUMN nexural_migrations.version IS 'migration number (file prefix)';
COMMENT ON COLUMN nexural_migrations.name IS 'migration name (file name without number and .sql)';
COMMENT ON COLUMN nexural_migrations.checksum IS 'hex SHA-256 of the file when applied; a changed file is refused';
COMMENT ON COLUMN nexural_migrations.skipped_sections IS 'sections not run because the database lacked what they require';
COMMENT ON COLUMN nexural_migrations.capabilities IS 'what the database offered when the migration ran (server version, TimescaleDB and licence)';
COMMENT ON COLUMN nexural_migrations.applied_at IS 'when the migration was applied';`;

// One migrator at a time per schema: a second process waits, then finds the work done.
const lockStatement = `SELECT pg_advisory_xact_lock(hashtext('nexural.migrate:' || current_schema()))`;

interface LedgerRow {
  version: number;
  name: string;
  checksum: string;
}

/**
 * Applies pending migrations in order, each in its own transaction together with its ledger row, running
 * only the sections the database's capabilities meet. Refuses when an applied migration's file changed or
 * disappeared: the schema would no longer be what the files say.
 */
export async function migrate(
  db: SqlDatabase,
  migrations: readonly MigrationFile[],
): Promise<MigrationReport> {
  const capabilities = await detectCapabilities(db);
  const capabilityText = describe(capabilities);
  const ledger = await db.transaction(async (tx) => {
    await tx.query(lockStatement);
    await tx.exec(ledgerTable);
    return (
      await tx.query<LedgerRow>('SELECT version, name, checksum FROM nexural_migrations ORDER BY version')
    ).rows;
  });
  verifyLedger(ledger, migrations);

  const appliedVersions = new Set(ledger.map((row) => row.version));
  const applied: AppliedMigration[] = [];
  for (const migration of migrations) {
    if (appliedVersions.has(migration.version)) continue;
    const done = await db.transaction(async (tx) => {
      await tx.query(lockStatement);
      const again = await tx.query('SELECT 1 FROM nexural_migrations WHERE version = $1', [
        migration.version,
      ]);
      if (again.rows.length > 0) return null;
      const skippedSections: string[] = [];
      for (const section of migration.sections) {
        if (!meetsRequirement(capabilities, section.requires)) {
          skippedSections.push(`${section.requires} (line ${section.line})`);
          continue;
        }
        await tx.exec(section.sql).catch((error: unknown) => {
          throw describeFailure(error, migration, section.line);
        });
      }
      await tx.query(
        `INSERT INTO nexural_migrations (version, name, checksum, skipped_sections, capabilities)
         VALUES ($1, $2, $3, $4, $5)`,
        [migration.version, migration.name, migration.checksum, skippedSections, capabilityText],
      );
      return { version: migration.version, name: migration.name, skippedSections };
    });
    if (done) applied.push(done);
  }
  return { capabilities, applied, alreadyApplied: migrations.length - applied.length };
}

function verifyLedger(ledger: readonly LedgerRow[], migrations: readonly MigrationFile[]): void {
  const files = new Map(migrations.map((migration) => [migration.version, migration]));
  for (const row of ledger) {
    const file = files.get(row.version);
    if (!file) {
      throw new NexuralError(
        'NXR_MIGRATION_MISMATCH',
        `migration ${row.version} (${row.name}) is applied in the database but has no file in sql/; this database is newer than this code`,
        { version: row.version },
      );
    }
    if (file.checksum !== row.checksum) {
      throw new NexuralError(
        'NXR_MIGRATION_MISMATCH',
        `migration ${row.version} (${row.name}) was changed after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ${file.checksum.slice(0, 12)}… in the file); add a new migration instead of editing an applied one`,
        { version: row.version, applied: row.checksum, file: file.checksum },
      );
    }
  }
}

function describe(capabilities: DatabaseCapabilities): string {
  const timescale = capabilities.timescaledb;
  return `PostgreSQL ${capabilities.serverVersion}${timescale ? `, TimescaleDB ${timescale.version} (${timescale.license})` : ', no TimescaleDB'}`;
}

function describeFailure(error: unknown, migration: MigrationFile, line: number): unknown {
  if (error instanceof NexuralError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new NexuralError(
    'NXR_FILE_INVALID',
    `migration ${String(migration.version).padStart(4, '0')}_${migration.name}.sql, section at line ${line}: ${message}`,
    { version: migration.version, line },
    { cause: error },
  );
}
