import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIndicator } from '../../pipeline/indicators/registry.js';
import { scorePendingIdeas } from '../../pipeline/research/idea-scorer.js';
import { collect, until } from '../../pipeline/runtime/log/testing/stream-log-test-kit.js';
import { binanceKlines } from '../../pipeline/store/market-data-fixtures.js';
import type { IndicatorValue } from '../../schemas/indicator-value.js';
import {
  type ApiHarness,
  bearer,
  openApiHarness,
  pgliteTestDatabase,
  topics,
} from '../testing/api-harness.js';

// Binance's 30 official BTCUSDT 1m klines 2024-08-08 23:40 → 00:09 (../shared/data) and their RSI(14).
const klines = binanceKlines();
const at = (index: number) => klines[index]?.openTime ?? Number.NaN;
const series = { venue: 'binance-um', symbol: 'BTCUSDT', interval: '1m' } as const;
const exportedAt = Date.UTC(2024, 7, 9, 1);

function rsiValues(): IndicatorValue[] {
  const rsi = createIndicator('rsi(14)');
  return klines.flatMap((bar) => {
    const value = rsi.add(bar);
    return typeof value === 'number'
      ? [{ ...series, openTime: bar.openTime, spec: 'rsi(14)', outputs: { value }, final: true }]
      : [];
  });
}

const majors = (symbols: string[]) => ({
  name: 'Majors',
  sections: [
    {
      name: 'core',
      items: symbols.slice(0, 1).map((symbol) => ({ venue: 'binance', symbol, note: 'base' })),
    },
    { name: 'alts', items: symbols.slice(1).map((symbol) => ({ venue: 'binance', symbol })) },
  ],
});

describe('research routes: watchlists, notes, ideas (PGlite)', () => {
  let harness: ApiHarness;
  const call = (
    method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: object,
    key?: string,
  ) =>
    harness.app.inject({
      method,
      url,
      headers: bearer(key ?? harness.keys.alice),
      ...(payload === undefined ? {} : { payload }),
    });

  beforeAll(async () => {
    harness = await openApiHarness(pgliteTestDatabase, { now: () => exportedAt });
    await harness.store.write({ bars: klines, indicatorValues: rsiValues() });
  }, 60_000);
  afterAll(() => harness?.close(), 60_000);

  it('keeps a watchlist per user, its history, and refuses another user and a read-only key', async () => {
    const first = await call('PUT', '/v1/watchlists/majors', majors(['BTCUSDT', 'ETHUSDT']));
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      entered: [
        { venue: 'binance', symbol: 'BTCUSDT' },
        { venue: 'binance', symbol: 'ETHUSDT' },
      ],
      left: [],
      rules: [],
    });
    const second = await call('PUT', '/v1/watchlists/majors', majors(['ETHUSDT', 'SOLUSDT']));
    expect(second.json()).toMatchObject({ entered: [{ symbol: 'SOLUSDT' }], left: [{ symbol: 'BTCUSDT' }] });
    const list = (await call('GET', '/v1/watchlists')).json();
    expect(list.items[0].sections).toMatchObject([
      { name: 'core', items: [{ symbol: 'ETHUSDT', note: 'base' }] },
      { name: 'alts', items: [{ symbol: 'SOLUSDT', note: '' }] },
    ]);
    const history = (await call('GET', '/v1/watchlists/majors/history')).json().items;
    expect(
      history.map((change: { change: string; symbol: string }) => `${change.change} ${change.symbol}`),
    ).toEqual(['entered BTCUSDT', 'entered ETHUSDT', 'left BTCUSDT', 'entered SOLUSDT']);
    expect((await call('GET', '/v1/watchlists', undefined, harness.keys.bob)).json()).toEqual({ items: [] });
    const foreign = await call('GET', '/v1/watchlists/majors', undefined, harness.keys.bob);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe('NXR_NOT_FOUND');
    expect(
      (await call('PUT', '/v1/watchlists/mine', majors(['BTCUSDT']), harness.keys.aliceReader)).statusCode,
    ).toBe(403);
    const twice = await call('PUT', '/v1/watchlists/twice', {
      name: 'x',
      sections: [
        { items: [{ venue: 'binance', symbol: 'BTCUSDT' }] },
        { name: 'b', items: [{ venue: 'binance', symbol: 'BTCUSDT' }] },
      ],
    });
    expect(twice.statusCode).toBe(400);
    expect(twice.json().error.message).toContain('sections.1.items.0.symbol');
  });

  it('lets an alert rule follow a watchlist: its symbols change with the watchlist, on the rules topic too', async () => {
    const rule = await call('POST', '/v1/rules', {
      id: 'alice-watch',
      symbol: 'BTCUSDT',
      interval: '1m',
      source: { kind: 'bar', field: 'close' },
      condition: { operator: 'greater_than', value: 70_000 },
    });
    expect(rule.statusCode).toBe(201);
    const followed = await call('PUT', '/v1/rules/alice-watch/watchlist', { watchlist: 'majors' });
    expect(followed.json()).toEqual({
      rule: 'alice-watch',
      watchlist: 'majors',
      symbols: ['ETHUSDT', 'SOLUSDT'],
    });
    const reader = await collect(harness.log, {
      groupId: 'watch-rules',
      topics: [topics.alertRules],
      start: 'latest',
    });
    const changed = await call('PUT', '/v1/watchlists/majors', majors(['XRPUSDT', 'ETHUSDT']));
    expect(changed.json().rules).toEqual(['alice-watch']);
    expect((await call('GET', '/v1/rules/alice-watch')).json()).toMatchObject({
      symbols: ['XRPUSDT', 'ETHUSDT'],
    });
    await until(() => reader.records.length === 1, 'the rewritten rule on the rules topic', 3_000);
    expect(JSON.parse(reader.records[0]?.value?.toString() ?? 'null')).toMatchObject({
      symbols: ['XRPUSDT', 'ETHUSDT'],
    });
    const emptied = await call('PUT', '/v1/watchlists/majors', majors([]));
    expect(emptied.statusCode).toBe(409);
    expect(emptied.json().error.message).toContain('alice-watch');
    expect((await call('DELETE', '/v1/watchlists/majors')).statusCode).toBe(409);
    expect((await call('GET', '/v1/rules/alice-watch/watchlist')).json().watchlist).toBe('majors');
    expect(
      (await call('PUT', '/v1/rules/alice-watch/watchlist', { watchlist: 'majors' }, harness.keys.bob))
        .statusCode,
    ).toBe(404);
    await call('PUT', '/v1/rules/alice-watch/watchlist', { watchlist: null });
    expect((await call('DELETE', '/v1/watchlists/majors')).statusCode).toBe(204);
    expect((await call('GET', '/v1/rules/alice-watch')).json()).toMatchObject({
      symbols: ['XRPUSDT', 'ETHUSDT'],
    });
  });

  it('saves a note with the market as it was, searches, edits, exports and scores ideas', async () => {
    const anchor = { ...series, eventTime: at(20) + 30_000, sourceOffset: 'nexural.bars/0/20' };
    const created = await call('POST', '/v1/notes', {
      title: 'Failed breakdown',
      body: 'Sellers pushed below **61,700** and were absorbed.',
      tags: ['btc', 'reversal'],
      anchor,
      idea: { direction: 'long', horizonBars: 5 },
    });
    expect(created.statusCode).toBe(201);
    const note = created.json();
    expect(note.snapshot.bars).toHaveLength(21);
    expect(note.snapshot.bars.at(-1)).toMatchObject({ openTime: at(20), close: klines[20]?.close });
    expect(note.snapshot.indicators.map((value: IndicatorValue) => value.openTime)).toEqual(
      rsiValues()
        .filter((value) => value.openTime <= at(20))
        .map((value) => value.openTime),
    );
    expect(note.score).toEqual({ status: 'pending' });
    // later bars and revisions do not change what the note shows
    await harness.store.write({
      bars: [{ ...klines[20], close: 1, low: 1, revision: 1 } as (typeof klines)[number]],
    });
    expect((await call('GET', `/v1/notes/${note.id}`)).json().snapshot).toEqual(note.snapshot);
    await harness.store.write({ bars: [{ ...(klines[20] as (typeof klines)[number]), revision: 2 }] });

    await call('POST', '/v1/notes', { title: 'Range', body: 'Nothing to do.', tags: ['range'], anchor });
    await call('POST', '/v1/notes', { title: 'Bob absorbed', anchor }, harness.keys.bob);
    const hits = (await call('GET', '/v1/notes/search?q=absorb')).json().items;
    expect(hits.map((hit: { id: string }) => hit.id)).toEqual([note.id]);
    expect(hits[0].headline).toContain('<b>absorbed</b>');
    expect((await call('GET', `/v1/notes/${note.id}`, undefined, harness.keys.bob)).statusCode).toBe(404);
    expect(
      (await call('GET', '/v1/notes?tag=range')).json().items.map((found: { title: string }) => found.title),
    ).toEqual(['Range']);
    const edited = await call('PATCH', `/v1/notes/${note.id}`, { tags: ['btc', 'reversal', 'absorption'] });
    expect(edited.json()).toMatchObject({
      tags: ['btc', 'reversal', 'absorption'],
      title: 'Failed breakdown',
    });

    expect(
      await scorePendingIdeas({ store: harness.store, research: harness.store, now: () => exportedAt }),
    ).toEqual({
      scored: 1,
      pending: 0,
    });
    const card = (await call('GET', '/v1/ideas/scorecard')).json();
    expect(card.overall).toMatchObject({ ideas: 1, scored: 1, pending: 0 });
    const scored = (await call('GET', `/v1/notes/${note.id}`)).json().score;
    // anchor bar 00:00 closes at 61601.2; horizon 00:01–00:05: high 61690.2, low 61522.2, last close 61615.9
    expect(scored).toEqual({
      status: 'scored',
      entryTime: at(20),
      entryPrice: 61601.2,
      exitTime: at(25),
      exitPrice: 61615.9,
      return: (61615.9 - 61601.2) / 61601.2,
      mfe: (61690.2 - 61601.2) / 61601.2,
      mae: (61601.2 - 61522.2) / 61601.2,
      bars: 5,
    });
    expect(card.byTag.map((row: { tag: string }) => row.tag)).toEqual(['absorption', 'btc', 'reversal']);

    const markdown = await call('GET', '/v1/notes/export?format=md&tag=btc');
    expect(markdown.headers['content-type']).toContain('text/markdown');
    expect(markdown.body).toContain('## Failed breakdown');
    expect(markdown.body).toContain(
      '- binance-um BTCUSDT 1m at 2024-08-09T00:00:30.000Z (source nexural.bars/0/20)',
    );
    expect(markdown.body).toContain('- Tags: #btc #reversal #absorption');
    expect(markdown.body).not.toContain('## Range');
    const json = await call('GET', '/v1/notes/export?format=json');
    expect(json.json().exportedAt).toBe(exportedAt);
    expect(
      json
        .json()
        .items.map((item: { title: string }) => item.title)
        .sort(),
    ).toEqual(['Failed breakdown', 'Range']);
    expect(json.json().items.find((item: { id: string }) => item.id === note.id).snapshot).toEqual(
      note.snapshot,
    );
    expect((await call('DELETE', `/v1/notes/${note.id}`, undefined, harness.keys.bob)).statusCode).toBe(404);
    expect((await call('DELETE', `/v1/notes/${note.id}`)).statusCode).toBe(204);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const paths = Object.keys((await harness.app.inject({ url: '/docs/json' })).json().paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/watchlists',
        '/v1/watchlists/{id}',
        '/v1/watchlists/{id}/history',
        '/v1/rules/{id}/watchlist',
        '/v1/notes',
        '/v1/notes/search',
        '/v1/notes/export',
        '/v1/notes/{id}',
        '/v1/ideas/scorecard',
      ]),
    );
  });
});
