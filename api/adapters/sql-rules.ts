import { type AlertRule, alertRuleSchema } from '../../schemas/alert-rule.js';
import { parseOrThrow } from '../../schemas/validate.js';
import type { SqlRows } from './sql-client.js';

/** Every stored rule of every owner: to re-announce them on a rules topic that starts empty (embedded log). */
export async function allStoredRules(db: SqlRows): Promise<AlertRule[]> {
  const { rows } = await db.query<{ id: string; rule: unknown }>(
    'SELECT id, rule FROM alert_rules ORDER BY id',
  );
  return rows.map((row) => parseOrThrow(alertRuleSchema, row.rule, `stored alert rule ${row.id}`));
}
