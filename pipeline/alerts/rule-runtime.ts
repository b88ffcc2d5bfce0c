import { type AlertRule, alertRuleSchema, ruleSymbols } from '../../schemas/alert-rule.js';
import { NexuralError } from '../../schemas/errors.js';
import { describeIssues } from '../../schemas/validate.js';
import type { RuleSnapshot } from './alert-snapshot.js';
import { type ConstantCondition, isConstantCondition } from './operators.js';
import { PRISTINE_RULE_STATE } from './pristine-rule-state.js';
import { seriesOf } from './series-point.js';
import { type CompiledTemplate, compileTemplate } from './template.js';

/** Storm guard: the 16th firing of a rule within 3 minutes (event time) stops it instead of going out. */
export const STORM_GUARD_MAX_FIRINGS = 15;
export const STORM_GUARD_WINDOW_MS = 3 * 60_000;
/** once_per_minute: at most one firing per venue:symbol within this much event time. */
export const ONCE_PER_MINUTE_MS = 60_000;

export type RuleStatus = 'active' | 'disabled' | 'stopped' | 'retired';
export type StopReason = 'storm_guard' | 'fired_once' | 'expired';

/** When a rule is evaluated: on every point of its series, or only on bar-final points. */
export type EvaluationMode = 'intrabar' | 'close';

/** Firing history of one rule on one venue:symbol (a `*` rule has one per symbol it fired on). */
interface InstanceState {
  lastBarOpenTime: number;
  /** with the open time, identifies the bar: activity bars may open in the same millisecond */
  lastBarSeq: number;
  lastFiredTime: number;
}

/** Validates a rule at the edge (schema, then its template); throws NXR_RULE_INVALID naming the bad path. */
export function parseAlertRule(input: unknown): { rule: AlertRule; template: CompiledTemplate } {
  const parsed = alertRuleSchema.safeParse(input);
  if (!parsed.success) {
    const id = typeof input === 'object' && input !== null && 'id' in input ? ` "${String(input.id)}"` : '';
    throw new NexuralError('NXR_RULE_INVALID', `invalid alert rule${id}: ${describeIssues(parsed.error)}`, {
      path: parsed.error.issues[0]?.path.map(String) ?? [],
    });
  }
  const rule = deepFreeze(parsed.data);
  return { rule, template: compileTemplate(rule) };
}

/**
 * A rule checked and compiled once (`MarketEngine.prepareRule`), to be upserted into any number of engines
 * without parsing it again — a processor's partitions each hold every rule. Frozen, so engines may share it.
 */
export class ParsedAlertRule {
  readonly rule: AlertRule;
  readonly template: CompiledTemplate;
  /** RuleRuntime.canonical, made once */
  readonly canonical: string;
  constructor(parsed: { rule: AlertRule; template: CompiledTemplate }) {
    this.rule = parsed.rule;
    this.template = parsed.template;
    this.canonical = JSON.stringify(parsed.rule);
    Object.freeze(this);
  }
}

/** Events share the rule's source and condition objects, so the rule is frozen all the way down. */
function deepFreeze<Value>(value: Value): Value {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * A rule as the engine runs it: the parsed rule, its compiled template, and its compact firing state
 * (the storm-guard ring is allocated on first firing; most rules never fire). The fields read for every
 * holding rule on every point come first and copy what they need from the rule, so checking a rule that
 * holds touches one object.
 */
export class RuleRuntime {
  status: RuleStatus;
  /** evaluation stamp, so a channel rule reached through both its edges is evaluated once per point */
  visitEpoch = 0;
  readonly id: string;
  readonly #oncePerBar: boolean;
  /** the cooldown in force: the rule's, or at least a minute for once_per_minute */
  readonly #cooldownMs: number;
  /** the condition when all its thresholds are numbers (the sorted index's rules); null with a series threshold */
  readonly condition: ConstantCondition | null;
  /** firing state on the first venue:symbol it fired on, inline (the usual case: one); others in a map */
  #firstInstanceKey: string | null = null;
  #firstBarOpenTime = Number.NaN;
  #firstBarSeq = 0;
  #firstFiredTime = Number.NaN;
  #otherInstances: Map<string, InstanceState> | null = null;
  readonly rule: AlertRule;
  readonly template: CompiledTemplate;
  /** the rule in canonical JSON: an upsert with the same text is a no-op that keeps this state */
  readonly canonical: string;
  readonly series: string;
  /** the books the rule sits in: `*`, its symbol, or each symbol of its list */
  readonly symbols: readonly string[];
  readonly mode: EvaluationMode;
  stopReason: StopReason | null = null;
  /** times of the last STORM_GUARD_MAX_FIRINGS firings, a ring */
  #firingTimes: Float64Array | null = null;
  #firings = 0;
  /** what `snapshot` gives while the rule is active and has never fired, made once (most rules, every checkpoint) */
  #pristineSnapshot: RuleSnapshot | null = null;

  constructor(rule: AlertRule, template: CompiledTemplate, canonical = JSON.stringify(rule)) {
    this.status = rule.enabled ? 'active' : 'disabled';
    this.id = rule.id;
    // once_per_bar_close needs no mark: a bar closes once (evaluate and evaluateFrame see each final bar
    // once), and the open time would merge activity bars that open in the same millisecond.
    this.#oncePerBar = rule.frequency === 'once_per_bar';
    this.#cooldownMs =
      rule.frequency === 'once_per_minute' ? Math.max(rule.cooldownMs, ONCE_PER_MINUTE_MS) : rule.cooldownMs;
    this.condition = isConstantCondition(rule.condition) ? rule.condition : null;
    this.symbols = ruleSymbols(rule);
    this.rule = rule;
    this.template = template;
    this.canonical = canonical;
    this.series = seriesOf(rule.source);
    this.mode = rule.frequency === 'once_per_bar_close' ? 'close' : 'intrabar';
  }

  /**
   * Whether frequency and cooldown let the rule fire now on this venue:symbol. The bar is (openTime, seq):
   * activity bars that open in the same millisecond are different bars for once_per_bar.
   */
  admits(instanceKey: string, barOpenTime: number, barSeq: number, time: number): boolean {
    let lastBarOpenTime: number;
    let lastBarSeq: number;
    let lastFiredTime: number;
    if (instanceKey === this.#firstInstanceKey) {
      lastBarOpenTime = this.#firstBarOpenTime;
      lastBarSeq = this.#firstBarSeq;
      lastFiredTime = this.#firstFiredTime;
    } else {
      const instance = this.#otherInstances?.get(instanceKey);
      if (!instance) return true;
      lastBarOpenTime = instance.lastBarOpenTime;
      lastBarSeq = instance.lastBarSeq;
      lastFiredTime = instance.lastFiredTime;
    }
    if (this.#oncePerBar && lastBarOpenTime === barOpenTime && lastBarSeq === barSeq) return false;
    return time - lastFiredTime >= this.#cooldownMs;
  }

  /** Whether one more firing at `time` would make STORM_GUARD_MAX_FIRINGS + 1 within the window. */
  stormGuardTrips(time: number): boolean {
    const times = this.#firingTimes;
    if (!times || this.#firings < STORM_GUARD_MAX_FIRINGS) return false;
    const oldestOfLast = times[this.#firings % STORM_GUARD_MAX_FIRINGS] as number;
    return time - oldestOfLast < STORM_GUARD_WINDOW_MS;
  }

  /** The rule with its status and firing state, as plain data (see alert-snapshot.ts). */
  snapshot(): RuleSnapshot {
    if (this.status === 'retired') throw new Error(`rule ${this.id} was retired: it has no state to keep`);
    if (this.#isPristine()) {
      this.#pristineSnapshot ??= Object.freeze({ rule: this.rule, ...PRISTINE_RULE_STATE });
      return this.#pristineSnapshot;
    }
    const instances: RuleSnapshot['instances'] = [];
    if (this.#firstInstanceKey !== null) {
      const key = this.#firstInstanceKey;
      instances.push({
        key,
        lastBarOpenTime: this.#firstBarOpenTime,
        lastBarSeq: this.#firstBarSeq,
        lastFiredTime: this.#firstFiredTime,
      });
    }
    for (const [key, instance] of this.#otherInstances ?? []) instances.push({ key, ...instance });
    return {
      rule: this.rule,
      status: this.status,
      stopReason: this.stopReason,
      instances,
      firingTimes: this.#firingTimes?.slice() ?? null,
      firings: this.#firings,
    };
  }

  #isPristine(): boolean {
    return (
      this.status === 'active' &&
      this.stopReason === null &&
      this.#firstInstanceKey === null &&
      this.#firingTimes === null &&
      this.#firings === 0
    );
  }

  /** Takes over the status and firing state of a snapshot of the same rule (a fresh runtime only). */
  restore(snapshot: RuleSnapshot): void {
    this.status = snapshot.status;
    this.stopReason = snapshot.stopReason;
    const [first, ...others] = snapshot.instances;
    if (first) {
      this.#firstInstanceKey = first.key;
      this.#firstBarOpenTime = first.lastBarOpenTime;
      this.#firstBarSeq = first.lastBarSeq;
      this.#firstFiredTime = first.lastFiredTime;
    }
    for (const { key, lastBarOpenTime, lastBarSeq, lastFiredTime } of others) {
      this.#otherInstances ??= new Map();
      this.#otherInstances.set(key, { lastBarOpenTime, lastBarSeq, lastFiredTime });
    }
    this.#firingTimes = snapshot.firingTimes?.slice() ?? null;
    this.#firings = snapshot.firings;
  }

  recordFiring(instanceKey: string, barOpenTime: number, barSeq: number, time: number): void {
    this.#firstInstanceKey ??= instanceKey;
    if (instanceKey === this.#firstInstanceKey) {
      this.#firstBarOpenTime = barOpenTime;
      this.#firstBarSeq = barSeq;
      this.#firstFiredTime = time;
    } else {
      this.#otherInstances ??= new Map();
      this.#otherInstances.set(instanceKey, {
        lastBarOpenTime: barOpenTime,
        lastBarSeq: barSeq,
        lastFiredTime: time,
      });
    }
    this.#firingTimes ??= new Float64Array(STORM_GUARD_MAX_FIRINGS);
    this.#firingTimes[this.#firings % STORM_GUARD_MAX_FIRINGS] = time;
    this.#firings++;
  }
}
