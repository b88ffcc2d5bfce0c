import { type AlertRule, alertRuleSchema } from '../../schemas/alert-rule.js';
import { NexuralError } from '../../schemas/errors.js';
import type { AlertRuleRepository } from '../../schemas/ports/store.js';
import { parseOrThrow } from '../../schemas/validate.js';
import type { SqlSession } from './sql-database.js';

const parseRule = (rule: unknown, id: string): AlertRule =>
  parseOrThrow(alertRuleSchema, rule, `stored alert rule ${id}`);

/** Alert rules CRUD; every statement filters by owner (the store's role bypasses row-level security). */
export function alertRuleRepository(db: SqlSession): AlertRuleRepository {
  return {
    async putAlertRule(rule: AlertRule): Promise<void> {
      const { rowCount } = await db.query(
        `INSERT INTO alert_rules AS stored (id, owner, symbol, symbols, bar_interval, enabled, rule)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
         ON CONFLICT (id) DO UPDATE SET symbol = EXCLUDED.symbol, symbols = EXCLUDED.symbols,
           bar_interval = EXCLUDED.bar_interval, enabled = EXCLUDED.enabled, rule = EXCLUDED.rule,
           updated_at = now()
         WHERE stored.owner = EXCLUDED.owner`,
        [
          rule.id,
          rule.owner,
          rule.symbol ?? null,
          rule.symbols ?? null,
          rule.interval,
          rule.enabled,
          JSON.stringify(rule),
        ],
      );
      if (rowCount === 0) {
        throw new NexuralError(
          'NXR_RULE_INVALID',
          `rule id "${rule.id}" is taken by another owner; choose another id`,
          {
            path: ['id'],
          },
        );
      }
    },

    async getAlertRule(owner: string, id: string): Promise<AlertRule | null> {
      const { rows } = await db.query<{ rule: unknown }>(
        'SELECT rule FROM alert_rules WHERE owner = $1 AND id = $2',
        [owner, id],
      );
      return rows[0] ? parseRule(rows[0].rule, id) : null;
    },

    async listAlertRules(owner: string): Promise<readonly AlertRule[]> {
      const { rows } = await db.query<{ id: string; rule: unknown }>(
        'SELECT id, rule FROM alert_rules WHERE owner = $1 ORDER BY id',
        [owner],
      );
      return rows.map((row) => parseRule(row.rule, row.id));
    },

    async deleteAlertRule(owner: string, id: string): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM alert_rules WHERE owner = $1 AND id = $2', [
        owner,
        id,
      ]);
      return rowCount > 0;
    },
  };
}
