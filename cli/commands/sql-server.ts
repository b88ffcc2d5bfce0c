import { mkdir } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import type { Command } from 'commander';
import { z } from 'zod';
import { pgliteDataDir } from '../../pipeline/store/open-store.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { type EmbeddedSqlServer, serveEmbeddedSql } from '../../pipeline/store/sql-server.js';
import { type Env, parseEnv } from '../../schemas/env.js';
import { NexuralError } from '../../schemas/errors.js';
import { parseOrThrow } from '../../schemas/validate.js';
import { commandLogger } from '../command-logger.js';

const portSchema = z.coerce
  .number()
  .int()
  .min(0)
  .max(65_535)
  .describe('TCP port on 127.0.0.1 (0 = any free port)');

/**
 * Opens the embedded database (migrated) and serves it on loopback. While it runs, no other process may open
 * the same data directory: PGlite is a single-process database.
 */
export async function startSqlServer(env: Env, port: number, out: Writable): Promise<EmbeddedSqlServer> {
  if (env.DATABASE_URL !== undefined) {
    throw new NexuralError(
      'NXR_CONFIG_INVALID',
      'DATABASE_URL is set, so the store is already a PostgreSQL server: connect with psql "$DATABASE_URL"',
    );
  }
  const dataDir = pgliteDataDir(env);
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir });
  const store = await openPgliteStore({ db });
  await store.migrate();
  const server = await serveEmbeddedSql(db, port);
  out.write(
    `serving the embedded database (${dataDir}) on 127.0.0.1:${server.port}; connect with:\n  ${server.psql}\n`,
  );
  return {
    ...server,
    stop: async () => {
      await server.stop();
      await store.close();
    },
  };
}

export function registerSqlServerCommand(program: Command): void {
  program
    .command('sql-server')
    .description('serve the embedded PGlite database to psql and other PostgreSQL clients on 127.0.0.1')
    .option('-p, --port <port>', 'TCP port (0 = any free port)', '5433')
    .action(async (options: { port: string }) => {
      const port = parseOrThrow(portSchema, options.port, '--port');
      const env = parseEnv(process.env);
      const logger = commandLogger('sql-server', env);
      const server = await startSqlServer(env, port, process.stdout);
      logger.info({ port: server.port }, 'listening on 127.0.0.1');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      logger.info('stopping');
      await server.stop();
      logger.info('stopped');
    });
}
