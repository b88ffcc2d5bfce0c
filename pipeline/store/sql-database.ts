/**
 * The little of a SQL connection the store needs, so migrations and queries are written once for pg and
 * PGlite. Both return rows as plain objects; numbers may come back as strings (pg's int8) — callers convert.
 */
export interface SqlSession {
  query<Row extends object>(
    text: string,
    params?: readonly unknown[],
  ): Promise<{ readonly rows: Row[]; readonly rowCount: number }>;
  /** Runs a script of several statements (no parameters). */
  exec(script: string): Promise<void>;
}

export interface SqlDatabase extends SqlSession {
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<Result>(work: (session: SqlSession) => Promise<Result>): Promise<Result>;
  close(): Promise<void>;
}

/** `"name"` quoted as a SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
