import { z } from 'zod';
import { NexuralError } from '../../schemas/errors.js';
import { describeIssues } from '../../schemas/validate.js';
import type { RuleSnapshot } from '../alerts/alert-snapshot.js';
import { STORM_GUARD_MAX_FIRINGS } from '../alerts/rule-runtime.js';

/*
 * The firing states of a checkpoint's rules as columns: a fired rule was ~170 bytes as an object (its field
 * names written every time, a 15-slot ring of firing times mostly empty), ~40 here. Thousands of users'
 * `once` rules stay fired until edited, so they are most of a periodic checkpoint that keeps its rule
 * definitions apart.
 */

/** A rule's firing state without its definition, at its position in the rule definitions. */
export type RuleStateAt = Omit<RuleSnapshot, 'rule'> & { readonly at: number };

const STATUSES = ['active', 'disabled', 'stopped'] as const;
const STOP_REASONS = [null, 'storm_guard', 'fired_once', 'expired'] as const;

export interface RuleStateColumns {
  readonly at: Int32Array;
  /** index into STATUSES */
  readonly status: Uint8Array;
  /** index into STOP_REASONS */
  readonly stopReason: Uint8Array;
  readonly firings: Float64Array;
  /** per rule, how many firing times `times` holds: the used slots of its ring (0: none, the ring is null) */
  readonly timeCounts: Uint8Array;
  readonly times: Float64Array;
  readonly instanceCounts: Int32Array;
  readonly instanceKeys: readonly string[];
  /** per instance: lastBarOpenTime, lastBarSeq, lastFiredTime */
  readonly instanceTimes: Float64Array;
}

/**
 * The states as columns, or null where a state is not what a rule runtime makes (a ring without firings, a
 * used slot past the firings): those are kept as objects, exactly.
 */
export function toColumns(states: readonly RuleStateAt[]): RuleStateColumns | null {
  const rules = states.length;
  const at = new Int32Array(rules);
  const status = new Uint8Array(rules);
  const stopReason = new Uint8Array(rules);
  const firings = new Float64Array(rules);
  const timeCounts = new Uint8Array(rules);
  const instanceCounts = new Int32Array(rules);
  const times: number[] = [];
  const instanceKeys: string[] = [];
  const instanceTimes: number[] = [];
  for (const [index, state] of states.entries()) {
    const used = state.firingTimes === null ? 0 : Math.min(state.firings, STORM_GUARD_MAX_FIRINGS);
    if ((state.firingTimes === null) !== (state.firings === 0)) return null;
    if (state.firingTimes?.subarray(used).some((time) => !Object.is(time, 0))) return null;
    at[index] = state.at;
    status[index] = STATUSES.indexOf(state.status);
    stopReason[index] = STOP_REASONS.indexOf(state.stopReason);
    firings[index] = state.firings;
    timeCounts[index] = used;
    for (let slot = 0; slot < used; slot++) times.push(state.firingTimes?.[slot] ?? 0);
    instanceCounts[index] = state.instances.length;
    for (const instance of state.instances) {
      instanceKeys.push(instance.key);
      instanceTimes.push(instance.lastBarOpenTime, instance.lastBarSeq, instance.lastFiredTime);
    }
  }
  return {
    at,
    status,
    stopReason,
    firings,
    timeCounts,
    times: Float64Array.from(times),
    instanceCounts,
    instanceKeys,
    instanceTimes: Float64Array.from(instanceTimes),
  };
}

const sum = (counts: ArrayLike<number>) => Array.prototype.reduce.call(counts, (a, b) => a + b, 0) as number;

export const ruleStateColumnsSchema = z
  .object({
    at: z.instanceof(Int32Array),
    status: z.instanceof(Uint8Array),
    stopReason: z.instanceof(Uint8Array),
    firings: z.instanceof(Float64Array),
    timeCounts: z.instanceof(Uint8Array),
    times: z.instanceof(Float64Array),
    instanceCounts: z.instanceof(Int32Array),
    instanceKeys: z.array(z.string()),
    instanceTimes: z.instanceof(Float64Array),
  })
  .superRefine((columns, context) => {
    const rules = columns.at.length;
    for (const name of ['status', 'stopReason', 'firings', 'timeCounts', 'instanceCounts'] as const) {
      if (columns[name].length !== rules) {
        context.addIssue({
          code: 'custom',
          path: [name],
          message: `${columns[name].length} entries, not ${rules}`,
        });
      }
    }
    const bad = (name: string, ok: (value: number) => boolean) => {
      const column = columns[name as keyof typeof columns] as ArrayLike<number>;
      for (let index = 0; index < column.length; index++) {
        if (!ok(column[index] as number)) {
          context.addIssue({ code: 'custom', path: [name, index], message: `${column[index]} out of range` });
          return;
        }
      }
    };
    bad('status', (value) => value < STATUSES.length);
    bad('stopReason', (value) => value < STOP_REASONS.length);
    bad('timeCounts', (value) => value <= STORM_GUARD_MAX_FIRINGS);
    bad('instanceCounts', (value) => value >= 0);
    if (sum(columns.timeCounts) !== columns.times.length) {
      context.addIssue({ code: 'custom', path: ['times'], message: 'not as many as timeCounts add up to' });
    }
    const instances = sum(columns.instanceCounts);
    if (instances !== columns.instanceKeys.length || instances * 3 !== columns.instanceTimes.length) {
      context.addIssue({
        code: 'custom',
        path: ['instanceKeys'],
        message: 'not as many as instanceCounts add up to',
      });
    }
  });

/** The states back as objects (checked again with the whole snapshot by `parseEngineSnapshot`). */
export function fromColumns(value: unknown): RuleStateAt[] {
  const parsed = ruleStateColumnsSchema.safeParse(value);
  if (!parsed.success) {
    throw new NexuralError(
      'NXR_SCHEMA_INVALID',
      `engine snapshot without rules: ruleStateColumns: ${describeIssues(parsed.error)}`,
    );
  }
  const columns = parsed.data;
  const states: RuleStateAt[] = [];
  let time = 0;
  let instance = 0;
  for (let index = 0; index < columns.at.length; index++) {
    const used = columns.timeCounts[index] as number;
    let firingTimes: Float64Array<ArrayBuffer> | null = null;
    if (used > 0) {
      firingTimes = new Float64Array(STORM_GUARD_MAX_FIRINGS);
      firingTimes.set(columns.times.subarray(time, time + used));
      time += used;
    }
    const instances: RuleSnapshot['instances'][number][] = [];
    for (let count = columns.instanceCounts[index] as number; count > 0; count--) {
      instances.push({
        key: columns.instanceKeys[instance] as string,
        lastBarOpenTime: columns.instanceTimes[instance * 3] as number,
        lastBarSeq: columns.instanceTimes[instance * 3 + 1] as number,
        lastFiredTime: columns.instanceTimes[instance * 3 + 2] as number,
      });
      instance++;
    }
    states.push({
      at: columns.at[index] as number,
      status: STATUSES[columns.status[index] as number] ?? 'active',
      stopReason: STOP_REASONS[columns.stopReason[index] as number] ?? null,
      instances,
      firingTimes,
      firings: columns.firings[index] as number,
    });
  }
  return states;
}
