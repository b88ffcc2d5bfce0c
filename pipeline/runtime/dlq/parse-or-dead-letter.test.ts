import { describe, expect, it } from 'vitest';
import { DuplicateWindow } from './duplicate-window.js';
import { type ParseOptions, parseOrDeadLetter, type RawTradeInput } from './parse-or-dead-letter.js';

// Trade 5266583935 of binance_um_BTCUSDT_trades_2024-08-08T235416Z_2024-08-08T235959Z.csv (../shared/data).
const trade = {
  venue: 'binance-um',
  symbol: 'BTCUSDT',
  tradeId: 5266583935,
  time: 1723161256322,
  price: '61800.30',
  size: '0.006',
  side: 'buy',
};
const key = 'binance-um:BTCUSDT';
const source = { topic: 'nexural.trades.raw', partition: 3, offset: '42' };
const options = (): ParseOptions => ({ duplicates: new DuplicateWindow(100), now: () => 1723161300000 });
const input = (value: unknown, overrides: Partial<RawTradeInput> = {}): RawTradeInput => ({
  key,
  source,
  value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8'),
  ...overrides,
});

const refusal = (raw: RawTradeInput, parseOptions = options()) => {
  const outcome = parseOrDeadLetter(raw, parseOptions);
  if (outcome.kind !== 'dead-letter')
    throw new Error(`expected a dead letter, got ${JSON.stringify(outcome)}`);
  return outcome.deadLetter;
};

describe('parseOrDeadLetter', () => {
  it('turns a plain JSON trade into the canonical tick', () => {
    expect(parseOrDeadLetter(input(trade), options())).toEqual({
      kind: 'tick',
      tick: {
        kind: 'trade',
        venue: 'binance-um',
        symbol: 'BTCUSDT',
        tradeId: '5266583935',
        timeUs: 1723161256322000,
        price: 61800.3,
        size: 0.006,
        aggressor: 'buy',
      },
    });
  });

  it('dead-letters bytes that are not UTF-8 with NXR_PARSE_FAILED and keeps them as base64', () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const deadLetter = refusal(input('', { value: bytes }));
    expect(deadLetter).toMatchObject({
      code: 'NXR_PARSE_FAILED',
      payload: 'e//+fQ==',
      payloadEncoding: 'base64',
    });
    expect(Buffer.from(deadLetter.payload, 'base64')).toEqual(bytes);
  });

  it('dead-letters truncated JSON with NXR_PARSE_FAILED, the text kept as it came, with key and source', () => {
    const text = JSON.stringify(trade).slice(0, 30);
    expect(refusal(input(text))).toEqual({
      code: 'NXR_PARSE_FAILED',
      reason: expect.stringContaining('not JSON'),
      payload: text,
      payloadEncoding: 'utf8',
      key,
      source,
      failedAt: 1723161300000,
    });
  });

  it.each([
    ['price', '-61800.30', 'NXR_BAD_VALUE', 'price: price must be > 0 (got "-61800.30")'],
    ['price', 'NaN', 'NXR_BAD_VALUE', 'price: must be a number or a decimal string (got "NaN")'],
    ['size', 'Infinity', 'NXR_BAD_VALUE', 'size: must be a number or a decimal string (got "Infinity")'],
    ['size', -0.5, 'NXR_BAD_VALUE', 'size: size must be >= 0 (got -0.5)'],
    ['time', 1723161256, 'NXR_BAD_VALUE', 'time: time before 1990 is not a market event time'],
    ['time', 9_999_999_999_999, 'NXR_BAD_VALUE', 'time: time after 2200'],
    ['price', 'cheap', 'NXR_SCHEMA_INVALID', 'price: must be a number or a decimal string (got "cheap")'],
    ['time', '1723161256322', 'NXR_SCHEMA_INVALID', 'time: Invalid input: expected number, received string'],
    ['venue', 'Binance', 'NXR_SCHEMA_INVALID', 'venue: venue must be lowercase'],
    ['side', 'long', 'NXR_SCHEMA_INVALID', 'side: Invalid option'],
  ])('refuses %s = %j with %s, naming the field and value', (field, value, code, reason) => {
    const deadLetter = refusal(input({ ...trade, [field]: value }));
    expect(deadLetter.code).toBe(code);
    expect(deadLetter.reason).toContain(reason);
    expect(deadLetter.path).toEqual([field]);
  });

  it('reads an overflowing JSON number (1e999 → Infinity) as a bad value', () => {
    const text = JSON.stringify(trade).replace('"61800.30"', '1e999');
    expect(refusal(input(text))).toMatchObject({
      code: 'NXR_BAD_VALUE',
      reason: expect.stringContaining('Infinity'),
    });
  });

  it('refuses a record that is JSON but not an object', () => {
    expect(refusal(input('[1,2]'))).toMatchObject({
      code: 'NXR_SCHEMA_INVALID',
      reason: expect.stringContaining('array'),
    });
  });

  it('refuses a trade keyed other than venue:symbol, since its symbol could land in another partition', () => {
    const deadLetter = refusal(input(trade, { key: 'BTCUSDT' }));
    expect(deadLetter).toMatchObject({ code: 'NXR_SCHEMA_INVALID', path: ['key'], key: 'BTCUSDT' });
    expect(parseOrDeadLetter(input(trade, { key: null }), { ...options(), keyPolicy: 'ignore' }).kind).toBe(
      'tick',
    );
  });

  it('dead-letters a repeated trade id of the same symbol as NXR_DUPLICATE, not of another symbol', () => {
    const shared = options();
    expect(parseOrDeadLetter(input(trade), shared).kind).toBe('tick');
    expect(refusal(input(trade), shared)).toMatchObject({ code: 'NXR_DUPLICATE', path: ['tradeId'] });
    const eth = { ...trade, symbol: 'ETHUSDT' };
    expect(parseOrDeadLetter(input(eth, { key: 'binance-um:ETHUSDT' }), shared).kind).toBe('tick');
  });

  it('dead-letters a null value (tombstone) with NXR_PARSE_FAILED', () => {
    expect(refusal(input('', { value: null }))).toMatchObject({ code: 'NXR_PARSE_FAILED', payload: '' });
  });
});
