import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TradeTick } from '../../../schemas/tick.js';
import { DuplicateWindow } from './duplicate-window.js';
import { parseOrDeadLetter, type RawTradeInput } from './parse-or-dead-letter.js';
import { type MalformedTrade, malformedTrade } from './testing/malformed-trades.js';

const tradesFile = new URL(
  '../../../../shared/data/binance_um_BTCUSDT_trades_2024-08-08T235416Z_2024-08-08T235959Z.csv',
  import.meta.url,
);
const rows: {
  trade_id: string;
  price: string;
  qty: string;
  transact_time: string;
  is_buyer_maker: string;
}[] = parse(readFileSync(tradesFile), { columns: true, to: 2000 });
const key = 'binance-um:BTCUSDT';
const seed = 20240808;

interface Good {
  readonly input: RawTradeInput;
  readonly expected: TradeTick;
}

const position = (offset: number) => ({ topic: 'nexural.trades.raw', partition: 0, offset: String(offset) });
const bytes = (text: string) => Buffer.from(text, 'utf8');

/** Real trades, each written in one of the valid spellings (numbers or strings, ms or µs, side or not). */
const goodTrades: Good[] = rows.map((row, index) => {
  const price = index % 2 === 0 ? row.price : Number(row.price);
  const time =
    index % 3 === 0 ? { timeUs: Number(row.transact_time) * 1000 } : { time: Number(row.transact_time) };
  const aggressor = row.is_buyer_maker === 'false' ? 'buy' : 'sell';
  const raw = {
    venue: 'binance-um',
    symbol: 'BTCUSDT',
    tradeId: index % 5 === 0 ? Number(row.trade_id) : row.trade_id,
    ...time,
    price,
    size: row.qty,
    ...(index % 4 === 0 ? {} : { side: aggressor }),
  };
  return {
    input: { key, value: bytes(JSON.stringify(raw)), source: null },
    expected: {
      kind: 'trade',
      venue: 'binance-um',
      symbol: 'BTCUSDT',
      tradeId: row.trade_id,
      timeUs: Number(row.transact_time) * 1000,
      price: Number(row.price),
      size: Number(row.qty),
      aggressor: index % 4 === 0 ? 'unknown' : aggressor,
    },
  };
});

describe('parseOrDeadLetter under fuzzed input', () => {
  it('dead-letters every one of ≥ 1,000 distinct malformed records mixed into 2,000 real trades; the trades pass unchanged', () => {
    const bad = fc.sample(
      malformedTrade(
        key,
        goodTrades.map((good) => good.input),
      ),
      { seed, numRuns: 1600 },
    );
    const distinct = new Set(bad.map(({ input }) => `${input.key}|${input.value?.toString('base64')}`));
    expect(distinct.size).toBeGreaterThanOrEqual(1000);
    expect(new Set(bad.map(({ kind }) => kind)).size).toBe(22);

    // a duplicate must come after its original; everything else is scattered at random
    const stream: ({ good: Good } | { bad: MalformedTrade })[] = goodTrades.map((good) => ({ good }));
    const random = fc.sample(fc.integer({ min: 0, max: 2 ** 30 }), { seed, numRuns: bad.length });
    bad.forEach((record, index) => {
      const repeated = record.duplicateOf === undefined ? undefined : goodTrades[record.duplicateOf];
      const original = stream.findIndex((entry) => 'good' in entry && entry.good === repeated);
      const earliest = original + 1;
      stream.splice(earliest + ((random[index] ?? 0) % (stream.length - earliest + 1)), 0, { bad: record });
    });

    const options = { duplicates: new DuplicateWindow(10_000), now: () => 1723161300000 };
    const ticks: TradeTick[] = [];
    stream.forEach((entry, offset) => {
      const record = 'good' in entry ? entry.good.input : entry.bad.input;
      const outcome = parseOrDeadLetter({ ...record, source: position(offset) }, options);
      if ('good' in entry) {
        expect(outcome).toEqual({ kind: 'tick', tick: entry.good.expected });
        if (outcome.kind === 'tick') ticks.push(outcome.tick);
        return;
      }
      if (outcome.kind !== 'dead-letter')
        throw new Error(`${entry.bad.kind} passed: ${record.value?.toString()}`);
      const { deadLetter } = outcome;
      expect(deadLetter.code, `${entry.bad.kind}: ${deadLetter.reason}`).toBe(entry.bad.code);
      expect(deadLetter.reason).toContain(entry.bad.mentions);
      expect(deadLetter.source).toEqual(position(offset));
      expect(deadLetter.key).toBe(record.key);
      const original =
        deadLetter.payloadEncoding === 'base64'
          ? Buffer.from(deadLetter.payload, 'base64')
          : bytes(deadLetter.payload);
      expect(original).toEqual(record.value);
    });
    expect(ticks).toHaveLength(goodTrades.length);
  }, 30_000);

  it('never throws on arbitrary bytes: each record becomes a tick or a dead letter with a code and a reason', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.option(fc.string()), (array, recordKey) => {
        const outcome = parseOrDeadLetter(
          { key: recordKey, value: Buffer.from(array), source: null },
          { duplicates: new DuplicateWindow(10) },
        );
        if (outcome.kind === 'dead-letter') expect(outcome.deadLetter.reason.length).toBeGreaterThan(0);
      }),
      { seed, numRuns: 5000 },
    );
  });
});
