import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { SqlDatabase, SqlSession } from './sql-database.js';

type PGliteLike = Pick<PGlite, 'query' | 'exec'> | Transaction;

function session(db: PGliteLike): SqlSession {
  return {
    async query<Row extends object>(text: string, params: readonly unknown[] = []) {
      const result = await db.query<Row>(text, [...params]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(script: string) {
      await db.exec(script);
    },
  };
}

/** A SqlDatabase over one PGlite instance (single connection: statements run one at a time). */
export function pgliteDatabase(db: PGlite): SqlDatabase {
  return {
    ...session(db),
    transaction: (work) => db.transaction((tx) => work(session(tx))),
    close: () => db.close(),
  };
}
