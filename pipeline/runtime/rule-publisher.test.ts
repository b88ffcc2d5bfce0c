import { afterEach, describe, expect, it } from 'vitest';
import { type AlertRule, alertRuleSchema } from '../../schemas/alert-rule.js';
import type { RuleChange } from '../../schemas/ports/rule-changes.js';
import type { StreamLog } from '../../schemas/ports/stream-log.js';
import { createEmbeddedLog } from './log/embedded-log.js';
import { collect, until } from './log/testing/stream-log-test-kit.js';
import { AlertRulesTable } from './processor/alert-rules-table.js';
import { createRulePublisher } from './rule-publisher.js';

const topic = 'nexural.alert-rules';
const rule: AlertRule = alertRuleSchema.parse({
  id: 'btc-above-62k',
  owner: 'alice',
  symbol: 'BTCUSDT',
  interval: '1m',
  source: { kind: 'indicator', spec: 'rsi(14)' },
  condition: { operator: 'crossing_up', value: 70 },
});

describe('createRulePublisher', () => {
  let log: StreamLog;
  afterEach(async () => {
    await log.close();
  });

  it('writes upserts as JSON keyed by rule id and removals as tombstones, which the processor reads back', async () => {
    log = createEmbeddedLog();
    await log.admin.createTopics([{ name: topic, partitions: 3, compacted: true }]);
    // Read each change before the next: the embedded log compacts what a reader has not fetched yet.
    const reader = await collect(log, { groupId: 'rules-reader', topics: [topic], start: 'earliest' });
    const publisher = createRulePublisher({ log, topic });
    const changes: RuleChange[] = [
      { kind: 'upsert', rule },
      { kind: 'upsert', rule: { ...rule, enabled: false } },
      { kind: 'remove', id: rule.id },
    ];
    for (const [index, change] of changes.entries()) {
      await publisher.publish(change);
      await until(() => reader.records.length === index + 1, `rule record ${index + 1}`, 3_000);
    }
    await publisher.close();

    expect(reader.records.map((record) => record.key)).toEqual([rule.id, rule.id, rule.id]);
    expect(JSON.parse(reader.records[0]?.value?.toString() ?? 'null')).toEqual(rule);
    expect(reader.records[2]?.value).toBeNull();

    const table = new AlertRulesTable({ bars: { intervals: ['1m'] } });
    const applied = reader.records.map((record) => table.apply(record).change?.kind ?? null);
    expect(applied).toEqual(['upsert', 'upsert', 'remove']);
    expect(table.current.size).toBe(0);
  });
});
