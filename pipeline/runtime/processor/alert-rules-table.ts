import { isUtf8 } from 'node:buffer';
import type { DeadLetter } from '../../../schemas/dead-letter.js';
import { isNexuralError } from '../../../schemas/errors.js';
import type { LogRecord } from '../../../schemas/ports/stream-log.js';
import type { ParsedAlertRule } from '../../alerts/rule-runtime.js';
import type { EngineConfigInput } from '../../engine/engine-config.js';
import { MarketEngine } from '../../engine/market-engine.js';

/** An upsert carries the rule checked once, for every partition's engine to take as it is. */
export type RuleChange =
  | { readonly kind: 'upsert'; readonly id: string; readonly rule: ParsedAlertRule }
  | { readonly kind: 'remove'; readonly id: string };

export interface RuleRecordOutcome {
  readonly change: RuleChange | null;
  readonly deadLetter: DeadLetter | null;
}

const ignore = { bar() {}, indicator() {}, alert() {}, late() {} };
/** Confluent wire format: magic byte 0 + 4-byte schema id, then the JSON */
const REGISTRY_HEADER = 5;

function jsonOf(value: Buffer): unknown {
  const body = value[0] === 0 && value.length > REGISTRY_HEADER ? value.subarray(REGISTRY_HEADER) : value;
  return JSON.parse(body.toString('utf8'));
}

/**
 * The alert rules as the compacted rules topic says (key = rule id, tombstone = deleted), checked against
 * the processor's engine config: a rule the engine would refuse is a dead letter (NXR_RULE_INVALID), and
 * a rule whose latest version is invalid is removed rather than left running in an older version.
 */
export class AlertRulesTable {
  private readonly rules = new Map<string, ParsedAlertRule>();
  private readonly validator: MarketEngine;

  constructor(engine: EngineConfigInput) {
    this.validator = new MarketEngine(engine, ignore);
  }

  /** The valid rules by id, in the order they were first read. */
  get current(): ReadonlyMap<string, ParsedAlertRule> {
    return this.rules;
  }

  apply(record: LogRecord): RuleRecordOutcome {
    const id = record.key;
    if (id === null)
      return { change: null, deadLetter: this.refuse(record, 'a rule record needs its id as key') };
    if (record.value === null) return { change: this.remove(id), deadLetter: null };
    let rule: ParsedAlertRule;
    try {
      rule = MarketEngine.prepareRule(jsonOf(record.value));
      this.validator.upsertRule(rule);
      this.validator.removeRule(rule.rule.id);
      if (rule.rule.id !== id)
        throw new Error(`rule id "${rule.rule.id}" differs from its record key "${id}"`);
    } catch (error) {
      const reason = isNexuralError(error) || error instanceof Error ? error.message : String(error);
      return { change: this.remove(id), deadLetter: this.refuse(record, reason) };
    }
    this.rules.set(id, rule);
    return { change: { kind: 'upsert', id, rule }, deadLetter: null };
  }

  private remove(id: string): RuleChange | null {
    return this.rules.delete(id) ? { kind: 'remove', id } : null;
  }

  private refuse(record: LogRecord, reason: string): DeadLetter {
    const value = record.value;
    const text = value === null || isUtf8(value);
    return {
      code: 'NXR_RULE_INVALID',
      reason,
      payload: value === null ? '' : value.toString(text ? 'utf8' : 'base64'),
      payloadEncoding: text ? 'utf8' : 'base64',
      key: record.key,
      source: { topic: record.topic, partition: record.partition, offset: record.offset },
      failedAt: record.timestamp,
    };
  }
}
