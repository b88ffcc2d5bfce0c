import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { stackEnv } from '../../test/stack-env.js';
import { uniqueIdentifier } from '../../test/unique.js';
import { loadMigrations } from './migration-files.js';
import { openPostgresStore } from './postgres-store.js';

/**
 * The timescale-licence sections (continuous aggregates, compression and retention policies) cannot run on
 * the stack's apache build. What it can show: each statement parses, names existing functions with
 * matching argument names and types, and gets as far as TimescaleDB's licence check — not a syntax error or
 * an unknown function. The continuous aggregates' SELECT is the same as the apache views', which do run.
 */
describe('timescale-licence migration sections on the apache build', () => {
  it('reach the licence check statement by statement', async () => {
    const connectionString = stackEnv().DATABASE_URL;
    const schema = uniqueIdentifier('tsl_sections');
    const store = await openPostgresStore({ connectionString, schema });
    await store.migrate();
    await store.close();
    const client = new pg.Client({ connectionString, options: `-c search_path=${schema},public` });
    await client.connect();
    const outcomes: { statement: string; outcome: string }[] = [];
    try {
      for (const migration of await loadMigrations()) {
        for (const section of migration.sections.filter(
          (candidate) => candidate.requires === 'timescaledb-tsl',
        )) {
          // These sections hold no function bodies, so `;` at a line end ends a statement.
          const statements = section.sql
            .split(/;\s*\n/)
            .map((statement) => statement.replace(/^(\s*--.*\n)+/g, '').trim())
            .filter((statement) => statement !== '');
          for (const statement of statements) {
            await client.query('BEGIN');
            // The apache views of the same names exist: make room for a continuous aggregate of that name.
            if (statement.startsWith('CREATE MATERIALIZED VIEW')) {
              await client.query('DROP VIEW bars_1h, bars_1d CASCADE');
            }
            const outcome = await client.query(statement).then(
              () => 'ran',
              (error: Error) => error.message,
            );
            await client.query('ROLLBACK');
            outcomes.push({ statement: statement.slice(0, 60), outcome });
          }
        }
      }
    } finally {
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    }
    expect(outcomes.length).toBe(13);
    for (const { statement, outcome } of outcomes) {
      expect({ statement, outcome }).toEqual({
        statement,
        outcome: expect.stringMatching(/not supported under the current "apache" license/),
      });
    }
  });
});
