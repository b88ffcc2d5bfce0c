import { z } from 'zod';

/** Earliest and latest event times Nexural accepts; anything outside is an absurd timestamp. */
export const MIN_EVENT_TIME_MS = Date.UTC(1990, 0, 1);
export const MAX_EVENT_TIME_MS = Date.UTC(2200, 0, 1);

export const symbolSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:/-]+$/, { error: 'symbol may hold letters, digits and . _ : / - only' })
  .describe('instrument symbol as the venue names it, e.g. BTCUSDT');

export const venueSchema = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[a-z0-9._-]+$/, { error: 'venue must be lowercase letters, digits, . _ -' })
  .describe('venue (exchange) id, lowercase, e.g. binance, binance-um, coinbase');

export const epochMsSchema = z
  .number()
  .int()
  .min(MIN_EVENT_TIME_MS, { error: 'time before 1990 is not a market event time (ms since epoch expected)' })
  .max(MAX_EVENT_TIME_MS, { error: 'time after 2200 is not a market event time (ms since epoch expected)' })
  .describe('UTC time in milliseconds since the Unix epoch');

export const epochUsSchema = z
  .number()
  .int()
  .min(MIN_EVENT_TIME_MS * 1000, { error: 'time before 1990 (µs since epoch expected)' })
  .max(MAX_EVENT_TIME_MS * 1000, { error: 'time after 2200 (µs since epoch expected)' })
  .describe('UTC time in microseconds since the Unix epoch');

export const priceSchema = z
  .number()
  .positive({ error: 'price must be > 0' })
  .refine(Number.isFinite, { error: 'price must be finite' })
  .describe('price in quote currency');

export const sizeSchema = z
  .number()
  .nonnegative({ error: 'size must be >= 0' })
  .refine(Number.isFinite, { error: 'size must be finite' })
  .describe('quantity in base currency');
