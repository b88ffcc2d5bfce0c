import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIndicator } from '../pipeline/indicators/registry.js';
import {
  ensureCatalog,
  type RunManifest,
  runKey,
  writeCatalog,
} from '../pipeline/ingest/replay/run-catalog.js';
import { collect, until } from '../pipeline/runtime/log/testing/stream-log-test-kit.js';
import { binanceKlines, binanceQuotes, binanceUsKlines } from '../pipeline/store/market-data-fixtures.js';
import type { AlertEvent } from '../schemas/alert-event.js';
import type { IndicatorValue } from '../schemas/indicator-value.js';
import {
  type ApiHarness,
  bearer,
  openApiHarness,
  type TestDatabaseFactory,
  topics,
} from './testing/api-harness.js';

// Real data (../shared/data/README.md): Binance's 30 official BTCUSDT 1m klines 2024-08-08 23:40 → 00:09,
// the bookTicker of the same minutes, and 300 Binance.US BTCUSDT 1m bars from 2023-03-01 00:00.
const klines = binanceKlines();
const usBars = binanceUsKlines('BTCUSDT').slice(0, 300);
const lastQuote = binanceQuotes().at(-1);
const series = { venue: 'binance-um', symbol: 'BTCUSDT', interval: '1m' } as const;
const seriesPath = '/v1/markets/binance-um/BTCUSDT';
const klineFrom = Date.UTC(2024, 7, 8, 23, 40);
const klineRange = `from=${klineFrom}&to=${Date.UTC(2024, 7, 9, 0, 10)}`;

/** A finished replay of the 21,313 USDⓈ-M trades as `nexural replay` records it in the run catalog. */
const replayManifest = (run: string, createdAt: string): RunManifest => ({
  run,
  status: 'done',
  createdAt,
  finishedAt: createdAt,
  request: { from: '2024-08-08T23:40:00Z', to: null, symbols: [], speed: 'max' },
  range: {
    topic: 'nexural.trades.raw',
    partitions: [{ partition: 0, start: '0', end: '21313' }],
    fromUs: klineFrom * 1000,
    toUs: null,
  },
  slice: 'nexural.replay.slice.test',
  rules: 'nexural.replay.rules.test',
  engine: {},
  copied: 21_313,
  counts: { ticks: 21_313, bars: 20, finalBars: 6, indicators: 10, alerts: 1, deadLetters: 0 },
  durationMs: 900,
  error: null,
});

// TA-Lib's RSI(14) over the same 300 Binance.US bars (pipeline/indicators/fixtures/talib-rsi.json).
const talibRsi = (
  JSON.parse(
    readFileSync(new URL('../pipeline/indicators/fixtures/talib-rsi.json', import.meta.url), 'utf8'),
  ) as {
    cases: { spec: string; outputs: { value: (number | null)[] } }[];
  }
).cases.find((entry) => entry.spec === 'rsi(14)')?.outputs.value;

function storedRsi(): IndicatorValue[] {
  const rsi = createIndicator('rsi(14)');
  return klines.flatMap((bar) => {
    const value = rsi.add(bar);
    return typeof value === 'number'
      ? [{ ...series, openTime: bar.openTime, spec: 'rsi(14)', outputs: { value }, final: true }]
      : [];
  });
}

const alertOf = (owner: string, index: number): AlertEvent => ({
  kind: 'stopped',
  id: `${owner}-rule:expired:${index}`,
  ruleId: `${owner}-rule`,
  owner,
  ...series,
  time: (klines[index]?.openTime ?? 0) + 30_000,
  reason: 'expired',
  message: `rule of ${owner} expired`,
});

const ruleBody = {
  symbol: 'BTCUSDT',
  interval: '1m',
  source: { kind: 'indicator', spec: 'rsi' },
  condition: { operator: 'crossing_up', value: 70 },
};

/** The API's routes against one store adapter: data read back through HTTP equals what was stored. */
export function describeApiRoutes(databaseName: string, database: TestDatabaseFactory): void {
  describe(`API routes on ${databaseName}`, () => {
    let harness: ApiHarness;
    const get = (url: string, key = harness.keys.alice) =>
      harness.app.inject({ method: 'GET', url, headers: bearer(key) });

    beforeAll(async () => {
      harness = await openApiHarness(database);
      await harness.store.write({
        bars: [...klines, ...usBars],
        quotes: lastQuote ? [lastQuote] : [],
        indicatorValues: storedRsi(),
        alertEvents: [alertOf('alice', 3), alertOf('bob', 4), alertOf('alice', 5)],
      });
    }, 60_000);
    afterAll(async () => {
      await harness.close();
    }, 60_000);

    it('refuses a request without credentials or with an unknown key with 401 NXR_UNAUTHENTICATED', async () => {
      for (const headers of [
        {},
        bearer('nxr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
        bearer('not-a-token'),
      ]) {
        const response = await harness.app.inject({ method: 'GET', url: '/v1/symbols', headers });
        expect(response.statusCode).toBe(401);
        expect(response.json()).toMatchObject({ error: { code: 'NXR_UNAUTHENTICATED', details: {} } });
      }
    });

    it('lists the symbols with stored data', async () => {
      expect((await get('/v1/symbols')).json()).toEqual({
        items: [
          { venue: 'binance-um', symbol: 'BTCUSDT' },
          { venue: 'binance-us', symbol: 'BTCUSDT' },
        ],
      });
    });

    it('answers the latest bar of a series, and 404 NXR_NOT_FOUND for a series without bars', async () => {
      expect((await get(`${seriesPath}/bars/1m/latest`)).json()).toEqual(klines.at(-1));
      const missing = await get(`${seriesPath}/bars/5m/latest`);
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error.code).toBe('NXR_NOT_FOUND');
    });

    it('pages through a bar range and returns exactly the stored klines', async () => {
      const bars: unknown[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { items: unknown[]; nextCursor: string | null } = (
          await get(`${seriesPath}/bars/1m?${klineRange}&limit=7${cursor ? `&cursor=${cursor}` : ''}`)
        ).json();
        bars.push(...page.items);
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== null);
      expect(pages).toBe(5);
      expect(bars).toEqual(klines);
    });

    it('answers the latest stored quote', async () => {
      expect((await get(`${seriesPath}/quote`)).json()).toEqual(lastQuote);
    });

    it('reads stored indicator values of one spec', async () => {
      const page = (await get(`${seriesPath}/indicators/1m?${klineRange}&spec=rsi(14)`)).json();
      expect(page.items).toEqual(storedRsi());
    });

    it('computes RSI(14) over stored bars equal to TA-Lib to 1e-9', async () => {
      const from = usBars[0]?.openTime ?? 0;
      const to = (usBars.at(-1)?.openTime ?? 0) + 60_000;
      const response = await get(
        `/v1/markets/binance-us/BTCUSDT/indicators/1m/compute?spec=rsi&from=${from}&to=${to}&warmup=0`,
      );
      const body = response.json();
      expect(body.spec).toBe('rsi(14)');
      expect(body.items).toHaveLength(300 - 14);
      body.items.forEach((item: { outputs: { value: number } }, index: number) => {
        const expected = talibRsi?.[index + 14] ?? Number.NaN;
        expect(Math.abs(item.outputs.value - expected) / Math.abs(expected)).toBeLessThan(1e-9);
      });
      const unknown = await get(`${seriesPath}/indicators/1m/compute?spec=rsx(3)&${klineRange}`);
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error.code).toBe('NXR_UNKNOWN_INDICATOR');
    });

    it('shows a user only their own alert events, also when asking for a symbol', async () => {
      const mine = (await get(`/v1/alerts/events?${klineRange}&venue=binance-um&symbol=BTCUSDT`)).json();
      expect(mine.items).toEqual([alertOf('alice', 3), alertOf('alice', 5)]);
      const bobs = (await get(`/v1/alerts/events?${klineRange}`, harness.keys.bob)).json();
      expect(bobs.items).toEqual([alertOf('bob', 4)]);
    });

    it('writes a rule to the store and the alert-rules topic, canonical and owned by the caller', async () => {
      const reader = await collect(harness.log, {
        groupId: 'rules-test',
        topics: [topics.alertRules],
        start: 'latest',
      });
      const created = await harness.app.inject({
        method: 'POST',
        url: '/v1/rules',
        headers: bearer(harness.keys.alice),
        payload: { ...ruleBody, id: 'alice-rsi' },
      });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ id: 'alice-rsi', owner: 'alice', source: { spec: 'rsi(14)' } });
      await until(() => reader.records.length === 1, 'the rule record', 3_000);
      expect(reader.records[0]?.key).toBe('alice-rsi');
      expect(JSON.parse(reader.records[0]?.value?.toString() ?? 'null')).toEqual(created.json());
      expect((await get('/v1/rules')).json().items.map((rule: { id: string }) => rule.id)).toEqual([
        'alice-rsi',
      ]);
      const again = await harness.app.inject({
        method: 'POST',
        url: '/v1/rules',
        headers: bearer(harness.keys.alice),
        payload: { ...ruleBody, id: 'alice-rsi' },
      });
      expect(again.json().error.code).toBe('NXR_CONFLICT');
      await reader.consumer.close();
    });

    it('never lets another user read, replace or delete a rule', async () => {
      const bob = bearer(harness.keys.bob);
      expect((await get('/v1/rules/alice-rsi', harness.keys.bob)).statusCode).toBe(404);
      expect((await get('/v1/rules', harness.keys.bob)).json().items).toEqual([]);
      expect(
        (await harness.app.inject({ method: 'DELETE', url: '/v1/rules/alice-rsi', headers: bob })).statusCode,
      ).toBe(404);
      const replace = await harness.app.inject({
        method: 'PUT',
        url: '/v1/rules/alice-rsi',
        headers: bob,
        payload: ruleBody,
      });
      expect(replace.statusCode).toBe(400);
      expect(replace.json().error.code).toBe('NXR_RULE_INVALID');
      expect((await harness.store.getAlertRule('alice', 'alice-rsi'))?.owner).toBe('alice');
    });

    it('refuses writes with a read-only key (403) and invalid rules naming the path (400)', async () => {
      const readOnly = await harness.app.inject({
        method: 'POST',
        url: '/v1/rules',
        headers: bearer(harness.keys.aliceReader),
        payload: ruleBody,
      });
      expect(readOnly.statusCode).toBe(403);
      expect(readOnly.json().error.code).toBe('NXR_FORBIDDEN');
      const invalid = await harness.app.inject({
        method: 'POST',
        url: '/v1/rules',
        headers: bearer(harness.keys.alice),
        payload: { ...ruleBody, condition: { operator: 'inside_channel', lower: 5, upper: 1 } },
      });
      expect(invalid.statusCode).toBe(400);
      expect(invalid.json().error).toMatchObject({
        code: 'NXR_SCHEMA_INVALID',
        details: { path: 'body.condition.lower' },
      });
      const badOutput = await harness.app.inject({
        method: 'PUT',
        url: '/v1/rules/alice-macd',
        headers: bearer(harness.keys.alice),
        payload: { ...ruleBody, source: { kind: 'indicator', spec: 'macd', output: 'upper' } },
      });
      expect(badOutput.json().error).toMatchObject({
        code: 'NXR_RULE_INVALID',
        details: { path: ['source', 'output'] },
      });
    });

    it('deletes a rule with a tombstone on the topic', async () => {
      const reader = await collect(harness.log, {
        groupId: 'rules-delete',
        topics: [topics.alertRules],
        start: 'latest',
      });
      const deleted = await harness.app.inject({
        method: 'DELETE',
        url: '/v1/rules/alice-rsi',
        headers: bearer(harness.keys.alice),
      });
      expect(deleted.statusCode).toBe(204);
      await until(() => reader.records.length === 1, 'the tombstone', 3_000);
      expect(reader.records[0]).toMatchObject({ key: 'alice-rsi', value: null });
      expect(await harness.store.getAlertRule('alice', 'alice-rsi')).toBeNull();
      await reader.consumer.close();
    });

    it('creates keys shown once, lists them without secrets, and revoking ends the key and its sessions', async () => {
      const created = await harness.app.inject({
        method: 'POST',
        url: '/v1/keys',
        headers: bearer(harness.keys.bob),
        payload: { label: 'laptop', scopes: ['read'] },
      });
      expect(created.statusCode).toBe(201);
      const { key, record } = created.json();
      expect(key).toMatch(/^nxr_/);
      expect(record).toMatchObject({
        owner: 'bob',
        label: 'laptop',
        scopes: ['read'],
        prefix: key.slice(0, 12),
      });
      const session = (
        await harness.app.inject({ method: 'POST', url: '/v1/session', headers: bearer(key) })
      ).json();
      expect((await get('/v1/me', session.token)).json()).toMatchObject({
        user: { id: 'bob' },
        keyId: record.id,
        scopes: ['read'],
      });
      const listed = JSON.stringify((await get('/v1/keys', harness.keys.bob)).json());
      expect(listed).toContain(record.id);
      expect(listed).not.toContain(key);
      expect(
        (await get('/v1/keys', harness.keys.alice)).json().items.map((item: { owner: string }) => item.owner),
      ).not.toContain('bob');
      expect(
        (
          await harness.app.inject({
            method: 'DELETE',
            url: `/v1/keys/${record.id}`,
            headers: bearer(harness.keys.alice),
          })
        ).statusCode,
      ).toBe(404);
      expect(
        (
          await harness.app.inject({
            method: 'DELETE',
            url: `/v1/keys/${record.id}`,
            headers: bearer(harness.keys.bob),
          })
        ).statusCode,
      ).toBe(204);
      expect((await get('/v1/symbols', key)).statusCode).toBe(401);
      expect((await get('/v1/symbols', session.token)).statusCode).toBe(401);
    });

    it('lists replay runs from the run catalog, newest first, one page at a time', async () => {
      expect((await get('/v1/replays')).json()).toEqual({ items: [], nextCursor: null });
      await ensureCatalog(harness.log);
      for (const [run, createdAt] of [
        ['aug-8-close', '2026-11-20T10:00:00.000Z'],
        ['aug-8-open', '2026-11-21T10:00:00.000Z'],
      ] as const) {
        await writeCatalog(harness.log, runKey(run), replayManifest(run, createdAt));
      }
      const first = (await get('/v1/replays?limit=1')).json();
      expect(first.items).toMatchObject([
        {
          namespace: 'aug-8-open',
          status: 'succeeded',
          recordsIn: 21_313,
          recordsOut: 31,
          fromTime: klineFrom,
        },
      ]);
      const second = (await get(`/v1/replays?limit=1&cursor=${first.nextCursor}`)).json();
      expect(second).toMatchObject({ items: [{ namespace: 'aug-8-close' }], nextCursor: null });
    });

    it('answers /health, /ready with every dependency, /metrics and the OpenAPI document without credentials', async () => {
      expect((await harness.app.inject('/health')).json()).toEqual({ ok: true });
      const ready = (await harness.app.inject('/ready')).json();
      expect(Object.keys(ready.checks)).toEqual(['store', 'alert-fanout', 'live-feed']);
      const metrics = (await harness.app.inject('/metrics')).body;
      expect(metrics).toContain('nexural_http_request_duration_seconds_bucket');
      const openapi = (await harness.app.inject('/docs/json')).json();
      expect(openapi.openapi).toBe('3.1.0');
      expect(Object.keys(openapi.paths)).toContain('/v1/markets/{venue}/{symbol}/bars/{interval}');
    });
  });
}
