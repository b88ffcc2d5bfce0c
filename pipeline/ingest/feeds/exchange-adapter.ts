import { z } from 'zod';
import { type FeedMessage, type Invalid, invalid } from './feed-messages.js';
import type { BackfillTrades } from './trade-sequencer.js';

/** What a feed needs to know about one exchange: where to connect, what frames mean, how to backfill. */
export interface ExchangeAdapter {
  /** metric label and log name, e.g. binance */
  readonly feed: string;
  readonly venue: string;
  readonly symbols: readonly string[];
  readonly url: string;
  /** sent on every (re)connect */
  subscribeFrames(): readonly string[];
  decode(frame: string): FeedMessage;
  readonly backfill: BackfillTrades;
  /** our own pings; null where the server pings us (ws answers those) */
  readonly pingEveryMs: number | null;
}

/** Exchanges send decimals as strings ("61800.30"): kept verbatim, checked to be plain decimals. */
export const decimalString = z.string().regex(/^\d+(\.\d+)?$/, { error: 'must be a decimal string' });
export const positiveDecimalString = decimalString.refine((value) => Number(value) > 0, {
  error: 'must be > 0',
});

/** The frame as a JSON object, or why not. */
export function parseFrame(frame: string): Record<string, unknown> | Invalid {
  let parsed: unknown;
  try {
    parsed = JSON.parse(frame);
  } catch (error) {
    return invalid('NXR_PARSE_FAILED', `frame is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return invalid('NXR_SCHEMA_INVALID', 'frame must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

export const isInvalid = (value: unknown): value is Invalid =>
  typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'invalid';

/** The first zod issue as an invalid message naming the path and the value. */
export function invalidFrom(error: z.ZodError, input: unknown, what: string): Invalid {
  const issue = error.issues[0];
  const path = (issue?.path ?? []).map(String);
  let value: unknown = input;
  for (const part of path) value = (value as Record<string, unknown> | undefined)?.[part];
  const got = value === undefined ? 'nothing' : JSON.stringify(value);
  return invalid(
    'NXR_SCHEMA_INVALID',
    `${what} ${path.join('.') || '(message)'}: ${issue?.message ?? 'invalid'} (got ${got})`,
    path,
  );
}
