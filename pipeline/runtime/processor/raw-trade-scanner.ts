import { MAX_EVENT_TIME_MS, MIN_EVENT_TIME_MS } from '../../../schemas/market.js';
import type { TradeTick } from '../../../schemas/tick.js';
import { asciiString } from './ascii-string.js';

/**
 * Reads the raw trade as our own feeds and `JSON.stringify` write it — `{"venue":"…","symbol":"…",
 * "tradeId":"…","time":N|"timeUs":N,"price":N|"D","size":N|"D","side":"…"}`, printable ASCII, no escapes,
 * no spaces, optionally followed by members the schema does not read (strings, numbers, literals) — straight from its bytes, without a string or `JSON.parse` (most of a replay's parsing time).
 * It answers only for records of exactly that spelling and leaves anything else (another key order, an
 * exponent, more than 15 digits, an escape, …) to `JSON.parse`; what it accepts is valid JSON that
 * `fastRawTrade`'s checks accept, and it returns the same tick: decimals with at most 15 digits are exact
 * integers over an exact power of ten, so one division rounds them as `JSON.parse` and `Number` do.
 */
export function scanRawTrade(value: Buffer, start = 0, end = value.length): TradeTick | undefined {
  if (!matches(value, start, end, VENUE_KEY)) return undefined;
  const pair = names(value, start + VENUE_KEY.length, end);
  if (pair === null) return undefined;
  let at = start + VENUE_KEY.length + pair.bytes.length;
  if (!matches(value, at, end, TRADE_ID_KEY)) return undefined;
  at += TRADE_ID_KEY.length;
  const idStart = at;
  while (at < end && (CLASS[value[at] as number] as number) & ID) at++;
  const idLength = at - idStart;
  if (idLength < 1 || idLength > 128 || at >= end || value[at] !== QUOTE) return undefined;
  const tradeId = asciiString(value, idStart, idLength);
  let timeUs: number;
  if (matches(value, at, end, TIME_US_KEY)) {
    at = integer(value, at + TIME_US_KEY.length, end);
    timeUs = SCANNED[0] as number;
    if (at < 0 || !(timeUs >= MIN_EVENT_TIME_MS * 1000 && timeUs <= MAX_EVENT_TIME_MS * 1000))
      return undefined;
  } else if (matches(value, at, end, TIME_KEY)) {
    at = integer(value, at + TIME_KEY.length, end);
    const ms = SCANNED[0] as number;
    if (at < 0 || !(ms >= MIN_EVENT_TIME_MS && ms <= MAX_EVENT_TIME_MS)) return undefined;
    timeUs = ms * 1000;
  } else return undefined;
  if (!matches(value, at, end, PRICE_KEY)) return undefined;
  at = decimal(value, at + PRICE_KEY.length, end);
  const price = SCANNED[0] as number;
  if (at < 0 || !(price > 0)) return undefined;
  if (!matches(value, at, end, SIZE_KEY)) return undefined;
  at = decimal(value, at + SIZE_KEY.length, end);
  if (at < 0) return undefined;
  const size = SCANNED[0] as number;
  if (!matches(value, at, end, SIDE_KEY)) return undefined;
  at += SIDE_KEY.length;
  let aggressor: TradeTick['aggressor'];
  if (matches(value, at, end, BUY)) {
    aggressor = 'buy';
    at += BUY.length;
  } else if (matches(value, at, end, SELL)) {
    aggressor = 'sell';
    at += SELL.length;
  } else if (matches(value, at, end, UNKNOWN)) {
    aggressor = 'unknown';
    at += UNKNOWN.length;
  } else return undefined;
  if (!otherMembersThenEnd(value, at, end)) return undefined;
  return Object.freeze({
    kind: 'trade',
    venue: pair.venue,
    symbol: pair.symbol,
    tradeId,
    timeUs,
    price,
    size,
    aggressor,
  });
}

const bytesOf = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0));
const VENUE_KEY = bytesOf('{"venue":"');
const SYMBOL_KEY = bytesOf('","symbol":"');
const TRADE_ID_KEY = bytesOf('","tradeId":"');
const TIME_KEY = bytesOf('","time":');
const TIME_US_KEY = bytesOf('","timeUs":');
const PRICE_KEY = bytesOf(',"price":');
const SIZE_KEY = bytesOf(',"size":');
const SIDE_KEY = bytesOf(',"side":"');
const BUY = bytesOf('buy"');
const SELL = bytesOf('sell"');
const UNKNOWN = bytesOf('unknown"');
const QUOTE = 0x22;
const DOT = 0x2e;
const ZERO = 0x30;
const COMMA = 0x2c;
const COLON = 0x3a;
const CLOSE = 0x7d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const LITERALS = [bytesOf('true'), bytesOf('false'), bytesOf('null')];
const READ_KEYS = ['venue', 'symbol', 'tradeId', 'time', 'timeUs', 'price', 'size', 'side'].map(bytesOf);

/** Byte classes: what `fastRawTrade`'s venue and symbol patterns allow, and an id's plain JSON string bytes. */
const VENUE = 1;
const SYMBOL = 2;
const ID = 4;
const CLASS = Uint8Array.from({ length: 256 }, (_, byte) => {
  const char = String.fromCharCode(byte);
  let classes = byte >= 0x20 && byte < 0x7f && byte !== QUOTE && byte !== 0x5c ? ID : 0;
  if (/[a-z0-9._-]/.test(char)) classes |= VENUE | SYMBOL;
  if (/[A-Z:/]/.test(char)) classes |= SYMBOL;
  return classes;
});

/**
 * After `side`: more members the schema does not read (a producer's own fields, the bench's padding), each a
 * plain string, a number or a literal, then the closing brace as the record's last byte. Anything else — an
 * object, an array, an escape, a space, a key the schema reads (JSON.parse keeps a key's last value) — is
 * left to `JSON.parse`.
 */
function otherMembersThenEnd(value: Uint8Array, start: number, end: number): boolean {
  let at = start;
  while (at < end && value[at] === COMMA) {
    const keyStart = at + 2;
    at = plainString(value, at + 1, end);
    if (at < 0 || isReadKey(value, keyStart, at - 1)) return false;
    if (at >= end || value[at] !== COLON) return false;
    at = memberValue(value, at + 1, end);
    if (at < 0) return false;
  }
  return at === end - 1 && value[at] === CLOSE;
}

/** A string of printable ASCII without escapes starting at `start`; the position after it, or −1. */
function plainString(value: Uint8Array, start: number, end: number): number {
  if (start >= end || value[start] !== QUOTE) return -1;
  let at = start + 1;
  while (at < end && (CLASS[value[at] as number] as number) & ID) at++;
  return at < end && value[at] === QUOTE ? at + 1 : -1;
}

/** A plain string, a JSON number or true/false/null at `start`; the position after it, or −1. */
function memberValue(value: Uint8Array, start: number, end: number): number {
  if (start >= end) return -1;
  const first = value[start] as number;
  if (first === QUOTE) return plainString(value, start, end);
  if (first === MINUS || (first >= ZERO && first <= ZERO + 9)) return jsonNumber(value, start, end);
  for (const literal of LITERALS) if (matches(value, start, end, literal)) return start + literal.length;
  return -1;
}

/** `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?` at `start`; the position after it, or −1. */
function jsonNumber(value: Uint8Array, start: number, end: number): number {
  let at = value[start] === MINUS ? start + 1 : start;
  const integerStart = at;
  at = digitsFrom(value, at, end);
  if (at === integerStart || (at - integerStart > 1 && value[integerStart] === ZERO)) return -1;
  if (at < end && value[at] === DOT) {
    const fractionStart = at + 1;
    at = digitsFrom(value, fractionStart, end);
    if (at === fractionStart) return -1;
  }
  if (at < end && (value[at] === 0x65 || value[at] === 0x45)) {
    at++;
    if (at < end && (value[at] === PLUS || value[at] === MINUS)) at++;
    const exponentStart = at;
    at = digitsFrom(value, exponentStart, end);
    if (at === exponentStart) return -1;
  }
  return at;
}

function digitsFrom(value: Uint8Array, start: number, end: number): number {
  let at = start;
  while (at < end && (value[at] as number) >= ZERO && (value[at] as number) <= ZERO + 9) at++;
  return at;
}

/** Whether the key's bytes `[start, end)` spell one the schema reads. */
function isReadKey(value: Uint8Array, start: number, end: number): boolean {
  for (const key of READ_KEYS) {
    if (end - start === key.length && matches(value, start, end, key)) return true;
  }
  return false;
}

/** 10^0 … 10^15, each exact in a double. */
const POWERS = Array.from({ length: 16 }, (_, power) => 10 ** power);

/** The number the last `integer` or `decimal` read: a typed-array cell holds it unboxed (a `let` boxed each one). */
const SCANNED = new Float64Array(1);

/** Whether `literal` is at `at`, before `end`. */
function matches(value: Uint8Array, at: number, end: number, literal: Uint8Array): boolean {
  if (at + literal.length > end) return false;
  for (let index = 0; index < literal.length; index++) {
    if (value[at + index] !== literal[index]) return false;
  }
  return true;
}

const latin1 = (value: Buffer, start: number, end: number): string => value.toString('latin1', start, end);

/**
 * A JSON integer (no sign, no leading zero, at most 16 digits, a safe integer) into `SCANNED`; returns the
 * position after it, or −1. Below 2^53 every partial sum is exact.
 */
function integer(value: Uint8Array, start: number, end: number): number {
  let at = start;
  let number = 0;
  while (at < end) {
    const digit = (value[at] as number) - ZERO;
    if (!(digit >= 0 && digit <= 9)) break;
    number = number * 10 + digit;
    at++;
  }
  const digits = at - start;
  if (digits < 1 || digits > 16 || (digits > 1 && value[start] === ZERO)) return -1;
  if (!Number.isSafeInteger(number)) return -1;
  SCANNED[0] = number;
  return at;
}

/**
 * A JSON number without sign or exponent (`12`, `0.5`), or a string of one (`"61234.10"`, leading zeros
 * allowed as `Number` allows them), with at most 15 digits in all, into `SCANNED`; returns the position
 * after it, or −1. The digits form an exact integer and 10^fraction digits is exact: their quotient is the
 * correctly rounded value, which is what `JSON.parse` and `Number` return.
 */
function decimal(value: Uint8Array, start: number, end: number): number {
  const quoted = start < end && value[start] === QUOTE;
  let at = quoted ? start + 1 : start;
  const first = at;
  let mantissa = 0;
  while (at < end) {
    const digit = (value[at] as number) - ZERO;
    if (!(digit >= 0 && digit <= 9)) break;
    mantissa = mantissa * 10 + digit;
    at++;
  }
  const integerDigits = at - first;
  if (integerDigits < 1 || (!quoted && integerDigits > 1 && value[first] === ZERO)) return -1;
  let fraction = 0;
  if (at < end && value[at] === DOT) {
    at++;
    const fractionStart = at;
    while (at < end) {
      const digit = (value[at] as number) - ZERO;
      if (!(digit >= 0 && digit <= 9)) break;
      mantissa = mantissa * 10 + digit;
      at++;
    }
    fraction = at - fractionStart;
    if (fraction < 1) return -1;
  }
  if (integerDigits + fraction > 15) return -1;
  if (quoted) {
    if (at >= end || value[at] !== QUOTE) return -1;
    at++;
  }
  SCANNED[0] = fraction === 0 ? mantissa : mantissa / (POWERS[fraction] as number);
  return at;
}

/** A venue and symbol as read once: the same strings for every record that spells them the same. */
interface Names {
  readonly venue: string;
  readonly symbol: string;
  /** `venue","symbol":"symbol` as in the record */
  readonly bytes: Uint8Array;
}

/** Recently read names, most recent first (a partition mostly cycles through a few symbols). */
const recent: Names[] = [];
const RECENT = 16;

/** The venue and symbol starting at `start` (followed by a quote), from `recent` when seen before. */
function names(value: Buffer, start: number, end: number): Names | null {
  for (let index = 0; index < recent.length; index++) {
    const known = recent[index] as Names;
    const after = start + known.bytes.length;
    if (after < end && value[after] === QUOTE && matches(value, start, end, known.bytes)) return known;
  }
  let at = start;
  while (at < end && (CLASS[value[at] as number] as number) & VENUE) at++;
  const venueLength = at - start;
  if (venueLength < 1 || venueLength > 32 || !matches(value, at, end, SYMBOL_KEY)) return null;
  const symbolStart = at + SYMBOL_KEY.length;
  at = symbolStart;
  while (at < end && (CLASS[value[at] as number] as number) & SYMBOL) at++;
  const symbolLength = at - symbolStart;
  if (symbolLength < 1 || symbolLength > 64 || at >= end || value[at] !== QUOTE) return null;
  const read: Names = {
    venue: latin1(value, start, start + venueLength),
    symbol: latin1(value, symbolStart, at),
    bytes: new Uint8Array(value.subarray(start, at)),
  };
  if (recent.length === RECENT) recent.pop();
  recent.unshift(read);
  return read;
}
