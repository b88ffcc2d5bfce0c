import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlStrategyStore } from '../../pipeline/store/sql-strategy-store.js';
import type { StrategyStore } from '../../schemas/ports/strategies.js';
import { type ApiHarness, bearer, openApiHarness, pgliteTestDatabase } from '../testing/api-harness.js';

/** The example strategy, with `ema` left for the API to make canonical. */
const emaCross = {
  name: 'ema-cross',
  venue: 'binance',
  symbol: 'BTCUSDT',
  interval: '1m',
  direction: 'long',
  entry: {
    source: { kind: 'indicator', spec: 'ema(5)', output: 'value' },
    operator: 'crossing_up',
    value: { kind: 'indicator', spec: 'ema', output: 'value' },
  },
  exit: {
    source: { kind: 'indicator', spec: 'ema(5)', output: 'value' },
    operator: 'crossing_down',
    value: { kind: 'indicator', spec: 'ema(20)', output: 'value' },
  },
  size: { quote: 1000 },
  feeBps: 5,
  slippageBps: 0,
  startingEquity: 10000,
};

describe('/v1/strategies', { timeout: 120_000 }, () => {
  let harness: ApiHarness;
  let store: StrategyStore;
  const call = (key: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    harness.app.inject({
      method,
      url,
      headers: bearer(key),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  beforeAll(async () => {
    harness = await openApiHarness(pgliteTestDatabase, ({ sql }) => {
      store = sqlStrategyStore(sql);
      return { strategies: store };
    });
  }, 300_000);
  afterAll(() => harness.close());

  it("creates, reads, replaces and deletes the caller's own strategies only", async () => {
    const { alice, bob, aliceReader } = harness.keys;
    const created = await call(alice, 'POST', '/v1/strategies', { id: 'btc-ema', strategy: emaCross });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().strategy.entry.value.spec).toBe('ema(30)');
    expect(created.json()).toMatchObject({ id: 'btc-ema', enabled: true });

    expect(
      (await call(alice, 'POST', '/v1/strategies', { id: 'btc-ema', strategy: emaCross })).statusCode,
    ).toBe(409);
    expect((await call(aliceReader, 'POST', '/v1/strategies', { strategy: emaCross })).statusCode).toBe(403);
    expect((await call(bob, 'GET', '/v1/strategies/btc-ema')).statusCode).toBe(404);
    expect((await call(bob, 'GET', '/v1/strategies')).json()).toEqual({ items: [] });
    const taken = await call(bob, 'PUT', '/v1/strategies/btc-ema', { strategy: emaCross });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('NXR_CONFLICT');

    const bad = await call(alice, 'POST', '/v1/strategies', {
      strategy: {
        ...emaCross,
        entry: { ...emaCross.entry, value: { kind: 'indicator', spec: 'ema(20)', output: 'upper' } },
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.path).toEqual(['strategy', 'entry', 'value', 'output']);
    const unknown = await call(alice, 'POST', '/v1/strategies', {
      strategy: { ...emaCross, size: { lots: 3 } },
    });
    expect(unknown.statusCode).toBe(400);

    const replaced = await call(alice, 'PUT', '/v1/strategies/btc-ema', {
      enabled: false,
      strategy: { ...emaCross, feeBps: 10 },
    });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({ enabled: false, strategy: { feeBps: 10 } });
    expect(
      (await call(alice, 'GET', '/v1/strategies')).json().items.map((s: { id: string }) => s.id),
    ).toEqual(['btc-ema']);
    expect(await store.enabledStrategies()).toEqual([]);

    expect((await call(bob, 'DELETE', '/v1/strategies/btc-ema')).statusCode).toBe(404);
    expect((await call(alice, 'DELETE', '/v1/strategies/btc-ema')).statusCode).toBe(204);
    expect((await call(alice, 'GET', '/v1/strategies/btc-ema')).statusCode).toBe(404);
  });

  it('shows the fills, open positions, equity with drawdown and metrics the live consumer wrote', async () => {
    const { alice, bob } = harness.keys;
    expect((await call(alice, 'PUT', '/v1/strategies/paper', { strategy: emaCross })).statusCode).toBe(200);
    const t0 = Date.UTC(2024, 7, 9, 0, 0);
    const fill = { strategyId: 'paper', owner: 'alice', symbol: 'BTCUSDT', positionSide: 'long' as const };
    // one round trip: 0.016 BTC bought at 60,000 and sold at 61,000, 5 bps fees on each fill
    await store.recordFills([
      {
        ...fill,
        seq: 1,
        time: t0 + 61_000,
        side: 'buy',
        quantity: 0.016,
        price: 60_000,
        fee: 0.48,
        reason: 'entry',
        pnl: null,
      },
      {
        ...fill,
        seq: 2,
        time: t0 + 181_000,
        side: 'sell',
        quantity: 0.016,
        price: 61_000,
        fee: 0.488,
        reason: 'signal',
        pnl: 15.032,
      },
      {
        ...fill,
        seq: 3,
        time: t0 + 241_000,
        side: 'buy',
        quantity: 0.02,
        price: 50_000,
        fee: 0.5,
        reason: 'entry',
        pnl: null,
      },
    ]);
    await store.recordEquity('paper', 'alice', [
      { time: t0 + 119_999, equity: 10_000, position: 0.016 },
      { time: t0 + 179_999, equity: 10_020, position: 0.016 },
      { time: t0 + 239_999, equity: 10_015.032, position: 0 },
      { time: t0 + 299_999, equity: 9_999.5, position: 0.02 },
    ]);
    const open = {
      symbol: 'BTCUSDT',
      side: 'long' as const,
      size: 0.02,
      entryTime: t0 + 241_000,
      entryPrice: 50_000,
      entryFee: 0.5,
    };
    await store.saveCheckpoint('paper', 'alice', { state: '{}', offsets: {}, positions: [open] });

    const trades = (await call(alice, 'GET', '/v1/strategies/paper/trades')).json().items;
    expect(trades.map((t: { seq: number }) => t.seq)).toEqual([1, 2, 3]);
    expect(trades[1]).toMatchObject({
      side: 'sell',
      price: 61_000,
      pnl: 15.032,
      reason: 'signal',
      time: t0 + 181_000,
    });
    const page = await call(alice, 'GET', `/v1/strategies/paper/trades?from=${t0 + 100_000}&limit=1`);
    expect(page.json().items.map((t: { seq: number }) => t.seq)).toEqual([2]);
    expect((await call(alice, 'GET', '/v1/strategies/paper/positions')).json()).toEqual({ items: [open] });

    const equity = (await call(alice, 'GET', '/v1/strategies/paper/equity')).json().items;
    expect(equity.map((p: { drawdown: number }) => p.drawdown)).toEqual([
      0,
      0,
      (10_020 - 10_015.032) / 10_020,
      (10_020 - 9_999.5) / 10_020,
    ]);
    const metrics = (await call(alice, 'GET', '/v1/strategies/paper/metrics')).json();
    expect(metrics).toMatchObject({ trades: 1, win_rate: 1, expectancy: 15.032, profit_factor: null });
    expect(metrics.total_return).toBeCloseTo(9_999.5 / 10_000 - 1, 12);
    expect(metrics.max_drawdown).toBeCloseTo((10_020 - 9_999.5) / 10_020, 12);

    for (const path of ['trades', 'equity', 'positions', 'metrics'])
      expect((await call(bob, 'GET', `/v1/strategies/paper/${path}`)).statusCode).toBe(404);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await harness.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/strategies',
        '/v1/strategies/{id}',
        '/v1/strategies/{id}/trades',
        '/v1/strategies/{id}/equity',
        '/v1/strategies/{id}/positions',
        '/v1/strategies/{id}/metrics',
      ]),
    );
  });
});
