import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMigrations } from '../../pipeline/store/migration-files.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';

const MARK = 'nexural-template-complete';

async function templateKey(): Promise<string> {
  const manifestPath = fileURLToPath(
    new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url),
  );
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { version: string };
  const hash = createHash('sha256').update(`pglite ${manifest.version}\n`);
  for (const migration of await loadMigrations()) hash.update(`${migration.version} ${migration.checksum}\n`);
  return hash.digest('hex').slice(0, 16);
}

let template: Promise<string> | null = null;

/**
 * A PGlite data folder migrated to the current sql/ files, to copy per run (creating and migrating one takes
 * 12–35 s here). Kept in the temp folder under a key of the migrations' checksums and the PGlite version, so
 * test processes and later runs share it; a changed migration gets a new folder. Made in a folder of its own
 * and renamed into place, so concurrent makers never see half of one.
 */
export function migratedPgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const folder = join(tmpdir(), `nexural-pglite-template-${await templateKey()}`);
    if (existsSync(join(folder, MARK))) return folder;
    const making = await mkdtemp(join(tmpdir(), `nexural-pglite-making-${randomUUID().slice(0, 8)}-`));
    const store = await openPgliteStore({ dataDir: making });
    await store.migrate();
    await store.close();
    await writeFile(join(making, MARK), new Date().toISOString());
    await rename(making, folder).catch(async (error: unknown) => {
      // another process put its template in place first: use that one
      await rm(making, { recursive: true, force: true });
      if (!existsSync(join(folder, MARK))) throw error;
    });
    return folder;
  })();
  return template;
}
