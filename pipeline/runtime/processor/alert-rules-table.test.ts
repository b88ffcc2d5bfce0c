import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../../schemas/ports/stream-log.js';
import { AlertRulesTable } from './alert-rules-table.js';

const engine = { bars: { intervals: ['1m'] } };
const rule = {
  id: 'btc-61700',
  owner: 'alice',
  symbol: 'BTCUSDT',
  interval: '1m',
  source: { kind: 'price' },
  condition: { operator: 'crossing_down', value: 61_700 },
};

let offset = 0;
const record = (key: string | null, value: Buffer | null): LogRecord => ({
  topic: 'nexural.alert-rules',
  partition: 0,
  offset: String(offset++),
  key,
  value,
  timestamp: 1723161300000,
  headers: {},
});
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('AlertRulesTable', () => {
  it('upserts a valid rule with its defaults applied, and removes it on a tombstone', () => {
    const table = new AlertRulesTable(engine);
    const added = table.apply(record(rule.id, json(rule)));
    expect(added.deadLetter).toBeNull();
    expect(added.change).toMatchObject({
      kind: 'upsert',
      id: rule.id,
      rule: { rule: { frequency: 'once_per_bar' } },
    });
    expect([...table.current.keys()]).toEqual([rule.id]);
    expect(table.apply(record(rule.id, null))).toEqual({
      change: { kind: 'remove', id: rule.id },
      deadLetter: null,
    });
    expect(table.current.size).toBe(0);
  });

  it('reads values framed by a Schema Registry serializer (magic byte + schema id)', () => {
    const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), json(rule)]);
    expect(new AlertRulesTable(engine).apply(record(rule.id, framed)).change?.kind).toBe('upsert');
  });

  it('refuses a rule the engine would refuse with NXR_RULE_INVALID naming why, and drops its older version', () => {
    const table = new AlertRulesTable(engine);
    table.apply(record(rule.id, json(rule)));
    const broken = { ...rule, source: { kind: 'indicator', spec: 'macd(12,26,9)', output: 'nope' } };
    const outcome = table.apply(record(rule.id, json(broken)));
    expect(outcome.change).toEqual({ kind: 'remove', id: rule.id });
    expect(outcome.deadLetter).toMatchObject({
      code: 'NXR_RULE_INVALID',
      key: rule.id,
      payloadEncoding: 'utf8',
      source: { topic: 'nexural.alert-rules', partition: 0 },
      failedAt: 1723161300000,
    });
    expect(outcome.deadLetter?.reason).toContain('"nope"');
  });

  it('refuses a record whose key is not the rule id, or that has no key, or is not JSON', () => {
    const table = new AlertRulesTable(engine);
    expect(table.apply(record('other-id', json(rule))).deadLetter?.reason).toContain(
      'differs from its record key',
    );
    expect(table.apply(record(null, json(rule))).deadLetter?.reason).toContain('id as key');
    expect(table.apply(record(rule.id, Buffer.from('{"id":'))).deadLetter?.code).toBe('NXR_RULE_INVALID');
    expect(table.current.size).toBe(0);
  });
});
