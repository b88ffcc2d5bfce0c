import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rawTradeSchema } from '../../../schemas/tick.js';
import { canonicalNumber } from '../dlq/duplicate-window.js';
import { lastScannedTradeIdNumber, scanRawTrade } from './raw-trade-scanner.js';
import { readRawTrades, UM_TRADES_FILE } from './testing/processor-test-kit.js';

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

const TICK_MEMBERS = ['kind', 'venue', 'symbol', 'tradeId', 'timeUs', 'price', 'size', 'aggressor'];

/** The scanner may pass on a record, but when it answers, it answers exactly as the schema does. */
function agrees(value: Buffer): boolean {
  const scanned = scanRawTrade(value);
  if (scanned === undefined) return false;
  expect(viaSchema(value), value.toString('latin1')).toEqual(scanned);
  expect(Object.keys(scanned)).toEqual(TICK_MEMBERS);
  return true;
}

const real = readRawTrades(UM_TRADES_FILE, 'binance-um', 'BTCUSDT').slice(0, 2000);
/** Our feeds' spellings: Binance (ms, decimal strings) and the bench's and Coinbase's (µs, numbers). */
const ours = real.flatMap((trade) => [
  JSON.stringify(trade),
  JSON.stringify({
    venue: trade.venue,
    symbol: trade.symbol,
    tradeId: trade.tradeId,
    timeUs: trade.time * 1000,
    price: Number(trade.price),
    size: Number(trade.size),
    side: trade.side,
  }),
]);

const canonical = (fields: Record<string, string>) =>
  `{"venue":${fields.venue ?? '"binance"'},"symbol":${fields.symbol ?? '"BTCUSDT"'},"tradeId":${fields.tradeId ?? '"3735683259"'},${fields.time ?? '"timeUs":1723161255342000'},"price":${fields.price ?? '61837.63'},"size":${fields.size ?? '0.02'},"side":${fields.side ?? '"sell"'}}`;

describe('scanRawTrade', () => {
  it("reads our feeds' spellings of 2,000 real trades as the schema does", () => {
    for (const text of ours) expect(agrees(Buffer.from(text)), text).toBe(true);
  });

  it('leaves every other spelling to JSON.parse', () => {
    const others = [
      ' {"venue":"binance"}',
      canonical({ price: '1e3' }),
      canonical({ price: '061837.63' }),
      canonical({ price: '-1' }),
      canonical({ price: '1234567890123456' }),
      canonical({ price: '"1234567890.123456"' }),
      canonical({ price: '"61837.63 "' }),
      canonical({ price: '"5."' }),
      canonical({ size: '0.' }),
      canonical({ tradeId: '3735683259' }),
      canonical({ tradeId: '"37\\u0035"' }),
      canonical({ tradeId: '""' }),
      canonical({ tradeId: '"é"' }),
      canonical({ time: '"timeUs":01723161255342000' }),
      canonical({ time: '"timeUs":17231612553420001' }),
      canonical({ time: '"timeUs":1723161255342000.0' }),
      canonical({ time: '"time": 1723161255342' }),
      canonical({ side: '"BUY"' }),
      canonical({ venue: '"Binance"' }),
      canonical({ symbol: '"BTC USDT"' }),
      `${canonical({})} `,
      canonical({}).replace(',"side":"sell"', ''),
      canonical({}).replace('"venue":"binance","symbol":"BTCUSDT"', '"symbol":"BTCUSDT","venue":"binance"'),
    ];
    for (const text of others) expect(scanRawTrade(Buffer.from(text)), text).toBeUndefined();
  });

  it('reads each member literal only as spelled: any one byte of it changed is left to JSON.parse', () => {
    const records = [
      canonical({ time: '"time":1723161255342' }),
      canonical({ time: '"timeUs":1723161255342000' }),
      canonical({ side: '"buy"' }),
      canonical({ side: '"sell"' }),
      canonical({ side: '"unknown"' }),
    ];
    const literals = [
      '","time":',
      '","timeUs":',
      ',"price":',
      ',"size":',
      ',"side":"',
      'buy"',
      'sell"',
      'unknown"',
    ];
    let changed = 0;
    for (const text of records) {
      expect(agrees(Buffer.from(text)), text).toBe(true);
      for (const literal of literals) {
        const at = text.indexOf(literal);
        if (at < 0) continue;
        for (let index = at; index < at + literal.length; index++) {
          const value = Buffer.from(text);
          value[index] = (value[index] as number) ^ 0x01;
          expect(scanRawTrade(value), value.toString('latin1')).toBeUndefined();
          changed++;
        }
      }
    }
    expect(changed).toBe(5 * (9 + 8 + 9) + 9 + 4 * 11 + 4 + 3 * 5 + 8);
  });

  it('reads members after side that the schema does not read, as the schema does (it drops them)', () => {
    const withMembers = (members: string) => Buffer.from(canonical({}).replace(/}$/, `${members}}`));
    const accepted = [
      `,"pad":"${'.'.repeat(70)}"`,
      ',"m":true,"n":false,"o":null',
      ',"seq":0,"q":-12.5e+3,"r":1E9,"s":0.25',
      ',"sides":"buy","__proto__":"x","":""',
    ];
    for (const members of accepted) expect(agrees(withMembers(members)), members).toBe(true);
    const refused = [
      ',"price":1', // JSON.parse keeps the last price: the scan would read the first
      ',"side":"buy"',
      ',"timeUs":1723161255342000',
      ',"o":{}',
      ',"a":[1]',
      ',"e":"\\n"',
      ',"u":"é"',
      ', "pad":1',
      ',"pad": 1',
      ',"n":01',
      ',"n":1.',
      ',"n":-',
      ',"n":1e',
      ',"n":+1',
      ',"t":tru',
      ',"pad"',
      ',',
    ];
    for (const members of refused) expect(scanRawTrade(withMembers(members)), members).toBeUndefined();
    expect(scanRawTrade(Buffer.from(`${canonical({}).slice(0, -1)},"pad":1}}`))).toBeUndefined();
  });

  it('rounds decimals of up to 15 digits, numbers and strings, as JSON.parse and Number do', () => {
    const digits = (max: number) => fc.stringMatching(new RegExp(`^[0-9]{1,${max}}$`));
    fc.assert(
      fc.property(
        digits(9),
        fc.option(digits(12), { nil: undefined }),
        fc.boolean(),
        (whole, fraction, quoted) => {
          const text = fraction === undefined ? whole : `${whole}.${fraction}`;
          const number = quoted ? `"${text}"` : text;
          const value = Buffer.from(canonical({ price: number, size: number }));
          const scanned = scanRawTrade(value);
          if (scanned === undefined) return;
          expect(scanned.price).toBe(Number(text));
          expect(scanned.size).toBe(Number(text));
          agrees(value);
        },
      ),
      { seed: 17, numRuns: 20_000 },
    );
  });

  it('never reads a record differently from the schema when any of its bytes changes', () => {
    // with members after side too, as the bench's padded ticks have them
    const records = ours
      .slice(0, 200)
      .map((text, index) =>
        Buffer.from(index % 2 === 0 ? text : text.replace(/}$/, `,"pad":"....","n":-0.5e3,"b":true}`)),
      );
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.nat(records.length - 1),
        fc.array(fc.tuple(fc.nat(200), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
        (index, changes) => {
          const value = Buffer.from(records[index] as Buffer);
          for (const [at, byte] of changes) if (at < value.length) value[at] = byte;
          if (agrees(value)) accepted++;
        },
      ),
      { seed: 8, numRuns: 30_000 },
    );
    expect(accepted).toBeGreaterThan(1000);
  });

  it('reads a record in place, between other bytes, as it reads the record alone, wherever it ends', () => {
    for (const text of ours.slice(0, 60)) {
      const whole = Buffer.from(text);
      for (let end = 0; end <= whole.length; end++) {
        // what follows the record's end is the rest of it: a scan that looked past the end would accept it
        const chunk = Buffer.concat([Buffer.from('{"venue":"x"}'), whole]);
        const inPlace = scanRawTrade(chunk, 13, 13 + end);
        expect(inPlace, `${text} cut at ${end}`).toEqual(scanRawTrade(whole.subarray(0, end)));
      }
    }
  });

  it('reads trade ids of 1 to 128 printable characters as the schema does', () => {
    const printable =
      ' !#$%&()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~';
    for (let length = 1; length <= 128; length++) {
      const id = Array.from(
        { length },
        (_, index) => printable[(index * 7 + length) % printable.length],
      ).join('');
      const value = Buffer.from(canonical({ tradeId: JSON.stringify(id) }));
      expect(agrees(value), id).toBe(true);
      expect(scanRawTrade(value)?.tradeId).toBe(id);
    }
    expect(scanRawTrade(Buffer.from(canonical({ tradeId: `"${'7'.repeat(129)}"` })))).toBeUndefined();
  });

  it("gives the canonical number of the trade id it read last, as the de-dup window reads the id's string", () => {
    const ids = [
      '3735683259',
      '7',
      '0',
      '01',
      '00',
      '123456789012345',
      '1234567890123456',
      '12x',
      'x12',
      '1 2',
    ];
    for (const id of ids) {
      const tick = scanRawTrade(Buffer.from(canonical({ tradeId: JSON.stringify(id) })));
      if (tick === undefined) throw new Error(`the scanner is expected to read ${id}`);
      expect(lastScannedTradeIdNumber(), id).toBe(canonicalNumber(id));
    }
    expect(canonicalNumber('3735683259')).toBe(3_735_683_259);
    expect(canonicalNumber('01')).toBe(-1);
    scanRawTrade(Buffer.from(canonical({ tradeId: '"41"' })));
    scanRawTrade(Buffer.from(canonical({ tradeId: '"42"' })));
    expect(lastScannedTradeIdNumber()).toBe(42);
  });

  it('gives no trade id number after a record it leaves to JSON.parse', () => {
    expect(scanRawTrade(Buffer.from(canonical({ tradeId: '"43"' })))).toBeDefined();
    expect(lastScannedTradeIdNumber()).toBe(43);
    expect(scanRawTrade(Buffer.from(canonical({ tradeId: '"4\\u0034"' })))).toBeUndefined();
    expect(lastScannedTradeIdNumber()).toBeUndefined();
  });

  it('gives the same strings for a venue and symbol read again, and tells similar names apart', () => {
    const first = scanRawTrade(Buffer.from(canonical({})));
    const again = scanRawTrade(Buffer.from(canonical({ price: '1' })));
    const longer = scanRawTrade(Buffer.from(canonical({ symbol: '"BTCUSDTX"' })));
    const other = scanRawTrade(Buffer.from(canonical({ venue: '"binance-um"' })));
    expect(again?.venue).toBe(first?.venue);
    expect(longer?.symbol).toBe('BTCUSDTX');
    expect(other?.venue).toBe('binance-um');
    expect(other?.symbol).toBe('BTCUSDT');
  });
});
