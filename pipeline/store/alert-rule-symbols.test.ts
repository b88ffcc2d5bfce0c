import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { alertRuleSchema } from '../../schemas/alert-rule.js';
import { alertRuleRepository } from './alert-rule-queries.js';
import { loadMigrations } from './migration-files.js';
import { migrate } from './migrator.js';
import { pgliteDatabase } from './pglite-database.js';

const watchlist = alertRuleSchema.parse({
  id: 'majors',
  owner: 'alice',
  symbols: ['BTCUSDT', 'ETHUSDT'],
  interval: '1m',
  source: { kind: 'price' },
  condition: { operator: 'crossing_up', value: { kind: 'indicator', spec: 'sma(20)', output: 'value' } },
});

describe('alert_rules.symbols (sql/0009_alert_rule_symbols.sql)', () => {
  it('stores one symbol or a list in its own column, and splits lists stored comma-joined before 0009', async () => {
    const pglite = await PGlite.create();
    const db = pgliteDatabase(pglite);
    const migrations = await loadMigrations();
    await migrate(
      db,
      migrations.filter((migration) => migration.version < 9),
    );
    // How the build before 0009 kept a list: comma-joined in the NOT NULL symbol column.
    await db.query(
      `INSERT INTO alert_rules (id, owner, symbol, bar_interval, enabled, rule) VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
      ['majors', 'alice', 'BTCUSDT,ETHUSDT', '1m', true, JSON.stringify(watchlist)],
    );
    await migrate(db, migrations);
    const columns = async () =>
      (
        await db.query<{ id: string; symbol: string | null; symbols: string[] | null }>(
          'SELECT id, symbol, symbols FROM alert_rules ORDER BY id',
        )
      ).rows;
    expect(await columns()).toEqual([{ id: 'majors', symbol: null, symbols: ['BTCUSDT', 'ETHUSDT'] }]);

    const rules = alertRuleRepository(db);
    await rules.putAlertRule({ ...watchlist, id: 'one', symbols: undefined, symbol: 'SOLUSDT' });
    await rules.putAlertRule({ ...watchlist, symbols: ['XRPUSDT'] });
    expect(await columns()).toEqual([
      { id: 'majors', symbol: null, symbols: ['XRPUSDT'] },
      { id: 'one', symbol: 'SOLUSDT', symbols: null },
    ]);
    expect(await rules.getAlertRule('alice', 'majors')).toEqual({ ...watchlist, symbols: ['XRPUSDT'] });
    await expect(db.query(`UPDATE alert_rules SET symbol = 'BTCUSDT' WHERE id = 'majors'`)).rejects.toThrow(
      /alert_rules_symbol_or_symbols/,
    );
  }, 60_000);
});
