import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { describeCapabilities } from '../../pipeline/store/migration-sections.js';
import { openStore, pgliteDataDir } from '../../pipeline/store/open-store.js';
import { type Env, parseEnv } from '../../schemas/env.js';
import type { MigrationReport, RetentionResult } from '../../schemas/ports/store.js';

export interface MigrateOptions {
  /** also remove market data older than the retention policies */
  readonly applyRetention?: boolean;
}

function describeReport(report: MigrationReport): string[] {
  const timescale = report.capabilities.timescaledb;
  const lines = [
    `database: PostgreSQL ${report.capabilities.serverVersion}, ${timescale ? `TimescaleDB ${timescale.version} (${timescale.license} licence)` : 'no TimescaleDB'}; sections run: ${describeCapabilities(report.capabilities)}`,
  ];
  for (const migration of report.applied) {
    const skipped =
      migration.skippedSections.length > 0 ? ` (skipped: ${migration.skippedSections.join(', ')})` : '';
    lines.push(`applied ${String(migration.version).padStart(4, '0')}_${migration.name}${skipped}`);
  }
  if (report.applied.length === 0)
    lines.push(`up to date: ${report.alreadyApplied} migrations already applied`);
  return lines;
}

const describeRetention = (result: RetentionResult): string =>
  `retention: ${result.table} older than ${new Date(result.cutoff).toISOString()}: removed ${result.removed} (${result.method})`;

/** `nexural migrate`: applies pending migrations to the configured store and says what it did. */
export async function runMigrate(env: Env, options: MigrateOptions, out: Writable): Promise<void> {
  out.write(
    `store: ${env.DATABASE_URL === undefined ? `PGlite in ${pgliteDataDir(env)}` : 'DATABASE_URL'}\n`,
  );
  const store = await openStore(env);
  try {
    for (const line of describeReport(await store.migrate())) out.write(`${line}\n`);
    if (options.applyRetention) {
      for (const result of await store.applyRetention()) out.write(`${describeRetention(result)}\n`);
    }
  } finally {
    await store.close();
  }
}

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description(
      'apply the SQL migrations (sql/) to DATABASE_URL, or to the embedded PGlite database in NEXURAL_DATA_DIR',
    )
    .option(
      '--apply-retention',
      'then remove market data older than the retention policies (needed on the apache licence and without TimescaleDB; see sql/0004)',
    )
    .action(async (options: { applyRetention?: boolean }) => {
      await runMigrate(
        parseEnv(process.env),
        { applyRetention: options.applyRetention === true },
        process.stdout,
      );
    });
}
