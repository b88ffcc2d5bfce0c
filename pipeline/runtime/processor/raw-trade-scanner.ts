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
  // `value.buffer` is a call into C++ (~200 instructions): asked once per Buffer, not per record
  if (value !== heldValue) hold(value);
  const base = heldBase;
  const tick = scan(value, heldBytes, heldWords, base + start, base + Math.min(end, value.length), base);
  if (tick === undefined) SCANNED_ID[0] = Number.NaN;
  return tick;
}

/**
 * The scan, on views of the value's whole ArrayBuffer (positions `at`, `end` are in it; `base` is the value's
 * own start there): literals are compared four bytes at a time through the DataView.
 */
function scan(
  value: Buffer,
  bytes: Uint8Array,
  words: DataView,
  start: number,
  end: number,
  base: number,
): TradeTick | undefined {
  const pair = names(bytes, words, start, end);
  if (pair === null) return undefined;
  let at = start + pair.prefix.length;
  const idStart = at;
  let idNumber = 0;
  while (at < end) {
    const digit = (bytes[at] as number) - 0x30;
    if (!(digit >= 0 && digit <= 9)) break;
    idNumber = idNumber * 10 + digit;
    at++;
  }
  const digits = at - idStart;
  if (at < end && bytes[at] !== 0x22) {
    const classes = CLASS;
    while (at < end && (classes[bytes[at] as number] as number) & 4 /* ID */) at++;
  }
  const idLength = at - idStart;
  if (idLength < 1 || idLength > 128 || at >= end || bytes[at] !== 0x22) return undefined;
  const tradeId = asciiString(value, idStart - base, idLength);
  // canonical: digits only, at most 15 (every value exact), no leading zero — as DuplicateWindow numbers ids
  const canonical = digits === idLength && digits <= 15 && (digits === 1 || bytes[idStart] !== 0x30);
  let timeUs: number;
  if (isTimeUsKey(words, at, end)) {
    at = integer(bytes, at + 11, end);
    timeUs = SCANNED[0] as number;
    if (at < 0 || !(timeUs >= MIN_EVENT_TIME_MS * 1000 && timeUs <= MAX_EVENT_TIME_MS * 1000))
      return undefined;
  } else if (isTimeKey(words, at, end)) {
    at = integer(bytes, at + 9, end);
    const ms = SCANNED[0] as number;
    if (at < 0 || !(ms >= MIN_EVENT_TIME_MS && ms <= MAX_EVENT_TIME_MS)) return undefined;
    timeUs = ms * 1000;
  } else return undefined;
  if (!isPriceKey(words, at, end)) return undefined;
  at = decimal(bytes, at + 9, end);
  const price = SCANNED[0] as number;
  if (at < 0 || !(price > 0)) return undefined;
  if (!isSizeKey(words, at, end)) return undefined;
  at = decimal(bytes, at + 8, end);
  if (at < 0) return undefined;
  const size = SCANNED[0] as number;
  if (!isSideKey(words, at, end)) return undefined;
  at += 9;
  let aggressor: TradeTick['aggressor'];
  if (isBuy(words, at, end)) {
    aggressor = 'buy';
    at += 4;
  } else if (isSell(words, at, end)) {
    aggressor = 'sell';
    at += 5;
  } else if (isUnknown(words, at, end)) {
    aggressor = 'unknown';
    at += 8;
  } else return undefined;
  if (!otherMembersThenEnd(bytes, at, end)) return undefined;
  const tick: TradeTick = {
    kind: 'trade',
    venue: pair.venue,
    symbol: pair.symbol,
    tradeId,
    timeUs,
    price,
    size,
    aggressor,
  };
  SCANNED_ID[0] = canonical ? idNumber : -1;
  return tick;
}

/**
 * The trade id's canonical number of the last `scanRawTrade` call (−1: the id is not one; NaN: that call
 * returned undefined). A typed-array cell: no heap number and no write barrier per record, as a `let` of the
 * number or of the tick it belongs to cost.
 */
const SCANNED_ID = new Float64Array([Number.NaN]);

/**
 * The canonical number of the trade id the last `scanRawTrade` call read, as `DuplicateWindow` numbers ids
 * (−1: not one): the scanner read the digits already. Undefined if that call returned undefined (a record
 * `JSON.parse` then reads, whose id the window reads itself). Ask right after the call it is about.
 */
export function lastScannedTradeIdNumber(): number | undefined {
  const number = SCANNED_ID[0] as number;
  return Number.isNaN(number) ? undefined : number;
}

/**
 * Views of the ArrayBuffer last read (the records of a batch mostly lie in one: a log's chunk, a fetch's
 * response); it stays referenced until a value of another one is read. `heldValue` is the Buffer last read
 * (the embedded log hands a batch's records in one chunk's Buffer): the same one skips `value.buffer`.
 */
let heldValue: Buffer | null = null;
let heldBase = 0;
let heldBuffer: ArrayBufferLike | null = null;
let heldBytes: Uint8Array = new Uint8Array(0);
let heldWords: DataView = new DataView(heldBytes.buffer);

function hold(value: Buffer): void {
  heldValue = value;
  heldBase = value.byteOffset;
  const buffer = value.buffer;
  if (buffer === heldBuffer) return;
  heldBuffer = buffer;
  heldBytes = new Uint8Array(buffer);
  heldWords = new DataView(buffer);
}

/**
 * A literal to compare four bytes at a time: its little-endian 32-bit words at 0, 4, 8, … and, where its
 * length is no multiple of four, the last four bytes (overlapping): the last word is always at `length - 4`.
 * At least four bytes long.
 */
interface Literal {
  readonly length: number;
  readonly words: Int32Array;
}

function literalOf(bytes: Uint8Array): Literal {
  const length = bytes.length;
  const offsets: number[] = [];
  for (let offset = 0; offset + 4 <= length; offset += 4) offsets.push(offset);
  if (length % 4 !== 0) offsets.push(length - 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  return { length, words: Int32Array.from(offsets, (offset) => view.getInt32(offset, true)) };
}

const bytesOf = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0));
const VENUE_KEY = bytesOf('{"venue":"');
const SYMBOL_KEY = bytesOf('","symbol":"');
const TRADE_ID_KEY = bytesOf('","tradeId":"');
/*
 * The members' literals, each as its little-endian 32-bit words (at 0, 4, … and the last four bytes) written as
 * numbers: a literal in the code folds into the compare, where a module's constant is a context load and a hole
 * check at every use (V8 11, per module as tsx and tsc's output run). Whether the literal is at `at`, before
 * `end`; raw-trade-scanner.test.ts changes each byte of each one.
 */
/** `","time":` */
function isTimeKey(words: DataView, at: number, end: number): boolean {
  return (
    at + 9 <= end &&
    words.getInt32(at, true) === 0x74222c22 &&
    words.getInt32(at + 4, true) === 0x22656d69 &&
    words.getInt32(at + 5, true) === 0x3a22656d
  );
}

/** `","timeUs":` */
function isTimeUsKey(words: DataView, at: number, end: number): boolean {
  return (
    at + 11 <= end &&
    words.getInt32(at, true) === 0x74222c22 &&
    words.getInt32(at + 4, true) === 0x55656d69 &&
    words.getInt32(at + 7, true) === 0x3a227355
  );
}

/** `,"price":` */
function isPriceKey(words: DataView, at: number, end: number): boolean {
  return (
    at + 9 <= end &&
    words.getInt32(at, true) === 0x7270222c &&
    words.getInt32(at + 4, true) === 0x22656369 &&
    words.getInt32(at + 5, true) === 0x3a226563
  );
}

/** `,"size":` */
function isSizeKey(words: DataView, at: number, end: number): boolean {
  return (
    at + 8 <= end && words.getInt32(at, true) === 0x6973222c && words.getInt32(at + 4, true) === 0x3a22657a
  );
}

/** `,"side":"` */
function isSideKey(words: DataView, at: number, end: number): boolean {
  return (
    at + 9 <= end &&
    words.getInt32(at, true) === 0x6973222c &&
    words.getInt32(at + 4, true) === 0x3a226564 &&
    words.getInt32(at + 5, true) === 0x223a2265
  );
}

/** `buy"` */
function isBuy(words: DataView, at: number, end: number): boolean {
  return at + 4 <= end && words.getInt32(at, true) === 0x22797562;
}

/** `sell"` */
function isSell(words: DataView, at: number, end: number): boolean {
  return (
    at + 5 <= end && words.getInt32(at, true) === 0x6c6c6573 && words.getInt32(at + 1, true) === 0x226c6c65
  );
}

/** `unknown"` */
function isUnknown(words: DataView, at: number, end: number): boolean {
  return (
    at + 8 <= end && words.getInt32(at, true) === 0x6e6b6e75 && words.getInt32(at + 4, true) === 0x226e776f
  );
}
const QUOTE = 0x22;
const DOT = 0x2e;
const ZERO = 0x30;
const COLON = 0x3a;
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
  while (at < end && value[at] === 0x2c /* , */) {
    const keyStart = at + 2;
    at = plainString(value, at + 1, end);
    if (at < 0 || isReadKey(value, keyStart, at - 1)) return false;
    if (at >= end || value[at] !== COLON) return false;
    at = memberValue(value, at + 1, end);
    if (at < 0) return false;
  }
  return at === end - 1 && value[at] === 0x7d; // }
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
  for (const literal of LITERALS) if (matchesBytes(value, start, end, literal)) return start + literal.length;
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
    if (end - start === key.length && matchesBytes(value, start, end, key)) return true;
  }
  return false;
}

/** 10^0 … 10^15, each exact in a double. */
const POWERS = Array.from({ length: 16 }, (_, power) => 10 ** power);

/** The number the last `integer` or `decimal` read: a typed-array cell holds it unboxed (a `let` boxed each one). */
const SCANNED = new Float64Array(1);

/** Whether `literal` is at `at`, before `end`. */
function matches(words: DataView, at: number, end: number, literal: Literal): boolean {
  const length = literal.length;
  if (at + length > end) return false;
  const expected = literal.words;
  const last = expected.length - 1;
  // no table of offsets: the words before the last are at 4 × index, the last at length − 4
  for (let index = 0; index < last; index++) {
    if (words.getInt32(at + index * 4, true) !== expected[index]) return false;
  }
  return words.getInt32(at + length - 4, true) === expected[last];
}

/** Whether the bytes `literal` are at `at`, before `end` (for names seen the first time). */
function matchesBytes(bytes: Uint8Array, at: number, end: number, literal: Uint8Array): boolean {
  if (at + literal.length > end) return false;
  for (let index = 0; index < literal.length; index++) {
    if (bytes[at + index] !== literal[index]) return false;
  }
  return true;
}

const latin1 = (bytes: Uint8Array, start: number, end: number): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');

/**
 * A JSON integer (no sign, no leading zero, at most 16 digits, a safe integer) into `SCANNED`; returns the
 * position after it, or −1. Below 2^53 every partial sum is exact.
 */
function integer(value: Uint8Array, start: number, end: number): number {
  let at = start;
  let number = 0;
  while (at < end) {
    const digit = (value[at] as number) - 0x30;
    if (!(digit >= 0 && digit <= 9)) break;
    number = number * 10 + digit;
    at++;
  }
  const digits = at - start;
  if (digits < 1 || digits > 16 || (digits > 1 && value[start] === 0x30)) return -1;
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
  const quoted = start < end && value[start] === 0x22;
  let at = quoted ? start + 1 : start;
  const first = at;
  let mantissa = 0;
  while (at < end) {
    const digit = (value[at] as number) - 0x30;
    if (!(digit >= 0 && digit <= 9)) break;
    mantissa = mantissa * 10 + digit;
    at++;
  }
  const integerDigits = at - first;
  if (integerDigits < 1 || (!quoted && integerDigits > 1 && value[first] === 0x30)) return -1;
  let fraction = 0;
  if (at < end && value[at] === 0x2e) {
    at++;
    const fractionStart = at;
    while (at < end) {
      const digit = (value[at] as number) - 0x30;
      if (!(digit >= 0 && digit <= 9)) break;
      mantissa = mantissa * 10 + digit;
      at++;
    }
    fraction = at - fractionStart;
    if (fraction < 1) return -1;
  }
  if (integerDigits + fraction > 15) return -1;
  if (quoted) {
    if (at >= end || value[at] !== 0x22) return -1;
    at++;
  }
  SCANNED[0] = fraction === 0 ? mantissa : mantissa / (POWERS[fraction] as number);
  return at;
}

/** A venue and symbol as read once: the same strings for every record that spells them the same. */
interface Names {
  readonly venue: string;
  readonly symbol: string;
  /** `{"venue":"venue","symbol":"symbol","tradeId":"` as in the record */
  readonly prefix: Literal;
}

/** Recently read names, the last one read first (a partition mostly repeats a few symbols). */
const recent: Names[] = [];
const RECENT = 16;

/** The record's start up to its trade id, with the venue and symbol it names, from `recent` when seen before. */
function names(bytes: Uint8Array, words: DataView, start: number, end: number): Names | null {
  for (let index = 0; index < recent.length; index++) {
    const known = recent[index] as Names;
    if (!matches(words, start, end, known.prefix)) continue;
    if (index > 0) {
      recent[index] = recent[0] as Names;
      recent[0] = known;
    }
    return known;
  }
  if (!matchesBytes(bytes, start, end, VENUE_KEY)) return null;
  const venueStart = start + VENUE_KEY.length;
  let at = venueStart;
  while (at < end && (CLASS[bytes[at] as number] as number) & VENUE) at++;
  const venueLength = at - venueStart;
  if (venueLength < 1 || venueLength > 32 || !matchesBytes(bytes, at, end, SYMBOL_KEY)) return null;
  const symbolStart = at + SYMBOL_KEY.length;
  at = symbolStart;
  while (at < end && (CLASS[bytes[at] as number] as number) & SYMBOL) at++;
  const symbolLength = at - symbolStart;
  if (symbolLength < 1 || symbolLength > 64 || !matchesBytes(bytes, at, end, TRADE_ID_KEY)) return null;
  const read: Names = {
    venue: latin1(bytes, venueStart, venueStart + venueLength),
    symbol: latin1(bytes, symbolStart, at),
    prefix: literalOf(bytes.slice(start, at + TRADE_ID_KEY.length)),
  };
  if (recent.length === RECENT) recent.pop();
  recent.unshift(read);
  return read;
}
