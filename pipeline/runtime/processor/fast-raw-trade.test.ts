import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rawTradeSchema } from '../../../schemas/tick.js';
import { malformedTrade } from '../dlq/testing/malformed-trades.js';
import { fastRawTrade } from './fast-raw-trade.js';
import { readRawTrades, UM_TRADES_FILE } from './testing/processor-test-kit.js';

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

/** What the schema makes of the same bytes (undefined = refused). */
function viaSchema(value: Buffer) {
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  const result = rawTradeSchema.safeParse(json);
  return result.success ? result.data : undefined;
}

/** The fast path may pass on a record, but when it answers, it answers exactly as the schema does. */
function agrees(value: Buffer): boolean {
  const fast = fastRawTrade(value);
  if (fast === undefined) return false;
  const slow = viaSchema(value);
  expect(slow, value.toString()).toBeDefined();
  expect(fast).toEqual(slow);
  // the same members in the same order (one hidden class for the engine); read-only by type, not frozen
  expect(Object.keys(fast)).toEqual(Object.keys(slow ?? {}));
  return true;
}

// Real Binance USDⓈ-M BTCUSDT trades (../shared/data), in every spelling the raw format allows.
const real = readRawTrades(UM_TRADES_FILE, 'binance-um', 'BTCUSDT').slice(0, 3000);
const spellings = real.map((trade, index) => ({
  venue: trade.venue,
  symbol: trade.symbol,
  tradeId: index % 5 === 0 ? Number(trade.tradeId) : trade.tradeId,
  ...(index % 3 === 0 ? { timeUs: trade.time * 1000 } : { time: trade.time }),
  price: index % 2 === 0 ? trade.price : Number(trade.price),
  size: index % 7 === 0 ? Number(trade.size) : trade.size,
  ...(index % 4 === 0 ? {} : { side: trade.side }),
  ...(index % 11 === 0 ? { pad: 'extra fields are ignored' } : {}),
}));

const anyValue = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('61800.30', ' 1e3 ', '-5', '0', '.5', '5.', 'NaN', 'Infinity', '0x10', '1_000'),
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -0, 1723161256322, 1723161256322000, 2 ** 53, 631152000000, 7258118400000),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 2 }),
);
/** mostly the valid value, sometimes anything, sometimes absent */
const field = (known: unknown) =>
  fc.option(fc.oneof({ weight: 4, arbitrary: fc.constant(known) }, { weight: 1, arbitrary: anyValue }), {
    nil: undefined,
    freq: 12,
  });

describe('fastRawTrade', () => {
  it('reads every spelling of 3,000 real trades exactly as rawTradeSchema does', () => {
    for (const spelling of spellings) {
      const value = bytes(spelling);
      expect(fastRawTrade(value)).toEqual(viaSchema(value));
      expect(fastRawTrade(value)).toBeDefined();
    }
  });

  it('never accepts a record the schema refuses, nor reads one differently (fuzzed fields)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.record({
          venue: field('binance-um'),
          symbol: field('BTCUSDT'),
          tradeId: field('5266583935'),
          time: fc.oneof(field(1723161256322), fc.constant(undefined)),
          timeUs: fc.oneof(fc.constant(undefined), fc.constant(undefined), field(1723161256322000)),
          price: field('61800.30'),
          size: field('0.006'),
          side: field('buy'),
        }),
        (record) => {
          if (agrees(bytes(record))) accepted++;
        },
      ),
      { seed: 20240808, numRuns: 20_000 },
    );
    // the property is not vacuous: a good share of the fuzzed records are trades
    expect(accepted).toBeGreaterThan(500);
  });

  it('agrees with the schema on 1,600 malformed records of 22 kinds and on arbitrary bytes', () => {
    const good = spellings.map((spelling) => ({
      key: 'binance-um:BTCUSDT',
      value: bytes(spelling),
      source: null,
    }));
    for (const bad of fc.sample(malformedTrade('binance-um:BTCUSDT', good), { seed: 1, numRuns: 1600 })) {
      if (bad.input.value) agrees(bad.input.value);
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (array) => {
        agrees(Buffer.from(array));
      }),
      { seed: 2, numRuns: 5000 },
    );
  });
});
