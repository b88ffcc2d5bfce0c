import type { SqlSession } from './sql-database.js';

/**
 * Tables, views and columns of the current schema without a COMMENT. There should be none: `\d+` in psql is
 * the analysts' documentation. (TimescaleDB's internal relations live in schemas of their own.)
 */
export async function uncommentedObjects(db: SqlSession): Promise<string[]> {
  const { rows } = await db.query<{ object: string }>(
    `WITH relations AS (
       SELECT c.oid, c.relname FROM pg_class c
       WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p')
         AND c.relname NOT LIKE 'nexural_stage_%')
     SELECT relname AS object FROM relations WHERE obj_description(oid, 'pg_class') IS NULL
     UNION ALL
     SELECT r.relname || '.' || a.attname FROM relations r
       JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE col_description(r.oid, a.attnum) IS NULL
     ORDER BY 1`,
  );
  return rows.map((row) => row.object);
}
