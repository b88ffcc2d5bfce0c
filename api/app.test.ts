import { afterEach, describe, expect, it } from 'vitest';
import { binanceKlines } from '../pipeline/store/market-data-fixtures.js';
import {
  type ApiHarness,
  bearer,
  openApiHarness,
  pgliteTestDatabase,
  topics,
} from './testing/api-harness.js';

// Real data: Binance's official BTCUSDT 1m klines of 2024-08-08 23:40 → 00:09 (../shared/data/README.md).
const klines = binanceKlines();

describe('buildApp error handling and limits', () => {
  let harness: ApiHarness | null = null;
  afterEach(async () => {
    await harness?.close();
    harness = null;
  }, 60_000);

  it('answers 429 NXR_RATE_LIMITED with Retry-After once a key used up its window, per key', async () => {
    harness = await openApiHarness(pgliteTestDatabase, { rateLimit: { max: 3, windowMs: 60_000 } });
    const { app, keys } = harness;
    const statuses: number[] = [];
    for (let request = 0; request < 4; request += 1) {
      statuses.push((await app.inject({ url: '/v1/symbols', headers: bearer(keys.alice) })).statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await app.inject({ url: '/v1/symbols', headers: bearer(keys.alice) });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json().error).toMatchObject({ code: 'NXR_RATE_LIMITED', details: { limit: 3 } });
    expect((await app.inject({ url: '/v1/symbols', headers: bearer(keys.bob) })).statusCode).toBe(200);
  }, 60_000);

  it('refuses a body over the limit (413 NXR_TOO_LARGE), bad JSON (400 NXR_PARSE_FAILED) and unknown routes (404)', async () => {
    harness = await openApiHarness(pgliteTestDatabase, { limits: { bodyBytes: 1_024 } });
    const { app, keys } = harness;
    const headers = { ...bearer(keys.alice), 'content-type': 'application/json' };
    const large = await app.inject({
      method: 'POST',
      url: '/v1/rules',
      headers,
      payload: JSON.stringify({ message: 'x'.repeat(2_000) }),
    });
    expect([large.statusCode, large.json().error.code]).toEqual([413, 'NXR_TOO_LARGE']);
    const broken = await app.inject({ method: 'POST', url: '/v1/rules', headers, payload: '{"symbol":' });
    expect([broken.statusCode, broken.json().error.code]).toEqual([400, 'NXR_PARSE_FAILED']);
    const missing = await app.inject({ url: '/v1/nothing-here', headers: bearer(keys.alice) });
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'NXR_NOT_FOUND']);
  }, 60_000);

  it('turns an unexpected failure into 500 NXR_INTERNAL without its message or stack', async () => {
    harness = await openApiHarness(async () => {
      const database = await pgliteTestDatabase();
      const listSymbols = () => Promise.reject(new Error('connection to 10.0.0.7 refused'));
      return { ...database, store: { ...database.store, listSymbols } };
    });
    const response = await harness.app.inject({ url: '/v1/symbols', headers: bearer(harness.keys.alice) });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      error: { code: 'NXR_INTERNAL', message: 'internal error; the server log has the details', details: {} },
    });
    expect(response.body).not.toContain('10.0.0.7');
  }, 60_000);

  it('serves the latest bar from the live feed once it has seen the series', async () => {
    harness = await openApiHarness(pgliteTestDatabase);
    const { app, keys, store, log } = harness;
    await store.write({ bars: klines.slice(0, 29) });
    const url = '/v1/markets/binance-um/BTCUSDT/bars/1m/latest';
    expect((await app.inject({ url, headers: bearer(keys.alice) })).json()).toEqual(klines[28]);
    const forming = { ...(klines[29] ?? klines[0]), final: false, revision: 4 };
    const producer = await log.createProducer();
    await producer.send([
      { topic: topics.bars, key: 'binance-um:BTCUSDT', value: Buffer.from(JSON.stringify(forming)) },
    ]);
    await producer.close();
    await expect
      .poll(async () => (await app.inject({ url, headers: bearer(keys.alice) })).json(), { timeout: 3_000 })
      .toEqual(forming);
  }, 60_000);
});
