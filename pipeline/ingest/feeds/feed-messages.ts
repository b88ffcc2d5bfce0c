import type { DeadLetter } from '../../../schemas/dead-letter.js';
import type { ErrorCode } from '../../../schemas/errors.js';
import type { QuoteTick } from '../../../schemas/tick.js';

/**
 * A trade as published to the raw trades topic: the plain JSON of `rawTradeSchema`, decimals kept as the
 * exchange wrote them (no float round trip before the engine's exact sums).
 */
export interface RawTradeJson {
  readonly venue: string;
  readonly symbol: string;
  readonly tradeId: string;
  /** event time, ms (Binance) … */
  readonly time?: number;
  /** … or µs (Coinbase sends µs) */
  readonly timeUs?: number;
  readonly price: string;
  readonly size: string;
  readonly side: 'buy' | 'sell' | 'unknown';
}

/** A trade of a feed with its id as a number for gap arithmetic (ids are contiguous per symbol). */
export interface FeedTrade {
  readonly id: bigint;
  readonly raw: RawTradeJson;
}

/** What one WebSocket frame means to a feed. */
export type FeedMessage =
  | { readonly kind: 'trade'; readonly trade: FeedTrade }
  | { readonly kind: 'quote'; readonly quote: QuoteTick; readonly sequence: bigint | null }
  /** the venue's last trade id for a symbol (Coinbase heartbeat): trades up to it should have arrived */
  | { readonly kind: 'last-trade-id'; readonly symbol: string; readonly lastTradeId: bigint }
  /** subscription acks, channels we do not use: nothing to do */
  | { readonly kind: 'ignored'; readonly what: string }
  /** the exchange said something went wrong (an error frame) */
  | { readonly kind: 'venue-error'; readonly message: string }
  | { readonly kind: 'invalid'; readonly code: ErrorCode; readonly reason: string; readonly path?: string[] };

export type Invalid = Extract<FeedMessage, { kind: 'invalid' }>;

export const invalid = (code: ErrorCode, reason: string, path?: string[]): Invalid =>
  path === undefined ? { kind: 'invalid', code, reason } : { kind: 'invalid', code, reason, path };

/** A refused frame as a dead letter (the frame text is the payload; feeds have no log position). */
export function feedDeadLetter(frame: string, refusal: Invalid, key: string | null, now: number): DeadLetter {
  return {
    code: refusal.code,
    reason: refusal.reason,
    ...(refusal.path === undefined ? {} : { path: refusal.path }),
    payload: frame,
    payloadEncoding: 'utf8',
    key,
    source: null,
    failedAt: now,
  };
}
