import { afterEach, describe, expect, it } from 'vitest';
import { createCoinbaseAdapter } from './coinbase.js';
import { startLocalExchange } from './testing/local-exchange-test-kit.js';

const adapter = createCoinbaseAdapter({ symbols: ['BTC-USD', 'ETH-USD'] });

// The example messages of Coinbase's "Exchange WebSocket Channels" documentation (docs.cdp.coinbase.com).
const documentedMatch =
  '{"type":"match","trade_id":10,"sequence":50,"maker_order_id":"ac928c66-ca53-498f-9c13-a110027a60e8","taker_order_id":"132fb6ae-456b-4654-b4e0-d681ac05cea1","time":"2014-11-07T08:19:27.028459Z","product_id":"BTC-USD","size":"5.23512","price":"400.23","side":"sell"}';
const documentedTicker =
  '{"type":"ticker","sequence":37475248783,"product_id":"ETH-USD","price":"1285.22","open_24h":"1310.79","volume_24h":"245532.79269678","low_24h":"1280.52","high_24h":"1313.8","volume_30d":"9788783.60117027","best_bid":"1285.04","best_bid_size":"0.46688654","best_ask":"1285.27","best_ask_size":"1.56637040","side":"buy","time":"2022-10-19T23:28:22.061769Z","trade_id":370843401,"last_size":"11.4396987"}';
const documentedHeartbeat =
  '{"type":"heartbeat","sequence":90,"last_trade_id":20,"product_id":"BTC-USD","time":"2014-11-07T08:19:28.464459Z"}';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('Coinbase Exchange frames', () => {
  it('maps a match: side is the maker side, so a sell maker means a buying taker; time kept to the µs', () => {
    expect(adapter.decode(documentedMatch)).toEqual({
      kind: 'trade',
      trade: {
        id: 10n,
        raw: {
          venue: 'coinbase',
          symbol: 'BTC-USD',
          tradeId: '10',
          timeUs: Date.UTC(2014, 10, 7, 8, 19, 27) * 1000 + 28_459,
          price: '400.23',
          size: '5.23512',
          side: 'buy',
        },
      },
    });
    const lastMatch = adapter.decode(
      documentedMatch.replace('"match"', '"last_match"').replace('"sell"', '"buy"'),
    );
    expect(lastMatch).toMatchObject({ kind: 'trade', trade: { raw: { side: 'sell' } } });
  });

  it('maps a ticker to a quote of the best bid and offer, with its sequence', () => {
    expect(adapter.decode(documentedTicker)).toEqual({
      kind: 'quote',
      sequence: 37_475_248_783n,
      quote: {
        kind: 'quote',
        venue: 'coinbase',
        symbol: 'ETH-USD',
        timeUs: Date.UTC(2022, 9, 19, 23, 28, 22) * 1000 + 61_769,
        bidPrice: 1285.04,
        bidSize: 0.46688654,
        askPrice: 1285.27,
        askSize: 1.5663704,
        updateId: '37475248783',
      },
    });
  });

  it('reads the heartbeat last trade id, ignores acks and unknown types, reports errors', () => {
    expect(adapter.decode(documentedHeartbeat)).toEqual({
      kind: 'last-trade-id',
      symbol: 'BTC-USD',
      lastTradeId: 20n,
    });
    expect(adapter.decode('{"type":"subscriptions","channels":[]}').kind).toBe('ignored');
    expect(adapter.decode('{"type":"l2update","product_id":"BTC-USD"}').kind).toBe('ignored');
    expect(
      adapter.decode(
        '{"type":"error","message":"Failed to subscribe","reason":"BTC-XYZ is not a valid product"}',
      ),
    ).toEqual({
      kind: 'venue-error',
      message: 'Failed to subscribe: BTC-XYZ is not a valid product',
    });
  });

  it('refuses crossed quotes, local times and unsubscribed products', () => {
    const crossed = documentedTicker.replace('"best_bid":"1285.04"', '"best_bid":"1299.00"');
    expect(adapter.decode(crossed)).toMatchObject({ kind: 'invalid', path: ['askPrice'] });
    const local = documentedMatch.replace('08:19:27.028459Z', '08:19:27.028459');
    expect(adapter.decode(local)).toMatchObject({ kind: 'invalid', path: ['time'] });
    expect(adapter.decode(documentedMatch.replace('BTC-USD', 'SOL-USD'))).toMatchObject({
      kind: 'invalid',
      path: ['product_id'],
    });
  });

  it('subscribes to matches, ticker and heartbeat for its products', () => {
    expect(adapter.subscribeFrames()).toEqual([
      '{"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channels":["matches","ticker","heartbeat"]}',
    ]);
  });
});

describe('Coinbase backfill through GET /products/<id>/trades', () => {
  it('pages backwards with after=<older than> until the gap is covered', async () => {
    const all = Array.from({ length: 30 }, (_, index) => ({
      time: `2024-08-08T23:55:00.${String(index).padStart(6, '0')}Z`,
      trade_id: 100 + index,
      price: '61800.1',
      size: '0.01',
      side: index % 2 === 0 ? 'buy' : 'sell',
    }));
    const exchange = await startLocalExchange(
      () => {},
      (url) => {
        const after = Number(url.searchParams.get('after'));
        const limit = Number(url.searchParams.get('limit'));
        const page = all
          .filter((trade) => trade.trade_id < after)
          .reverse()
          .slice(0, limit);
        return { status: 200, body: page };
      },
    );
    cleanups.push(exchange.close);
    const local = createCoinbaseAdapter({ symbols: ['BTC-USD'], restBaseUrl: exchange.httpUrl, pageSize: 4 });
    const trades = await local.backfill('BTC-USD', 105n, 114n);
    expect(trades.map((trade) => Number(trade.id)).sort((a, b) => a - b)).toEqual([
      105, 106, 107, 108, 109, 110, 111, 112, 113, 114,
    ]);
    expect(exchange.restCalls).toEqual([
      '/products/BTC-USD/trades?after=115&limit=4',
      '/products/BTC-USD/trades?after=111&limit=4',
      '/products/BTC-USD/trades?after=107&limit=2',
    ]);
    // trade 110: maker side buy → the taker sold
    expect(trades.find((trade) => trade.id === 110n)?.raw).toEqual({
      venue: 'coinbase',
      symbol: 'BTC-USD',
      tradeId: '110',
      timeUs: Date.UTC(2024, 7, 8, 23, 55, 0) * 1000 + 10,
      price: '61800.1',
      size: '0.01',
      side: 'sell',
    });
  });
});
