import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { TradeTick } from '../../schemas/tick.js';
import { readTradeFile, readTrades, symbolFromFileName, type TradeReaderOptions } from './read-trades.js';

// Real Binance data; origins in ../shared/data/README.md.
const dataFile = (name: string) => fileURLToPath(new URL(`../../../shared/data/${name}`, import.meta.url));

async function ticksOf(text: string, options: Partial<TradeReaderOptions> = {}): Promise<TradeTick[]> {
  const ticks: TradeTick[] = [];
  const reader = readTrades(Readable.from([text]), 'trades.csv', {
    format: 'binance-trades',
    venue: 'binance',
    symbol: 'BTCUSDT',
    ...options,
  });
  for await (const tick of reader) ticks.push(tick);
  return ticks;
}

async function failureOf(text: string, options: Partial<TradeReaderOptions> = {}): Promise<unknown> {
  return ticksOf(text, options).then(
    () => expect.fail('expected the read to fail'),
    (error: unknown) => error,
  );
}

// The first trade of binance_um_BTCUSDT_trades_2024-08-08T235416Z_2024-08-08T235959Z.csv.
const firstUmTrade: TradeTick = {
  kind: 'trade',
  venue: 'binance',
  symbol: 'BTCUSDT',
  tradeId: '5266583935',
  timeUs: 1_723_161_256_322_000,
  price: 61800.3,
  size: 0.006,
  aggressor: 'buy',
};

describe('readTrades, binance-trades', () => {
  it('reads the recorded trade_id,price,qty,transact_time,… files by header name', async () => {
    const ticks: TradeTick[] = [];
    const path = dataFile('binance_um_BTCUSDT_trades_2024-08-08T235416Z_2024-08-08T235959Z.csv');
    for await (const tick of readTradeFile(path, {
      format: 'binance-trades',
      venue: 'binance',
      symbol: 'BTCUSDT',
    })) {
      ticks.push(tick);
    }
    expect(ticks).toHaveLength(21_313);
    expect(ticks[0]).toEqual(firstUmTrade);
    expect(ticks.at(-1)?.tradeId).toBe('5266605247');
  });

  it('reads the official dump layout without a header by position', async () => {
    const ticks = await ticksOf('5266583935,61800.30,0.006,370.8018,1723161256322,false,true\n');
    expect(ticks).toEqual([firstUmTrade]);
  });

  it('reads the official dump layout with its header, is_buyer_maker true as a taker sell', async () => {
    const ticks = await ticksOf(
      'id,price,qty,quote_qty,time,is_buyer_maker\n7,61800.30,0.006,370.8018,1723161256322,true\n',
    );
    expect(ticks[0]).toMatchObject({ tradeId: '7', aggressor: 'sell', timeUs: 1_723_161_256_322_000 });
  });
});

describe('readTrades, binance-aggtrades', () => {
  it('reads Binance aggTrades with a header', async () => {
    const ticks: TradeTick[] = [];
    const path = dataFile('binance_spot_XRPETH_aggTrades_2019-10-11_2019-10-13.csv');
    for await (const tick of readTradeFile(path, {
      format: 'binance-aggtrades',
      venue: 'binance',
      symbol: 'XRPETH',
    })) {
      ticks.push(tick);
    }
    expect(ticks).toHaveLength(12_477);
    expect(ticks[0]).toEqual({
      kind: 'trade',
      venue: 'binance',
      symbol: 'XRPETH',
      tradeId: '13519807',
      timeUs: 1_570_752_011_620_000,
      price: 0.00141342,
      size: 23,
      aggressor: 'sell',
    });
  });

  it('reads headerless dumps and tells µs timestamps (Binance 2025 dumps) from ms by magnitude', async () => {
    const ticks = await ticksOf(
      '13519807,0.00141342,23.00000000,15373518,15373518,1570752011620,true,true\n' +
        '13519808,0.00141266,54.00000000,15373519,15373519,1570752011620123,false,true\n',
      { format: 'binance-aggtrades' },
    );
    expect(ticks.map((tick) => tick.timeUs)).toEqual([1_570_752_011_620_000, 1_570_752_011_620_123]);
  });
});

describe('readTrades, csv', () => {
  it('reads time as epoch ms or ISO 8601 with zone, optional side, trade_id and symbol', async () => {
    const ticks = await ticksOf(
      'symbol,time,price,size,side,trade_id\n' +
        'BTCUSDT,1723161256322,61800.3,0.006,buy,a1\n' +
        'ETHUSDT,2024-08-08T23:54:16.5Z,2600.1,1,sell,b1\n' +
        'BTCUSDT,2024-08-09T01:54:16.322123+02:00,61800.4,0.5,,a2\n',
      { format: 'csv', symbol: 'BTCUSDT' },
    );
    expect(ticks.map((tick) => [tick.tradeId, tick.timeUs, tick.aggressor])).toEqual([
      ['a1', 1_723_161_256_322_000, 'buy'],
      ['a2', 1_723_161_256_322_123, 'unknown'],
    ]);
  });

  it('uses the given symbol and the line number as trade id when the file has neither', async () => {
    const ticks = await ticksOf('time,price,qty\n1723161256322,1.5,2\n', {
      format: 'csv',
      symbol: 'SOLUSDT',
    });
    expect(ticks[0]).toMatchObject({ symbol: 'SOLUSDT', tradeId: '2', aggressor: 'unknown' });
  });
});

describe('readTrades, bad input', () => {
  it('names file, line, field and value of a bad number', async () => {
    const error = await failureOf(
      'trade_id,price,qty,transact_time,is_buyer_maker\n1,1.5,2,1723161256322,true\n2,abc,2,1723161256322,true\n',
    );
    expect(error).toMatchObject({
      code: 'NXR_FILE_INVALID',
      message: 'trades.csv line 3: price "abc" is not a decimal > 0',
      details: { file: 'trades.csv', line: 3, field: 'price' },
    });
  });

  it('refuses a header without a needed column, quoting the header', async () => {
    const error = await failureOf('trade_id,qty,transact_time,is_buyer_maker\n1,2,1723161256322,true\n');
    expect(error).toMatchObject({
      code: 'NXR_FILE_INVALID',
      message: expect.stringContaining('line 1: no price column'),
    });
  });

  it('refuses short lines, absurd times, bad flags and unclosed quotes', async () => {
    await expect(failureOf('1,1.5,2\n')).resolves.toMatchObject({
      message: expect.stringContaining('line 1: time "" is missing'),
    });
    await expect(failureOf('1,1.5,2,0,1723,true\n')).resolves.toMatchObject({
      message: expect.stringContaining('time "1723" is outside 1990–2200'),
    });
    await expect(failureOf('1,1.5,2,0,1723161256322,yes\n')).resolves.toMatchObject({
      message: expect.stringContaining('is_buyer_maker "yes" is not true or false'),
    });
    await expect(failureOf('1,"1.5,2,0,1723161256322,true\n')).resolves.toMatchObject({
      code: 'NXR_FILE_INVALID',
    });
  });

  it('reports a missing file as NXR_FILE_INVALID', async () => {
    const reading = readTradeFile('no/such/trades.csv', {
      format: 'csv',
      venue: 'binance',
      symbol: 'X',
    }).next();
    await expect(reading).rejects.toMatchObject({
      code: 'NXR_FILE_INVALID',
      message: expect.stringContaining('no/such/trades.csv'),
    });
  });

  it('asks for a symbol when neither the file nor the options name one', async () => {
    await expect(
      failureOf('time,price,size\n1723161256322,1,1\n', { format: 'csv', symbol: undefined }),
    ).resolves.toMatchObject({
      code: 'NXR_CONFIG_INVALID',
    });
  });
});

describe('symbolFromFileName', () => {
  it('finds the symbol in Binance dump names and the shared data names', () => {
    expect(symbolFromFileName('data/BTCUSDT-trades-2024-08-08.csv')).toBe('BTCUSDT');
    expect(symbolFromFileName('ETHBTC-aggTrades-2025-01.csv')).toBe('ETHBTC');
    expect(symbolFromFileName('../binance_spot_XRPETH_aggTrades_2019-10-11_2019-10-13.csv')).toBe('XRPETH');
    expect(symbolFromFileName('trades.csv')).toBeUndefined();
  });
});
