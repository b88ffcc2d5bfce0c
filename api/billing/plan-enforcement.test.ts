import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binanceKlines } from '../../pipeline/store/market-data-fixtures.js';
import { planTable } from '../../schemas/plans.js';
import type { BillingRepository } from '../../schemas/ports/billing.js';
import { sqlBillingRepository } from '../adapters/sql-billing.js';
import { type ApiHarness, bearer, openApiHarness, pgliteTestDatabase } from '../testing/api-harness.js';

const klines = binanceKlines();
const NOW = Date.parse('2024-08-09T00:10:00Z');
const plans = planTable();
const path = '/v1/markets/binance-um/BTCUSDT/bars/1m';
const rule = (id: string) => ({
  id,
  symbol: 'BTCUSDT',
  interval: '1m',
  source: { kind: 'indicator', spec: 'rsi' },
  condition: { operator: 'crossing_up', value: 70 },
});

describe('plans enforced on the API (alice: free by fallback, bob: granted pro)', () => {
  let harness: ApiHarness;
  let repository: BillingRepository;
  beforeAll(async () => {
    harness = await openApiHarness(pgliteTestDatabase, ({ sql }) => {
      repository = sqlBillingRepository(sql, { plans });
      return { billing: { plans, entitlements: repository, service: null }, now: () => NOW, rangeCacheMs: 0 };
    });
    await harness.store.write({ bars: klines });
    await repository.appendPlanChange({
      owner: 'bob',
      at: NOW - 86_400_000,
      plan: 'pro',
      source: 'grant',
      status: null,
      subscriptionId: null,
      reason: 'test grant',
    });
  }, 60_000);
  afterAll(() => harness.close());

  const get = (url: string, key: string) => harness.app.inject({ url, headers: bearer(key) });

  it('a free user reads bars only once they closed 15 minutes ago; pro reads them all', async () => {
    const free = (await get(`${path}?limit=100`, harness.keys.alice)).json();
    const pro = (await get(`${path}?limit=100`, harness.keys.bob)).json();
    expect(pro.items).toHaveLength(30);
    expect(new Date(pro.items[0].openTime).toISOString()).toBe('2024-08-09T00:09:00.000Z');
    expect(new Date(free.items[0].openTime).toISOString()).toBe('2024-08-08T23:54:00.000Z');
    expect(free.items).toHaveLength(15);
    const latest = (await get(`${path}/latest`, harness.keys.alice)).json();
    expect(new Date(latest.closeTime + 1).toISOString()).toBe('2024-08-08T23:55:00.000Z');
    const indicators = await get(
      `/v1/markets/binance-um/BTCUSDT/indicators/1m/compute?spec=sma(3)&from=${Date.parse('2024-08-08T23:40:00Z')}&to=${NOW}`,
      harness.keys.alice,
    );
    expect(indicators.json().error?.message).toBeUndefined();
    const values = indicators.json().items as { openTime: number }[];
    expect(Math.max(...values.map((value) => value.openTime))).toBe(Date.parse('2024-08-08T23:54:00Z'));
  });

  it('refuses the live quote to a delayed plan with 402 naming the plan that lifts it', async () => {
    const quote = await get('/v1/markets/binance-um/BTCUSDT/quote', harness.keys.alice);
    expect(quote.statusCode).toBe(402);
    expect(quote.json().error).toMatchObject({
      code: 'NXR_PLAN_REQUIRED',
      details: { requiredPlan: 'pro', plan: 'free' },
    });
    expect((await get('/v1/markets/binance-um/BTCUSDT/quote', harness.keys.bob)).statusCode).toBe(404);
  });

  it('stops a free user at 5 alert rules with 429 NXR_QUOTA_EXCEEDED; replacing one is fine', async () => {
    const post = (key: string, body: object) =>
      harness.app.inject({ method: 'POST', url: '/v1/rules', headers: bearer(key), payload: body });
    for (const n of [1, 2, 3, 4, 5])
      expect((await post(harness.keys.alice, rule(`alice-${n}`))).statusCode).toBe(201);
    const sixth = await post(harness.keys.alice, rule('alice-6'));
    expect(sixth.statusCode).toBe(429);
    expect(sixth.json().error).toMatchObject({
      code: 'NXR_QUOTA_EXCEEDED',
      message: 'alert rules: 5 of 5 used on your plan ("free"); the Pro plan ("pro") allows 200',
      details: { limit: 5, requiredPlan: 'pro' },
    });
    const put = await harness.app.inject({
      method: 'PUT',
      url: '/v1/rules/alice-6',
      headers: bearer(harness.keys.alice),
      payload: rule('alice-6'),
    });
    expect(put.statusCode).toBe(429);
    const replace = await harness.app.inject({
      method: 'PUT',
      url: '/v1/rules/alice-1',
      headers: bearer(harness.keys.alice),
      payload: rule('alice-1'),
    });
    expect(replace.statusCode).toBe(200);
    for (const n of [1, 2, 3, 4, 5, 6])
      expect((await post(harness.keys.bob, rule(`bob-${n}`))).statusCode).toBe(201);
  });
});
