import { afterEach, describe, expect, it } from 'vitest';
import { createBinanceAdapter } from './binance.js';
import { binanceFixtureFrames, startLocalExchange } from './testing/local-exchange-test-kit.js';

const frames = binanceFixtureFrames();
const adapter = createBinanceAdapter({ symbols: ['BTCUSDT'], venue: 'binance-um' });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('Binance @trade frames', () => {
  it('maps a recorded combined-stream trade: t → tradeId, T → time, m true → taker sell, decimals verbatim', () => {
    // first line of the fixture: {"e":"trade","E":1723161295548,"T":1723161295547,"s":"BTCUSDT","t":5266585436,"p":"61812.60","q":"0.016","X":"MARKET","m":true}
    expect(adapter.decode(frames[0] ?? '')).toEqual({
      kind: 'trade',
      trade: {
        id: 5_266_585_436n,
        raw: {
          venue: 'binance-um',
          symbol: 'BTCUSDT',
          tradeId: '5266585436',
          time: 1_723_161_295_547,
          price: '61812.60',
          size: '0.016',
          side: 'sell',
        },
      },
    });
  });

  it('reads the raw stream payload without the wrapper, and m false as a taker buy', () => {
    // the spot documentation's payload shape (with the old b/a order ids, ignored)
    const spot = adapter.decode(
      '{"e":"trade","E":1579481530911,"s":"BTCUSDT","t":158410082,"p":"0.01914100","q":"0.00700000","b":4110671841,"a":4110671533,"T":1579481530910,"m":false,"M":true}',
    );
    expect(spot).toMatchObject({ kind: 'trade', trade: { raw: { side: 'buy', time: 1_579_481_530_910 } } });
  });

  it('ignores subscription responses and other events, reports errors', () => {
    expect(adapter.decode('{"result":null,"id":1}').kind).toBe('ignored');
    expect(adapter.decode('{"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":1}}').kind).toBe(
      'ignored',
    );
    expect(adapter.decode('{"code":2,"msg":"Invalid request"}')).toEqual({
      kind: 'venue-error',
      message: 'Invalid request',
    });
  });

  it('refuses malformed trades naming the field and value', () => {
    expect(adapter.decode('{"e":"trade"')).toMatchObject({ kind: 'invalid', code: 'NXR_PARSE_FAILED' });
    const negative = (frames[0] ?? '').replace('"p":"61812.60"', '"p":"-1"');
    expect(adapter.decode(negative)).toMatchObject({
      kind: 'invalid',
      code: 'NXR_SCHEMA_INVALID',
      reason: 'Binance trade p: must be a decimal string (got "-1")',
      path: ['p'],
    });
    const other = (frames[0] ?? '').replace('"s":"BTCUSDT"', '"s":"ETHUSDT"');
    expect(adapter.decode(other)).toMatchObject({ kind: 'invalid', path: ['s'] });
  });

  it('subscribes through the combined-stream URL', () => {
    const two = createBinanceAdapter({
      symbols: ['BTCUSDT', 'ETHUSDT'],
      wsBaseUrl: 'wss://example.test:9443/',
    });
    expect(two.url).toBe('wss://example.test:9443/stream?streams=btcusdt@trade/ethusdt@trade');
  });
});

describe('Binance backfill through GET /api/v3/historicalTrades', () => {
  it('pages by fromId until the gap is covered, mapping isBuyerMaker like m', async () => {
    const all = Array.from({ length: 25 }, (_, index) => ({
      id: 1000 + index,
      price: '61800.10',
      qty: '0.001',
      quoteQty: '61.8001',
      time: 1_723_161_300_000 + index,
      isBuyerMaker: index % 2 === 0,
      isBestMatch: true,
    }));
    const exchange = await startLocalExchange(
      () => {},
      (url) => {
        const fromId = Number(url.searchParams.get('fromId'));
        const limit = Number(url.searchParams.get('limit'));
        return { status: 200, body: all.filter((trade) => trade.id >= fromId).slice(0, limit) };
      },
    );
    cleanups.push(exchange.close);
    const local = createBinanceAdapter({ symbols: ['BTCUSDT'], restBaseUrl: exchange.httpUrl, pageSize: 4 });
    const trades = await local.backfill('BTCUSDT', 1003n, 1012n);
    expect(trades.map((trade) => Number(trade.id))).toEqual([
      1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012,
    ]);
    expect(trades[0]?.raw).toEqual({
      venue: 'binance',
      symbol: 'BTCUSDT',
      tradeId: '1003',
      time: 1_723_161_300_003,
      price: '61800.10',
      size: '0.001',
      side: 'buy',
    });
    expect(exchange.restCalls).toEqual([
      '/api/v3/historicalTrades?symbol=BTCUSDT&fromId=1003&limit=4',
      '/api/v3/historicalTrades?symbol=BTCUSDT&fromId=1007&limit=4',
      '/api/v3/historicalTrades?symbol=BTCUSDT&fromId=1011&limit=2',
    ]);
  });

  it('fails retryably on a rate limit and not on a bad request', async () => {
    let status = 429;
    const exchange = await startLocalExchange(
      () => {},
      () => ({ status, body: { code: -1003, msg: 'Too many requests' } }),
    );
    cleanups.push(exchange.close);
    const local = createBinanceAdapter({ symbols: ['BTCUSDT'], restBaseUrl: exchange.httpUrl });
    await expect(local.backfill('BTCUSDT', 1n, 2n)).rejects.toMatchObject({ retryable: true });
    status = 400;
    await expect(local.backfill('BTCUSDT', 1n, 2n)).rejects.toMatchObject({ code: 'NXR_CONFIG_INVALID' });
  });
});
