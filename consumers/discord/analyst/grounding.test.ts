import { describe, expect, it } from 'vitest';
import { numbersIn, statedNumbers, ungroundedNumbers } from './grounding.js';

describe('grounding check', () => {
  const quote = {
    symbol: 'BTCUSDT',
    price: 61419.9,
    asOf: '2024-08-09T00:09:59.999Z',
    ageMinutes: 1,
    stale: false,
  };

  it('does not read dates, times, intervals, specs or symbols as stated figures', () => {
    expect(statedNumbers('BTCUSDT on 1m: rsi(14) at 00:09 on 2024-08-09T00:09:59.999Z is 41.2')).toEqual([
      '41.2',
    ]);
  });

  it('accepts a tool number at the precision written, rejects an invented one', () => {
    const sources = numbersIn(quote);
    expect(ungroundedNumbers('BTCUSDT is at 61419.9 (as of 2024-08-09T00:09:59.999Z).', sources)).toEqual([]);
    expect(ungroundedNumbers('BTCUSDT is at 61,420 right now.', sources)).toEqual([]);
    expect(ungroundedNumbers('BTCUSDT is at 61,419.90.', sources)).toEqual([]);
    expect(ungroundedNumbers('BTCUSDT is at 65000.00, up from 61419.9.', sources)).toEqual(['65000.00']);
    expect(ungroundedNumbers('BTCUSDT is at 61419.95.', sources)).toEqual(['61419.95']);
  });

  it('lets small counts pass: "3 alerts", "2 bars"', () => {
    expect(ungroundedNumbers('You have 3 alerts in the last 2 bars.', [])).toEqual([]);
  });
});
