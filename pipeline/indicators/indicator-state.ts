import { NexuralError } from '../../schemas/errors.js';
import type { Indicator } from './indicator.js';

/** A field of a captured indicator: a primitive, a copied typed array, a plain object or array of those. */
export type IndicatorStateValue =
  | number
  | string
  | boolean
  | null
  | Float64Array
  | readonly IndicatorStateValue[]
  | IndicatorState;

/** Every own field of an indicator (and, nested, of its helper streams), copied into plain data. */
export interface IndicatorState {
  readonly [field: string]: IndicatorStateValue;
}

/*
 * One mechanism for every indicator instead of 21 hand-written ones. It relies on two properties each class in
 * the registry has: `createIndicator(spec)` builds the same object shape for the same spec, and all state sits
 * in plain own fields (numbers, Float64Array windows, result objects, nested helpers such as EmaStream). So a
 * capture walks the fields into a tree, and a restore writes the tree back into a fresh instance of the same
 * spec, recursing into its nested helpers and copying windows into its existing typed arrays (which keeps the
 * fresh object's hidden class: restored indicators run as fast as new ones).
 */

const isPlainData = (value: object): boolean => {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null || Array.isArray(value);
};

/** A deep copy of an indicator's state, independent of its later updates. */
export function captureState(indicator: Indicator): IndicatorState {
  return captureObject(indicator, []);
}

function captureObject(source: object, path: readonly string[]): IndicatorState {
  const state: Record<string, IndicatorStateValue> = {};
  for (const [field, value] of Object.entries(source)) state[field] = captureValue(value, [...path, field]);
  return state;
}

function captureValue(value: unknown, path: readonly string[]): IndicatorStateValue {
  if (
    value === null ||
    typeof value === 'number' ||
    typeof value === 'string' ||
    typeof value === 'boolean'
  ) {
    return value;
  }
  if (value instanceof Float64Array) return value.slice();
  if (Array.isArray(value)) return value.map((item, index) => captureValue(item, [...path, String(index)]));
  if (
    typeof value === 'object' &&
    !ArrayBuffer.isView(value) &&
    !(value instanceof Map || value instanceof Set)
  ) {
    return captureObject(value, path);
  }
  throw new Error(`captureState: field ${path.join('.')} holds a ${typeof value} that is not plain state`);
}

/**
 * Writes a captured state into `indicator`, a fresh instance of the spec it was captured from, and returns it.
 * The state's shape must be the instance's (same fields, same window lengths): a snapshot from another spec
 * or another version of the class fails with NXR_SCHEMA_INVALID naming the field.
 */
export function restoreState<I extends Indicator>(indicator: I, state: IndicatorState): I {
  restoreObject(indicator as unknown as Record<string, unknown>, state, []);
  return indicator;
}

function restoreObject(
  target: Record<string, unknown>,
  state: IndicatorState,
  path: readonly string[],
): void {
  const fields = Object.keys(target);
  const missing = fields.filter((field) => !Object.hasOwn(state, field));
  const unknown = Object.keys(state).filter((field) => !Object.hasOwn(target, field));
  if (missing.length > 0 || unknown.length > 0) {
    const where = path.length > 0 ? path.join('.') : 'the indicator';
    const lacks = missing.length > 0 ? [`lacks ${missing.join(', ')}`] : [];
    const extra = unknown.length > 0 ? [`has unknown ${unknown.join(', ')}`] : [];
    throw mismatch(path, `the state of ${where} ${[...lacks, ...extra].join(' and ')}`);
  }
  for (const field of fields) {
    const value = state[field] as IndicatorStateValue;
    const next = restoreField(target[field], value, [...path, field]);
    if (next !== target[field]) target[field] = next;
  }
}

/** The value the field holds after the restore (the same object when restored in place). */
function restoreField(current: unknown, value: IndicatorStateValue, path: readonly string[]): unknown {
  if (current instanceof Float64Array) {
    if (!(value instanceof Float64Array) || value.length !== current.length) {
      const got = value instanceof Float64Array ? `${value.length} numbers` : describe(value);
      throw mismatch(path, `${path.join('.')} holds ${current.length} numbers, the state ${got}`);
    }
    current.set(value);
    return current;
  }
  if (typeof current === 'object' && current !== null && !isPlainData(current)) {
    if (!isStateObject(value)) {
      throw mismatch(
        path,
        `${path.join('.')} is a nested ${current.constructor.name}, the state ${describe(value)}`,
      );
    }
    restoreObject(current as Record<string, unknown>, value, path);
    return current;
  }
  // Plain values: numbers, flags, results ({upper, middle, lower} or null), constant arrays.
  if (current !== null && value !== null && kindOf(current) !== kindOf(value)) {
    throw mismatch(path, `${path.join('.')} is a ${kindOf(current)}, the state ${describe(value)}`);
  }
  if (sameData(current, value)) return current;
  return copyData(value);
}

const isStateObject = (value: IndicatorStateValue): value is IndicatorState =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Float64Array);

const kindOf = (value: unknown): string =>
  Array.isArray(value) ? 'array' : value instanceof Float64Array ? 'Float64Array' : typeof value;

const describe = (value: IndicatorStateValue): string =>
  value === null ? 'null' : `a ${kindOf(value)}${typeof value === 'object' ? '' : ` (${String(value)})`}`;

/** Equal as data (Object.is for numbers, so NaN equals NaN and -0 differs from 0). */
function sameData(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every(
    (key) =>
      Object.hasOwn(b, key) &&
      sameData((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

function copyData(value: IndicatorStateValue): IndicatorStateValue {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Float64Array) return value.slice();
  if (Array.isArray(value)) return value.map(copyData);
  const copy: Record<string, IndicatorStateValue> = {};
  for (const [field, item] of Object.entries(value as IndicatorState)) copy[field] = copyData(item);
  return copy;
}

const mismatch = (path: readonly string[], message: string): NexuralError =>
  new NexuralError('NXR_SCHEMA_INVALID', `indicator state does not fit: ${message}`, { path: [...path] });
