import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NexuralError } from '../../schemas/errors.js';
import { type MigrationSection, splitSections } from './migration-sections.js';

export interface MigrationFile {
  readonly version: number;
  readonly name: string;
  /** hex SHA-256 of the file's bytes: an applied migration whose file changed is refused */
  readonly checksum: string;
  readonly sections: readonly MigrationSection[];
}

const fileNamePattern = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Parses one migration file's text (pure); `fileName` is like `0001_market_data.sql`. */
export function parseMigration(fileName: string, sql: string): MigrationFile {
  const match = fileNamePattern.exec(fileName);
  if (!match?.[1] || !match[2]) {
    throw new NexuralError(
      'NXR_FILE_INVALID',
      `migration file "${fileName}" is not named like 0001_name.sql`,
      {
        file: fileName,
      },
    );
  }
  const sections = splitSections(sql);
  if (typeof sections === 'string') {
    throw new NexuralError('NXR_FILE_INVALID', `migration ${fileName}: ${sections}`, { file: fileName });
  }
  return {
    version: Number(match[1]),
    name: match[2],
    checksum: createHash('sha256').update(sql).digest('hex'),
    sections,
  };
}

/**
 * Reads every `NNNN_name.sql` in a folder, ordered by version; refuses duplicate versions. Gaps are allowed:
 * numbers are reserved by work landing in parallel, and a lower number that lands later is applied when it
 * appears (the ledger records each version, not a high-water mark).
 */
export async function loadMigrations(folder: string = defaultMigrationsFolder()): Promise<MigrationFile[]> {
  const names = (await readdir(folder)).filter((name) => name.endsWith('.sql')).sort();
  const migrations: MigrationFile[] = [];
  for (const name of names) {
    migrations.push(parseMigration(name, await readFile(join(folder, name), 'utf8')));
  }
  for (const [index, migration] of migrations.entries()) {
    const previous = migrations[index - 1];
    if (migration.version < 1 || (previous !== undefined && migration.version <= previous.version)) {
      throw new NexuralError(
        'NXR_FILE_INVALID',
        `migrations in ${folder} must have distinct numbers from 0001 up; found ${names.join(', ')}`,
        { folder },
      );
    }
  }
  return migrations;
}

/** The repository's `sql/` folder, found upwards from this module (works from source and from dist/). */
export function defaultMigrationsFolder(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(folder, 'sql');
    if (existsSync(join(candidate, '0001_market_data.sql'))) return candidate;
    const parent = dirname(folder);
    if (parent === folder) {
      throw new NexuralError(
        'NXR_CONFIG_INVALID',
        'cannot find the sql/ migrations folder above this module',
      );
    }
    folder = parent;
  }
}
