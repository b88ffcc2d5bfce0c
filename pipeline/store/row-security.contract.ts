import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binanceKlines } from './market-data-fixtures.js';
import { pgliteDatabase } from './pglite-database.js';
import { openPgliteStore } from './pglite-store.js';
import type { SqlDatabase, SqlSession } from './sql-database.js';

/** A migrated database plus a way to run SQL in a session of another role. */
export interface RowSecurityHarness {
  /** the migrating role's connection (table owner) */
  readonly admin: SqlDatabase;
  /** unique login role names for the two analysts */
  readonly logins: { readonly alice: string; readonly bob: string };
  /**
   * Runs `work` in a session that logged in as `login` (a real connection on PostgreSQL, SET ROLE on PGlite),
   * or as the app (the migrating role) when `login` is null.
   */
  session<Result>(login: string | null, work: (session: SqlSession) => Promise<Result>): Promise<Result>;
  destroy(): Promise<void>;
}

const permissionDenied = { code: '42501' };
const owners = ['alice', 'bob'] as const;

async function seed(harness: RowSecurityHarness): Promise<void> {
  const { admin, logins } = harness;
  for (const owner of owners) {
    await admin.exec(`CREATE ROLE ${logins[owner]} LOGIN IN ROLE nexural_analyst`);
    await admin.query('INSERT INTO users (id, email, db_login) VALUES ($1, $2, $3)', [
      owner,
      `${owner}@example.com`,
      logins[owner],
    ]);
    await admin.query(
      `INSERT INTO alert_rules (id, owner, symbol, bar_interval, enabled, rule) VALUES ($1, $2, 'BTCUSDT', '1m', true, '{}')`,
      [`${owner}-rule`, owner],
    );
    await admin.query(
      `INSERT INTO api_keys (id, owner, key_prefix, key_hash) VALUES ($1, $2, 'nxr_ab12', encode(sha256(convert_to($3::text, 'UTF8')), 'hex'))`,
      [`${owner}-key`, owner, `nxr_ab12-secret-of-${owner}`],
    );
    await admin.query(
      `INSERT INTO strategies (id, owner, name, kind, config, venue, symbol, bar_interval)
       VALUES ($1, $2, 'sma cross', 'sma_cross', '{}', 'binance-um', 'BTCUSDT', '1m')`,
      [`${owner}-strategy`, owner],
    );
    await admin.query(
      `INSERT INTO jobs (id, name, owner, state, max_attempts, backoff_ms, jitter, created_at, run_at)
       VALUES ($1, 'newsletter', $2, 'completed', 1, 0, 0, 0, 0)`,
      [`${owner}-job`, owner],
    );
    await admin.query(
      `INSERT INTO job_runs (job_id, attempt, started_at, finished_at, outcome) VALUES ($1, 1, 0, 5, 'completed')`,
      [`${owner}-job`],
    );
    await admin.query(
      `INSERT INTO job_schedules (id, name, owner, schedule, updated_at)
       VALUES ($1, 'newsletter', $2, '{"kind":"every","everyMs":60000}', 0)`,
      [`${owner}-schedule`, owner],
    );
    await admin.query('INSERT INTO discord_links (discord_user_id, owner) VALUES ($1, $2)', [
      `${owner}-discord`,
      owner,
    ]);
    await admin.query(
      `INSERT INTO discord_conversations (conversation, turns, owner) VALUES ($1, '[]', $2)`,
      [`${owner}-conversation`, owner],
    );
    await admin.query(
      `INSERT INTO discord_ask_usage (account, day, asked, owner) VALUES ($1, '2024-08-09', 3, $1)`,
      [owner],
    );
  }
  await admin.query(
    `INSERT INTO discord_conversations (conversation, turns, owner) VALUES ('unlinked-conversation', '[]', NULL)`,
  );
  await admin.query(
    `INSERT INTO jobs (id, name, owner, state, max_attempts, backoff_ms, jitter, created_at, run_at)
     VALUES ('system-job', 'retention', 'system', 'waiting', 1, 0, 0, 0, 0)`,
  );
}

/** Proves the analyst role and row-level security with real SQL (sql/0005_roles_and_row_security.sql). */
export function describeRowSecurity(
  databaseName: string,
  createHarness: () => Promise<RowSecurityHarness>,
): void {
  describe(`Roles and row-level security: ${databaseName}`, () => {
    let harness: RowSecurityHarness;
    beforeAll(async () => {
      harness = await createHarness();
      await seed(harness);
    }, 60_000); // starting PGlite (WebAssembly) takes seconds on a busy machine
    afterAll(async () => {
      await harness.destroy();
    }, 60_000);

    it('lets an analyst read all market data and only their own user-owned rows', async () => {
      await harness.session(harness.logins.alice, async (alice) => {
        expect((await alice.query('SELECT count(*)::int AS bars FROM bars')).rows).toEqual([{ bars: 30 }]);
        expect((await alice.query('SELECT count(*)::int AS hours FROM bars_1h')).rows).toEqual([
          { hours: 2 },
        ]);
        expect((await alice.query('SELECT id FROM alert_rules')).rows).toEqual([{ id: 'alice-rule' }]);
        expect((await alice.query('SELECT id FROM strategies')).rows).toEqual([{ id: 'alice-strategy' }]);
        expect((await alice.query('SELECT id FROM users')).rows).toEqual([{ id: 'alice' }]);
        expect((await alice.query('SELECT id FROM jobs')).rows).toEqual([{ id: 'alice-job' }]);
        expect((await alice.query('SELECT job_id FROM job_runs')).rows).toEqual([{ job_id: 'alice-job' }]);
        expect((await alice.query('SELECT id FROM job_schedules')).rows).toEqual([{ id: 'alice-schedule' }]);
        expect((await alice.query('SELECT id, key_prefix FROM api_keys')).rows).toEqual([
          { id: 'alice-key', key_prefix: 'nxr_ab12' },
        ]);
        expect((await alice.query('SELECT discord_user_id FROM discord_links')).rows).toEqual([
          { discord_user_id: 'alice-discord' },
        ]);
        expect((await alice.query('SELECT conversation FROM discord_conversations')).rows).toEqual([
          { conversation: 'alice-conversation' },
        ]);
        await expect(
          alice.query("DELETE FROM discord_links WHERE discord_user_id = 'alice-discord'"),
        ).rejects.toMatchObject(permissionDenied);
      });
    });

    it('keeps a request to its own Discord links, conversations (sql/0022) and /ask counts (sql/0026)', async () => {
      await harness.session(null, async (app) => {
        await app.query('SET ROLE nexural_app_user');
        await app.query("SELECT set_config('nexural.user_id', 'alice', false)");
        expect((await app.query('SELECT discord_user_id FROM discord_links')).rows).toEqual([
          { discord_user_id: 'alice-discord' },
        ]);
        expect((await app.query('SELECT conversation FROM discord_conversations')).rows).toEqual([
          { conversation: 'alice-conversation' },
        ]);
        await expect(
          app.query("INSERT INTO discord_links (discord_user_id, owner) VALUES ('evil-discord', 'bob')"),
        ).rejects.toThrow(/row-level security/);
        expect(
          (await app.query("UPDATE discord_links SET owner = 'alice' WHERE discord_user_id = 'bob-discord'"))
            .rowCount,
        ).toBe(0);
        expect((await app.query('DELETE FROM discord_conversations WHERE owner IS NULL')).rowCount).toBe(0);
        // the /ask quota (sql/0026): its own count only, and it cannot reset another account's
        expect((await app.query('SELECT account, asked FROM discord_ask_usage')).rows).toEqual([
          { account: 'alice', asked: 3 },
        ]);
        expect(
          (await app.query("UPDATE discord_ask_usage SET asked = 0 WHERE account = 'bob'")).rowCount,
        ).toBe(0);
        await app.query('RESET ROLE');
      });
      const { rows } = await harness.admin.query(
        'SELECT discord_user_id, owner FROM discord_links ORDER BY discord_user_id',
      );
      expect(rows).toEqual([
        { discord_user_id: 'alice-discord', owner: 'alice' },
        { discord_user_id: 'bob-discord', owner: 'bob' },
      ]);
      const unlinked = await harness.admin.query(
        'SELECT count(*)::int AS n FROM discord_conversations WHERE owner IS NULL',
      );
      expect(unlinked.rows).toEqual([{ n: 1 }]);
    });

    it('identifies an analyst by login, so setting nexural.user_id to another user shows nothing more', async () => {
      await harness.session(harness.logins.alice, async (alice) => {
        await alice.query("SELECT set_config('nexural.user_id', 'bob', false)");
        expect((await alice.query('SELECT id FROM alert_rules')).rows).toEqual([{ id: 'alice-rule' }]);
      });
    });

    it('refuses every write by an analyst, key hashes and billing tables', async () => {
      await harness.session(harness.logins.bob, async (bob) => {
        const bar = binanceKlines()[0];
        await expect(
          bob.query(
            `INSERT INTO bars SELECT venue, symbol, '5m', open_time, close_time, open, high, low, close, volume,
               quote_volume, trades, taker_buy_volume, final, revision FROM bars WHERE open_time = $1`,
            [new Date(bar?.openTime ?? 0).toISOString()],
          ),
        ).rejects.toMatchObject(permissionDenied);
        await expect(bob.query('UPDATE bars SET close = 1')).rejects.toMatchObject(permissionDenied);
        await expect(bob.query('DELETE FROM trade_ticks')).rejects.toMatchObject(permissionDenied);
        await expect(bob.query('UPDATE alert_rules SET enabled = false')).rejects.toMatchObject(
          permissionDenied,
        );
        await expect(bob.query("INSERT INTO symbols VALUES ('x', 'y')")).rejects.toMatchObject(
          permissionDenied,
        );
        await expect(bob.query('SELECT key_hash FROM api_keys')).rejects.toMatchObject(permissionDenied);
        await expect(bob.query('SELECT * FROM stripe_events')).rejects.toMatchObject(permissionDenied);
      });
    });

    it('shows a request only the rows of nexural.user_id, and refuses writing rows of another user', async () => {
      await harness.session(null, async (app) => {
        await app.query('SET ROLE nexural_app_user');
        expect((await app.query('SELECT id FROM alert_rules')).rows).toEqual([]);
        await app.query("SELECT set_config('nexural.user_id', 'alice', false)");
        expect((await app.query('SELECT id FROM alert_rules')).rows).toEqual([{ id: 'alice-rule' }]);
        expect((await app.query('SELECT id FROM jobs')).rows).toEqual([{ id: 'alice-job' }]);
        expect((await app.query('SELECT job_id FROM job_runs')).rows).toEqual([{ job_id: 'alice-job' }]);
        expect((await app.query('SELECT id FROM job_schedules')).rows).toEqual([{ id: 'alice-schedule' }]);
        await expect(app.query("UPDATE jobs SET state = 'dead'")).rejects.toMatchObject(permissionDenied);
        expect((await app.query("UPDATE alert_rules SET enabled = false WHERE owner = 'bob'")).rowCount).toBe(
          0,
        );
        expect((await app.query("DELETE FROM strategies WHERE id = 'bob-strategy'")).rowCount).toBe(0);
        await expect(
          app.query(
            `INSERT INTO alert_rules (id, owner, symbol, bar_interval, enabled, rule) VALUES ('evil', 'bob', '*', '1m', true, '{}')`,
          ),
        ).rejects.toThrow(/row-level security/);
        await expect(app.query('UPDATE bars SET close = 1')).rejects.toMatchObject(permissionDenied);
        await app.query("SELECT set_config('nexural.user_id', 'bob', false)");
        expect((await app.query('SELECT id FROM alert_rules')).rows).toEqual([{ id: 'bob-rule' }]);
        await app.query('RESET ROLE');
      });
      const { rows } = await harness.admin.query("SELECT enabled FROM alert_rules WHERE id = 'bob-rule'");
      expect(rows).toEqual([{ enabled: true }]);
    });
  });
}

/** The PGlite harness: one in-memory database; sessions switch role and back. */
export async function pgliteRowSecurityHarness(): Promise<RowSecurityHarness> {
  const pglite = await PGlite.create();
  const store = await openPgliteStore({ db: pglite });
  await store.migrate();
  await store.write({ bars: binanceKlines() });
  const admin = pgliteDatabase(pglite);
  return {
    admin,
    logins: { alice: 'analyst_alice', bob: 'analyst_bob' },
    async session(login, work) {
      if (login) await admin.exec(`SET ROLE ${login}`);
      try {
        return await work(admin);
      } finally {
        await admin.exec("RESET ROLE; SELECT set_config('nexural.user_id', '', false)");
      }
    },
    destroy: () => store.close(),
  };
}
