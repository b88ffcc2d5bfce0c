import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAlerts } from '../../cli/commands/alerts.js';
import { binanceKlines, binanceTrades } from '../../pipeline/store/market-data-fixtures.js';
import type { AlertEvent } from '../../schemas/alert-event.js';
import { type ApiHarness, bearer, openApiHarness, pgliteTestDatabase } from '../testing/api-harness.js';

// Real data (../shared/data/README.md): the 14,515 Binance spot ETHUSDT trades of 2024-08-08 23:54:15 →
// 2024-08-09 00:05:05 (stored as trades), and Binance's 30 official USDⓈ-M BTCUSDT 1m klines 23:40 → 00:09
// (stored as bars only, no trades).
const ETH_FILE = fileURLToPath(
  new URL(
    '../../../shared/data/binance_spot_ETHUSDT_trades_2024-08-08T235415Z_2024-08-09T000505Z.csv',
    import.meta.url,
  ),
);
const ethTrades = binanceTrades('binance:ETHUSDT');
const klines = binanceKlines();
const FROM_ISO = '2024-08-08T23:40:00Z';
const TO_ISO = '2024-08-09T00:10:00Z';

/** Price crossing up its own 3-bar SMA on 1m: a series threshold, evaluated on every trade. */
const priceOverSma = {
  id: 'eth-over-sma3',
  symbol: 'ETHUSDT',
  interval: '1m',
  source: { kind: 'price' },
  condition: { operator: 'crossing_up', value: { kind: 'indicator', spec: 'sma(3)', output: 'value' } },
  frequency: 'once_per_bar',
};

const scratch = mkdtempSync(join(tmpdir(), 'nexural-rule-test-'));

describe('POST /v1/rules/test and list times on PGlite', () => {
  let harness: ApiHarness;
  const post = (body: Record<string, unknown>) =>
    harness.app.inject({
      method: 'POST',
      url: '/v1/rules/test',
      headers: bearer(harness.keys.alice),
      payload: body,
    });
  const get = (url: string) =>
    harness.app.inject({ method: 'GET', url, headers: bearer(harness.keys.alice) });

  beforeAll(async () => {
    harness = await openApiHarness(pgliteTestDatabase);
    await harness.store.write({ trades: ethTrades, bars: klines });
  }, 60_000);
  afterAll(async () => {
    await harness.close();
    rmSync(scratch, { recursive: true, force: true });
  }, 60_000);

  it('answers on stored trades exactly the alerts `nexural alerts` prints for the same trades file', async () => {
    const response = await post({ rule: priceOverSma, from: FROM_ISO, to: TO_ISO });
    expect(response.statusCode).toBe(200);
    const body = response.json() as {
      items: AlertEvent[];
      symbols: unknown[];
      truncated: boolean;
      from: number;
    };
    expect(body.from).toBe(Date.UTC(2024, 7, 8, 23, 40));
    expect(body.symbols).toEqual([
      {
        venue: 'binance',
        symbol: 'ETHUSDT',
        input: 'trades',
        ticks: 14_515,
        from: body.from,
        to: Date.parse(TO_ISO),
      },
    ]);
    expect(body.truncated).toBe(false);
    // without a range: the 24 h up to the symbol's newest stored trade (2024-08-09 00:05:05.0xx)
    const byDefault = (await post({ rule: priceOverSma })).json();
    expect(byDefault.from).toBeNull();
    const lastTradeMs = Math.floor((ethTrades.at(-1)?.timeUs ?? 0) / 1000);
    expect(byDefault.symbols[0]).toMatchObject({ to: lastTradeMs + 1, from: lastTradeMs + 1 - 86_400_000 });
    expect(byDefault.items).toEqual(body.items);

    const rulesFile = join(scratch, 'rules.json');
    writeFileSync(rulesFile, JSON.stringify([{ ...priceOverSma, owner: 'alice' }]));
    const lines: string[] = [];
    await runAlerts(
      // the tester starts on a bar boundary of stored trades, so its first bar is whole: keep it here too
      { trades: ETH_FILE, format: 'binance-trades', rules: rulesFile, firstBar: 'keep' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(...String(chunk).split('\n').filter(Boolean));
          done();
        },
      }),
    );
    const fromFile = lines.map((line) => JSON.parse(line) as AlertEvent);
    expect(fromFile.length).toBeGreaterThan(3);
    // the same events; only the provenance differs: a file line there, no log position for stored trades
    const withoutPosition = (event: AlertEvent) => ({ ...event, sourcePosition: null });
    expect(body.items).toEqual(fromFile.map(withoutPosition));
    expect(fromFile[0]).toMatchObject({ sourcePosition: { topic: ETH_FILE, partition: 0 } });
  });

  it('replays stored 1m bars as O→H→L→C ticks where no trades are stored, matching a count from the klines', async () => {
    const level = 61_700;
    const response = await post({
      rule: {
        symbol: 'BTCUSDT',
        interval: '1m',
        source: { kind: 'price' },
        condition: { operator: 'crossing_down', value: level },
        frequency: 'once_per_bar',
      },
      from: Date.UTC(2024, 7, 8, 23, 40),
      to: TO_ISO,
    });
    expect(response.statusCode).toBe(200);
    const body = response.json() as { items: AlertEvent[]; symbols: unknown[]; from: number };
    expect(body.symbols).toEqual([
      {
        venue: 'binance-um',
        symbol: 'BTCUSDT',
        input: 'bars',
        ticks: 120,
        from: body.from,
        to: Date.parse(TO_ISO),
      },
    ]);
    // Independently: walk each kline's path and note the bars where the price goes from above the level to
    // at or below it (crossing_down: previous > threshold ≥ current, pipeline/alerts/operators.ts).
    const expected: number[] = [];
    let previous: number | null = null;
    for (const bar of klines) {
      const path =
        bar.open - bar.low < bar.high - bar.open
          ? [bar.open, bar.low, bar.high, bar.close]
          : [bar.open, bar.high, bar.low, bar.close];
      let fired = false;
      for (const price of path) {
        if (previous !== null && previous > level && level >= price && !fired) {
          expected.push(bar.openTime);
          fired = true;
        }
        previous = price;
      }
    }
    expect(expected.length).toBeGreaterThan(0);
    expect(body.items.map((event) => event.time - (event.time % 60_000))).toEqual(expected);
    expect(body.items.every((event) => event.owner === 'alice')).toBe(true);
  });

  it('refuses a bad rule or range with 400 naming the path', async () => {
    const badValue = await post({
      rule: { ...priceOverSma, condition: { operator: 'crossing_up', value: 'x' } },
    });
    expect(badValue.statusCode).toBe(400);
    expect(badValue.json().error.details.path).toMatch(/^body\.rule\.condition/);

    const badSpec = await post({
      rule: {
        ...priceOverSma,
        condition: { operator: 'crossing_up', value: { kind: 'indicator', spec: 'sma(3)', output: 'upper' } },
      },
      from: FROM_ISO,
      to: TO_ISO,
    });
    expect(badSpec.statusCode).toBe(400);
    expect(badSpec.json().error).toMatchObject({ code: 'NXR_RULE_INVALID' });
    expect(badSpec.json().error.details.path).toEqual(['rule', 'condition', 'value', 'output']);

    const badTime = await post({ rule: priceOverSma, from: 'yesterday' });
    expect(badTime.statusCode).toBe(400);
    expect(badTime.json().error.details.path).toBe('body.from');
    const backwards = await post({ rule: priceOverSma, from: TO_ISO, to: FROM_ISO });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.details.path).toBe('body.to');
  });

  it('POST /v1/rules canonicalises series thresholds and refuses an unknown output naming its path', async () => {
    const created = await harness.app.inject({
      method: 'POST',
      url: '/v1/rules',
      headers: bearer(harness.keys.alice),
      payload: {
        symbol: 'ETHUSDT',
        interval: '1m',
        source: { kind: 'indicator', spec: 'macd', output: 'macd' },
        condition: { operator: 'crossing', value: { kind: 'indicator', spec: 'macd', output: 'signal' } },
      },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().condition).toEqual({
      operator: 'crossing',
      value: { kind: 'indicator', spec: 'macd(12,26,9)', output: 'signal' },
    });
    const refused = await harness.app.inject({
      method: 'POST',
      url: '/v1/rules',
      headers: bearer(harness.keys.alice),
      payload: {
        symbol: 'ETHUSDT',
        interval: '1m',
        source: { kind: 'bar', field: 'close' },
        condition: {
          operator: 'outside_channel',
          lower: { kind: 'indicator', spec: 'bbands(20,2)', output: 'lower' },
          upper: { kind: 'indicator', spec: 'bbands(20,2)', output: 'top' },
        },
      },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({
      code: 'NXR_RULE_INVALID',
      details: { path: ['condition', 'upper', 'output'] },
    });
  });

  it('takes ISO 8601 wherever it takes ms, and lists newest first without from', async () => {
    const path = '/v1/markets/binance-um/BTCUSDT/bars/1m';
    const byMs = await get(`${path}?from=${Date.UTC(2024, 7, 8, 23, 50)}&to=${Date.UTC(2024, 7, 9, 0, 0)}`);
    const byIso = await get(`${path}?from=2024-08-08T23:50:00Z&to=2024-08-09T02:00:00%2B02:00`);
    expect(byIso.statusCode).toBe(200);
    expect(byIso.json()).toEqual(byMs.json());
    expect(byMs.json().items).toHaveLength(10);

    const newest = await get(`${path}?limit=3`);
    expect(newest.json().items.map((bar: { openTime: number }) => bar.openTime)).toEqual(
      klines
        .slice(-3)
        .reverse()
        .map((bar) => bar.openTime),
    );
    const next = await get(`${path}?limit=3&cursor=${newest.json().nextCursor}`);
    expect(next.json().items[0].openTime).toBe(klines.at(-4)?.openTime);
    const oldestFirst = await get(`${path}?order=asc&limit=2`);
    expect(oldestFirst.json().items[0].openTime).toBe(klines[0]?.openTime);

    const bad = await get(`${path}?from=2024-13-45`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.path).toBe('querystring.from');
    expect(bad.json().error.message).toMatch(/ms since epoch or an ISO 8601 time/);
  });

  it('documents both forms of a threshold and of a time in the OpenAPI document', async () => {
    const doc = (await harness.app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const path of ['/v1/rules', '/v1/rules/test']) {
      const body = doc.paths[path].post.requestBody.content['application/json'].schema;
      const rule = path === '/v1/rules' ? body : body.properties.rule;
      const crossing = rule.properties.condition.oneOf.find(
        (option: { properties: { operator: { enum: string[] } } }) =>
          option.properties.operator.enum[0] === 'crossing_up',
      );
      const [number, series] = crossing.properties.value.anyOf;
      expect(number).toEqual({ type: 'number' });
      expect(
        series.oneOf.map(
          (option: { properties: { kind: { enum: string[] } } }) => option.properties.kind.enum[0],
        ),
      ).toEqual(['price', 'bar', 'indicator']);
    }
    const testBody = doc.paths['/v1/rules/test'].post.requestBody.content['application/json'].schema;
    expect(testBody.properties.from.anyOf.map((option: { type: string }) => option.type)).toEqual([
      'integer',
      'string',
    ]);
    const barParams = doc.paths['/v1/markets/{venue}/{symbol}/bars/{interval}'].get.parameters;
    const from = barParams.find((parameter: { name: string }) => parameter.name === 'from');
    expect(from).toMatchObject({
      required: false,
      description: expect.stringMatching(/ms since epoch or ISO 8601/),
    });
  });

  it('lists the indicator registry with defaults and outputs', async () => {
    const { items } = (await get('/v1/indicators')).json() as {
      items: { name: string; defaultSpec: string; outputs: string[]; params: { name: string }[] }[];
    };
    expect(items).toHaveLength(21);
    expect(items.find((entry) => entry.name === 'macd')).toMatchObject({
      defaultSpec: 'macd(12,26,9)',
      outputs: ['macd', 'signal', 'hist'],
      params: [{ name: 'fast' }, { name: 'slow' }, { name: 'signal' }],
    });
    expect(items.find((entry) => entry.name === 'bbands')?.outputs).toEqual(['upper', 'middle', 'lower']);
  });

  it('lists your stored alert events newest first when no range is given', async () => {
    const events: AlertEvent[] = [0, 1, 2].map((index) => ({
      kind: 'stopped',
      id: `alice-expired-${index}`,
      ruleId: 'alice-rule',
      owner: 'alice',
      venue: 'binance-um',
      symbol: 'BTCUSDT',
      interval: '1m',
      time: Date.UTC(2024, 7, 8, 23, 50 + index),
      reason: 'expired',
      message: 'rule expired',
    }));
    await harness.store.write({ alertEvents: events });
    const newest = await get('/v1/alerts/events?limit=2');
    expect(newest.statusCode).toBe(200);
    expect(newest.json().items.map((event: AlertEvent) => event.id)).toEqual([
      'alice-expired-2',
      'alice-expired-1',
    ]);
    const since = await get('/v1/alerts/events?from=2024-08-08T23:51:00Z');
    expect(since.json().items.map((event: AlertEvent) => event.id)).toEqual([
      'alice-expired-1',
      'alice-expired-2',
    ]);
  });
});
