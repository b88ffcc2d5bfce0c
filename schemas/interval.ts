import { z } from 'zod';

const unitMs = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const MAX_TIME_INTERVAL_MS = unitMs.d;

/**
 * A bar interval: time bars `1s`…`1d` aligned to UTC epoch boundaries, or activity bars:
 * `100t` (every 100 trades), `10v` (every 10 units of base volume), `1000000q` (every 1,000,000 of quote value).
 */
export type BarInterval =
  | { readonly kind: 'time'; readonly label: string; readonly ms: number }
  | { readonly kind: 'tick'; readonly label: string; readonly trades: number }
  | { readonly kind: 'volume'; readonly label: string; readonly volume: number }
  | { readonly kind: 'value'; readonly label: string; readonly value: number };

const pattern = /^(\d+(?:\.\d+)?)(s|m|h|d|t|v|q)$/;

/** Parses an interval label; returns an error message instead of throwing so zod can report the path. */
export function parseInterval(label: string): BarInterval | string {
  const match = pattern.exec(label);
  if (!match)
    return `interval "${label}" is not like 1s, 5m, 1h, 1d, 100t (trades), 10v (volume), 1000000q (value)`;
  const amount = Number(match[1]);
  const unit = match[2] as 's' | 'm' | 'h' | 'd' | 't' | 'v' | 'q';
  if (!(amount > 0)) return `interval "${label}" must be positive`;
  switch (unit) {
    case 't':
      if (!Number.isInteger(amount)) return `interval "${label}": trade count must be a whole number`;
      return { kind: 'tick', label, trades: amount };
    case 'v':
      return { kind: 'volume', label, volume: amount };
    case 'q':
      return { kind: 'value', label, value: amount };
    default: {
      if (!Number.isInteger(amount)) return `interval "${label}": time amount must be a whole number`;
      const ms = amount * unitMs[unit];
      if (ms > MAX_TIME_INTERVAL_MS) return `interval "${label}" is longer than 1d`;
      return { kind: 'time', label, ms };
    }
  }
}

export const intervalSchema = z
  .string()
  .superRefine((label, ctx) => {
    const parsed = parseInterval(label);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
  })
  .describe('bar interval: 1s…1d time bars (UTC-aligned), Nt trade-count, Nv volume or Nq quote-value bars');

/** Parses a label already known to be valid (e.g. from a parsed message). */
export function intervalOf(label: string): BarInterval {
  const parsed = parseInterval(label);
  if (typeof parsed === 'string') throw new RangeError(parsed);
  return parsed;
}
