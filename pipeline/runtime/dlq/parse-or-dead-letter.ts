import { isUtf8 } from 'node:buffer';
import type { z } from 'zod';
import type { DeadLetter, SourcePosition } from '../../../schemas/dead-letter.js';
import type { ErrorCode } from '../../../schemas/errors.js';
import { rawTradeSchema, type TradeTick } from '../../../schemas/tick.js';
import { symbolKey } from '../../../schemas/topics.js';
import type { DuplicateWindow } from './duplicate-window.js';

/** A raw trade as read: from a log record or a file line. */
export interface RawTradeInput {
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly source: SourcePosition | null;
}

export type ParseOutcome =
  | { readonly kind: 'tick'; readonly tick: TradeTick }
  | { readonly kind: 'dead-letter'; readonly deadLetter: DeadLetter };

export interface ParseOptions {
  readonly duplicates: DuplicateWindow;
  /**
   * must-match (default): the record key must be venue:symbol, or the symbol could land in two partitions
   * and lose its order; ignore: for sources without keys (files).
   */
  readonly keyPolicy?: 'must-match' | 'ignore';
  /** the reference clock (ms): the failedAt of dead letters, and what maxFutureSkewMs is judged against */
  readonly now?: () => number;
  /**
   * a trade more than this ahead of `now()` is refused (NXR_FUTURE_TICK): one bad clock must not drag the
   * partition's event time years ahead; undefined = no check
   */
  readonly maxFutureSkewMs?: number;
}

type Refusal = { readonly code: ErrorCode; readonly reason: string; readonly path?: (string | number)[] };

const valueFields = new Set(['price', 'size']);
const timeFields = new Set(['time', 'timeUs']);
// a string that means a number, even a non-finite one: "−1", "1e999", "NaN", "Infinity"
const numberLike = /^\s*[+-]?(nan|inf(inity)?|\d*\.?\d+([eE][-+]?\d+)?)\s*$/i;

/** Quotes a bad value for a reason line: short, and readable for NaN/∞/undefined. */
function quote(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function classify(issue: z.core.$ZodIssue, input: Record<string, unknown>): Refusal {
  const field = String(issue.path[0] ?? '');
  const value = input[field];
  const path = issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part));
  const outOfRange = issue.code === 'too_small' || issue.code === 'too_big';
  const badNumber =
    typeof value === 'number' ||
    (valueFields.has(field) && typeof value === 'string' && numberLike.test(value));
  const code: ErrorCode =
    (valueFields.has(field) || timeFields.has(field)) && issue.code !== 'custom' && (outOfRange || badNumber)
      ? 'NXR_BAD_VALUE'
      : 'NXR_SCHEMA_INVALID';
  const where = path.length > 0 ? path.join('.') : '(record)';
  return { code, reason: `${where}: ${issue.message} (got ${quote(value)})`, path };
}

function refuseOrParse(input: RawTradeInput, options: ParseOptions): Refusal | TradeTick {
  const { value } = input;
  if (value === null) return { code: 'NXR_PARSE_FAILED', reason: 'record has no value (null payload)' };
  if (!isUtf8(value)) {
    return { code: 'NXR_PARSE_FAILED', reason: `payload is not UTF-8 text (${value.length} bytes)` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { code: 'NXR_PARSE_FAILED', reason: `payload is not JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const got = Array.isArray(parsed) ? 'an array' : quote(parsed);
    return { code: 'NXR_SCHEMA_INVALID', reason: `payload must be a JSON object, got ${got}` };
  }
  const result = rawTradeSchema.safeParse(parsed);
  if (!result.success) {
    const first = result.error.issues[0];
    if (first === undefined)
      return { code: 'NXR_SCHEMA_INVALID', reason: 'payload does not match the trade format' };
    return classify(first, parsed as Record<string, unknown>);
  }
  const tick = result.data;
  const future = futureRefusal(tick, options);
  if (future) return future;
  const expectedKey = symbolKey(tick.venue, tick.symbol);
  if ((options.keyPolicy ?? 'must-match') === 'must-match' && input.key !== expectedKey) {
    return {
      code: 'NXR_SCHEMA_INVALID',
      reason: `record key ${quote(input.key)} must be "${expectedKey}" (venue:symbol keeps a symbol in one partition)`,
      path: ['key'],
    };
  }
  if (options.duplicates.remember(expectedKey, tick.tradeId)) {
    return {
      code: 'NXR_DUPLICATE',
      reason: `tradeId "${tick.tradeId}" of ${expectedKey} was already seen (within the last ${options.duplicates.capacityPerSymbol} trades)`,
      path: ['tradeId'],
    };
  }
  return tick;
}

function futureRefusal(tick: TradeTick, options: ParseOptions): Refusal | null {
  const { maxFutureSkewMs } = options;
  if (maxFutureSkewMs === undefined) return null;
  const reference = (options.now ?? Date.now)();
  const aheadMs = Math.floor(tick.timeUs / 1000) - reference;
  if (aheadMs <= maxFutureSkewMs) return null;
  return {
    code: 'NXR_FUTURE_TICK',
    reason: `trade time ${new Date(tick.timeUs / 1000).toISOString()} is ${aheadMs} ms ahead of the record's log time ${new Date(reference).toISOString()} (at most ${maxFutureSkewMs} ms allowed: NEXURAL_MAX_FUTURE_SKEW_MS)`,
    path: ['time'],
  };
}

/**
 * The first step for a raw trade record: a canonical TradeTick, or a dead letter saying exactly why not
 * (code, field and value, the original bytes, key and source position). Never throws for bad input.
 */
export function parseOrDeadLetter(input: RawTradeInput, options: ParseOptions): ParseOutcome {
  const outcome = refuseOrParse(input, options);
  if (!('code' in outcome)) return { kind: 'tick', tick: outcome };
  const text = input.value !== null && isUtf8(input.value);
  const deadLetter: DeadLetter = {
    code: outcome.code,
    reason: outcome.reason,
    ...(outcome.path === undefined ? {} : { path: outcome.path }),
    payload: input.value === null ? '' : input.value.toString(text ? 'utf8' : 'base64'),
    payloadEncoding: text || input.value === null ? 'utf8' : 'base64',
    key: input.key,
    source: input.source,
    failedAt: (options.now ?? Date.now)(),
  };
  return { kind: 'dead-letter', deadLetter };
}
