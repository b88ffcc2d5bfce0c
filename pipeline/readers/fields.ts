import { NexuralError } from '../../schemas/errors.js';
import { MAX_EVENT_TIME_MS, MIN_EVENT_TIME_MS } from '../../schemas/market.js';
import type { TradeTick } from '../../schemas/tick.js';

/**
 * Field parsers for trade files. Hand-written rather than a zod schema per line: files run to millions of
 * lines, and each failure names file, line, field and value, which is what a user needs to fix the file.
 */

/** Where a value was read, for error messages. */
export interface FieldPlace {
  readonly file: string;
  readonly line: number;
}

export function fileError(place: FieldPlace, field: string, value: string, problem: string): NexuralError {
  return new NexuralError(
    'NXR_FILE_INVALID',
    `${place.file} line ${place.line}: ${field} ${JSON.stringify(value)} ${problem}`,
    { file: place.file, line: place.line, field, value },
  );
}

const decimalPattern = /^(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** A trade price: a plain decimal > 0. */
export function parsePrice(value: string, place: FieldPlace, field = 'price'): number {
  const price = decimalPattern.test(value) ? Number(value) : Number.NaN;
  if (!(price > 0) || !Number.isFinite(price)) throw fileError(place, field, value, 'is not a decimal > 0');
  return price;
}

/** A trade size: a plain decimal >= 0. */
export function parseSize(value: string, place: FieldPlace, field = 'size'): number {
  const size = decimalPattern.test(value) ? Number(value) : Number.NaN;
  if (!(size >= 0) || !Number.isFinite(size)) throw fileError(place, field, value, 'is not a decimal >= 0');
  return size;
}

/** Epoch values at or above this are µs: as ms it would be the year 5138 (Binance's 2025 dumps use µs). */
const MICROSECONDS_FROM = 1e14;

/** An integer epoch time in ms or µs (told apart by magnitude), returned in µs. */
export function parseEpochTime(value: string, place: FieldPlace, field = 'time'): number {
  const time = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (Number.isNaN(time)) throw fileError(place, field, value, 'is not an integer epoch time (ms or µs)');
  return inEventRange(time >= MICROSECONDS_FROM ? time : time * 1000, value, place, field);
}

function inEventRange(timeUs: number, value: string, place: FieldPlace, field: string): number {
  if (
    timeUs < MIN_EVENT_TIME_MS * 1000 ||
    timeUs > MAX_EVENT_TIME_MS * 1000 ||
    !Number.isSafeInteger(timeUs)
  ) {
    throw fileError(place, field, value, 'is outside 1990–2200 (epoch ms or µs expected)');
  }
  return timeUs;
}

const isoPattern = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/i;

/** An ISO 8601 time with an explicit zone (Z or ±hh:mm), kept to the µs; or an epoch time (ms or µs). */
export function parseTime(value: string, place: FieldPlace, field = 'time'): number {
  if (/^\d+$/.test(value)) return parseEpochTime(value, place, field);
  const match = isoPattern.exec(value);
  const zone = match?.[4]?.toUpperCase().replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = match && zone ? Date.parse(`${match[1]}T${match[2]}${zone}`) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw fileError(
      place,
      field,
      value,
      'is neither epoch ms/µs nor ISO 8601 with a zone (2024-08-08T23:54:16.322Z)',
    );
  }
  const micros = Number((match?.[3] ?? '').padEnd(6, '0').slice(0, 6));
  return inEventRange(ms * 1000 + micros, value, place, field);
}

/** Binance's is_buyer_maker: true means the seller was the taker. */
export function parseBuyerMaker(
  value: string,
  place: FieldPlace,
  field = 'is_buyer_maker',
): TradeTick['aggressor'] {
  const flag = value.toLowerCase();
  if (flag === 'true' || flag === '1') return 'sell';
  if (flag === 'false' || flag === '0') return 'buy';
  throw fileError(place, field, value, 'is not true or false');
}

const sides: Readonly<Record<string, TradeTick['aggressor']>> = {
  buy: 'buy',
  b: 'buy',
  sell: 'sell',
  s: 'sell',
  unknown: 'unknown',
  '': 'unknown',
};

/** The taker's side: buy, sell, unknown (or b, s, empty). */
export function parseSide(value: string, place: FieldPlace, field = 'side'): TradeTick['aggressor'] {
  const side = sides[value.toLowerCase()];
  if (!side) throw fileError(place, field, value, 'is not buy, sell or unknown');
  return side;
}

/** A venue trade id: digits for Binance files. */
export function parseTradeId(value: string, place: FieldPlace, field: string, digitsOnly: boolean): string {
  if (value.length === 0 || value.length > 128 || (digitsOnly && !/^\d+$/.test(value))) {
    throw fileError(
      place,
      field,
      value,
      digitsOnly ? 'is not an integer trade id' : 'is not a trade id (1–128 chars)',
    );
  }
  return value;
}
