import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedSqlServer {
  readonly port: number;
  /** a psql command line that connects */
  readonly psql: string;
  stop(): Promise<void>;
}

/**
 * Serves a PGlite database over the PostgreSQL wire protocol on loopback only: PGlite has no
 * authentication, so it must never listen on a reachable address. Queries of all clients run one at a time.
 */
export async function serveEmbeddedSql(
  db: PGlite,
  port = 5433,
  maxConnections = 8,
): Promise<EmbeddedSqlServer> {
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections });
  await server.start();
  const actualPort = Number(server.getServerConn().split(':').at(-1));
  return {
    port: actualPort,
    psql: `psql -h 127.0.0.1 -p ${actualPort} -U postgres postgres`,
    stop: () => server.stop(),
  };
}
