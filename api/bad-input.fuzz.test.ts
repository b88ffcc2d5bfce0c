import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binanceKlines } from '../pipeline/store/market-data-fixtures.js';
import { errorCodes } from '../schemas/errors.js';
import { type ApiHarness, bearer, openApiHarness, pgliteTestDatabase } from './testing/api-harness.js';

// Valid requests made invalid one field at a time, plus whole arbitrary inputs: the answer is always a 2xx
// (the input happened to be valid) or a 4xx with a stable NXR_* code in the one envelope — never a 5xx.
const from = Date.UTC(2024, 7, 8, 23, 40);
const to = Date.UTC(2024, 7, 9, 0, 10);
const validRule = {
  symbol: 'BTCUSDT',
  interval: '1m',
  source: { kind: 'indicator', spec: 'rsi(14)', output: 'value' },
  condition: { operator: 'crossing_up', value: 70 },
  message: '{{symbol}} RSI crossed 70',
};

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    '0',
    '-1',
    'a\u0000b',
    '1e3',
    '0x10',
    'NaN',
    'Infinity',
    '99999999999999999999',
    ' 5',
    'null',
    '[]',
  ),
  fc.integer().map(String),
  fc.double().map(String),
);
// Cursors that decode as base64url JSON, not only garbage: arbitrary values where a [time, id] tuple belongs.
const cursor = fc.oneof(
  text,
  fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value)).toString('base64url')),
  fc.tuple(fc.double(), fc.string()).map((value) => Buffer.from(JSON.stringify(value)).toString('base64url')),
);

const query = (fields: Record<string, string | undefined>) =>
  Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${encodeURIComponent(value ?? '')}`)
    .join('&');

/** One valid query with one field replaced (or dropped) by an arbitrary value. */
function mutatedQuery(valid: Record<string, string>, extra: Record<string, fc.Arbitrary<string>> = {}) {
  const names = [...Object.keys(valid), ...Object.keys(extra)];
  return fc
    .record({
      name: fc.constantFrom(...names),
      value: fc.option(fc.oneof(text, ...Object.values(extra)), { nil: undefined }),
    })
    .map(({ name, value }) => query({ ...valid, [name]: value }));
}

const runs = { numRuns: 150 };
const codes = new Set(Object.keys(errorCodes));

describe('bad input on every route: a 4xx with a stable code, never a 5xx', () => {
  let harness: ApiHarness;
  const expectNo5xx = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) => {
    const response = await harness.app.inject({
      method,
      url,
      headers: {
        ...bearer(harness.keys.alice),
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(payload === undefined
        ? {}
        : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
    });
    if (response.statusCode >= 500)
      throw new Error(`${method} ${url} → ${response.statusCode} ${response.body}`);
    if (response.statusCode >= 400) {
      const { error } = response.json();
      expect(codes.has(error.code), `${error.code} is a known code`).toBe(true);
      expect(typeof error.message).toBe('string');
    }
  };

  beforeAll(async () => {
    harness = await openApiHarness(pgliteTestDatabase, { rateLimit: { max: 1_000_000 }, rangeCacheMs: 0 });
    await harness.store.write({ bars: binanceKlines() });
  }, 60_000);
  afterAll(async () => {
    await harness.close();
  }, 60_000);

  it('bar ranges', async () => {
    const valid = { from: String(from), to: String(to), limit: '7', final: 'true' };
    await fc.assert(
      fc.asyncProperty(mutatedQuery(valid, { cursor }), (q) =>
        expectNo5xx('GET', `/v1/markets/binance-um/BTCUSDT/bars/1m?${q}`),
      ),
      runs,
    );
  });

  it('path parameters of series routes', async () => {
    await fc.assert(
      fc.asyncProperty(
        text,
        text,
        text,
        fc.constantFrom('latest', 'quote', 'indicators', 'compute'),
        async (venue, symbol, interval, what) => {
          const base = `/v1/markets/${encodeURIComponent(venue)}/${encodeURIComponent(symbol)}`;
          const url =
            what === 'latest'
              ? `${base}/bars/${encodeURIComponent(interval)}/latest`
              : what === 'quote'
                ? `${base}/quote`
                : `${base}/indicators/${encodeURIComponent(interval)}${what === 'compute' ? '/compute?spec=rsi&' : '?'}from=${from}&to=${to}`;
          await expectNo5xx('GET', url);
        },
      ),
      runs,
    );
  });

  it('indicator values and on-the-fly indicators', async () => {
    const spec = fc.oneof(
      text,
      fc
        .constantFrom('rsi', 'macd', 'bbands', 'vwap', 'stoch', 'keltner')
        .chain((name) => fc.array(text, { maxLength: 4 }).map((args) => `${name}(${args.join(',')})`)),
    );
    await fc.assert(
      fc.asyncProperty(
        mutatedQuery({ from: String(from), to: String(to), spec: 'rsi(14)', warmup: '50' }, { spec }),
        (q) => expectNo5xx('GET', `/v1/markets/binance-um/BTCUSDT/indicators/1m/compute?${q}`),
      ),
      runs,
    );
    await fc.assert(
      fc.asyncProperty(
        mutatedQuery({ from: String(from), to: String(to), spec: 'rsi(14)' }, { spec, cursor }),
        (q) => expectNo5xx('GET', `/v1/markets/binance-um/BTCUSDT/indicators/1m?${q}`),
      ),
      runs,
    );
  });

  it('alert events and replay runs', async () => {
    await fc.assert(
      fc.asyncProperty(
        mutatedQuery(
          { from: String(from), to: String(to), venue: 'binance-um', symbol: 'BTCUSDT' },
          { cursor },
        ),
        (q) => expectNo5xx('GET', `/v1/alerts/events?${q}`),
      ),
      runs,
    );
    await fc.assert(
      fc.asyncProperty(mutatedQuery({ limit: '10' }, { cursor }), (q) =>
        expectNo5xx('GET', `/v1/replays?${q}`),
      ),
      runs,
    );
  });

  it('alert rule bodies and ids', async () => {
    const field = fc.constantFrom(
      ...Object.keys(validRule),
      'id',
      'frequency',
      'cooldownMs',
      'expiresAt',
      'enabled',
      'owner',
    );
    const mutatedRule = fc
      .record({ name: field, value: fc.oneof(fc.jsonValue(), text) })
      .map(({ name, value }) => ({ ...validRule, [name]: value }));
    const nested = fc
      .record({
        condition: fc.dictionary(
          fc.constantFrom('operator', 'value', 'lower', 'upper', 'amount', 'bars', 'percent'),
          fc.jsonValue(),
        ),
      })
      .map((patch) => ({ ...validRule, ...patch }));
    const body = fc.oneof(mutatedRule, nested, fc.jsonValue(), text);
    await fc.assert(
      fc.asyncProperty(body, (payload) => expectNo5xx('POST', '/v1/rules', payload)),
      runs,
    );
    await fc.assert(
      fc.asyncProperty(text, body, (id, payload) =>
        expectNo5xx('PUT', `/v1/rules/${encodeURIComponent(id)}`, payload),
      ),
      runs,
    );
    await fc.assert(
      fc.asyncProperty(text, (id) => expectNo5xx('DELETE', `/v1/rules/${encodeURIComponent(id)}`)),
      runs,
    );
  });

  it('rule test bodies: rules, series thresholds and times', async () => {
    const series = fc.record({
      kind: fc.oneof(fc.constantFrom('price', 'bar', 'indicator'), text),
      field: fc.oneof(fc.constantFrom('open', 'close', 'volume'), text),
      spec: fc.oneof(fc.constantFrom('sma(5)', 'macd(12,26,9)', 'bbands(20,2)', 'rsi'), text),
      output: fc.oneof(fc.constantFrom('value', 'signal', 'upper', 'hist'), text),
    });
    const rule = fc.oneof(
      fc.record({ value: fc.oneof(series, fc.jsonValue()) }).map(({ value }) => ({
        ...validRule,
        source: { kind: 'price' },
        condition: { operator: 'crossing', value },
      })),
      fc.record({ lower: series, upper: series }).map((edges) => ({
        ...validRule,
        condition: { operator: 'outside_channel', ...edges },
      })),
      fc.jsonValue(),
    );
    const time = fc.oneof(fc.constant(from), fc.constant('2024-08-09T00:10:00Z'), text, fc.jsonValue());
    const body = fc.oneof(
      fc.record({ rule, from: time, to: time }, { requiredKeys: ['rule'] }),
      fc.jsonValue(),
      text,
    );
    await fc.assert(
      fc.asyncProperty(body, (payload) => expectNo5xx('POST', '/v1/rules/test', payload)),
      runs,
    );
  });

  it('API key bodies and ids', async () => {
    const body = fc.oneof(
      fc.record({ label: fc.oneof(fc.jsonValue(), text), scopes: fc.jsonValue() }, { requiredKeys: [] }),
      fc.jsonValue(),
    );
    await fc.assert(
      fc.asyncProperty(body, (payload) => expectNo5xx('POST', '/v1/keys', payload)),
      runs,
    );
    await fc.assert(
      fc.asyncProperty(text, (id) => expectNo5xx('DELETE', `/v1/keys/${encodeURIComponent(id)}`)),
      runs,
    );
  });
});
