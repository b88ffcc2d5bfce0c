import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './command-line.js';

const user = { id: '0', name: 'you' };

describe('parseCommandLine', () => {
  it('fills options in declared order, numbers typed, the last string option takes the rest', () => {
    expect(parseCommandLine('/bars BTCUSDT 5m 20', user).options).toEqual({
      symbol: 'BTCUSDT',
      interval: '5m',
      count: 20,
    });
    expect(parseCommandLine('/alerts add ETHUSDT price crossing_up 2680 on 1m', user)).toMatchObject({
      name: 'alerts',
      subcommand: 'add',
      options: { symbol: 'ETHUSDT', rule: 'price crossing_up 2680 on 1m' },
    });
    expect(parseCommandLine('/chart symbol:ETHUSDT indicators:sma(20);rsi(14)', user).options).toEqual({
      symbol: 'ETHUSDT',
      indicators: 'sma(20);rsi(14)',
    });
    expect(parseCommandLine('/note add symbol:BTCUSDT holds 61k #support', user).options).toEqual({
      symbol: 'BTCUSDT',
      text: 'holds 61k #support',
    });
    expect(parseCommandLine('/watchlist remove ETHUSDT', user).options).toEqual({ symbol: 'ETHUSDT' });
    expect(parseCommandLine('/strategy performance alice-btc', user)).toMatchObject({
      subcommand: 'performance',
      options: { name: 'alice-btc' },
    });
  });

  it('names the problem: unknown command, missing option, a word where a number goes', () => {
    expect(() => parseCommandLine('/prise BTCUSDT', user)).toThrow('unknown command "/prise"');
    expect(() => parseCommandLine('/price', user)).toThrow('/price: option "symbol" is required');
    expect(() => parseCommandLine('/bars BTCUSDT 1m ten', user)).toThrow(
      '"count" must be a number, got "ten"',
    );
    expect(() => parseCommandLine('/alerts delete x', user)).toThrow(
      '/alerts needs one of: add, list, remove',
    );
  });
});
