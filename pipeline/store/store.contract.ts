import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../schemas/alert-event.js';
import { type AlertRule, alertRuleSchema } from '../../schemas/alert-rule.js';
import type { Bar } from '../../schemas/bar.js';
import type { IndicatorValue } from '../../schemas/indicator-value.js';
import type { Page, Store } from '../../schemas/ports/store.js';
import { BarAggregator } from '../bars/bar-aggregator.js';
import { recordingSink } from '../bars/recording-sink.js';
import { binanceKlines, binanceQuotes, binanceTrades } from './market-data-fixtures.js';
import { loadMigrations } from './migration-files.js';

/** A fresh, empty store (own database or schema) and how to remove it. */
export type StoreFactory = () => Promise<{ store: Store; destroy: () => Promise<void> }>;

const minute = 60_000;
const series = { venue: 'binance-um', symbol: 'BTCUSDT', interval: '1m' } as const;
const klines = binanceKlines();
const klineAt = (index: number): Bar => {
  const bar = klines[index];
  if (!bar) throw new Error(`no kline ${index}`);
  return bar;
};
// 2024-08-08 23:40 → 2024-08-09 00:10 UTC: the 30 klines.
const klineRange = { from: Date.UTC(2024, 7, 8, 23, 40), to: Date.UTC(2024, 7, 9, 0, 10) };

async function readAll<Item>(read: (cursor: string | null) => Promise<Page<Item>>): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<Item> = await read(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}

const rsiValue = (openTime: number, value: number, final: boolean): IndicatorValue => ({
  ...series,
  openTime,
  spec: 'rsi(14)',
  outputs: { value },
  final,
});

function alertEvents(): AlertEvent[] {
  const trigger = binanceTrades()[0];
  if (!trigger) throw new Error('no trade');
  return [
    {
      kind: 'fired',
      id: 'btc-breakout:tick:5266583935',
      ruleId: 'btc-breakout',
      owner: 'alice',
      ...series,
      time: trigger.timeUs / 1000,
      message: 'BTCUSDT crossing_up 61800 on 1m: 61800.3',
      source: { kind: 'price' },
      condition: { operator: 'crossing_up', value: 61_800 },
      previous: 61_799.9,
      current: trigger.price,
      trigger: { kind: 'tick', tradeId: trigger.tradeId, timeUs: trigger.timeUs, price: trigger.price },
      sourcePosition: { topic: 'nexural.trades.raw', partition: 2, offset: '184467' },
    },
    {
      kind: 'stopped',
      id: 'btc-breakout:stopped',
      ruleId: 'btc-breakout',
      owner: 'alice',
      ...series,
      time: trigger.timeUs / 1000 + 1,
      reason: 'fired_once',
      message: 'rule fired once and is now disabled',
    },
    {
      kind: 'stopped',
      id: 'bob-rule:expired',
      ruleId: 'bob-rule',
      owner: 'bob',
      ...series,
      time: trigger.timeUs / 1000 + 2,
      reason: 'expired',
      message: 'rule expired',
    },
  ];
}

const rule = (owner: string, id: string): AlertRule =>
  alertRuleSchema.parse({
    id,
    owner,
    symbol: 'BTCUSDT',
    interval: '1m',
    source: { kind: 'indicator', spec: 'rsi(14)' },
    condition: { operator: 'crossing_down', value: 30 },
  });

/** The store port's contract: run it for every adapter. */
export function describeStoreContract(adapterName: string, createStore: StoreFactory): void {
  describe(`Store contract: ${adapterName}`, () => {
    let store: Store;
    let destroy: () => Promise<void>;

    beforeAll(async () => {
      ({ store, destroy } = await createStore());
      await store.migrate();
    }, 60_000); // starting PGlite (WebAssembly) takes seconds on a busy machine
    afterAll(async () => {
      await destroy();
    }, 60_000);

    it('migrates once: a second migrate applies nothing and verifies every applied file', async () => {
      const again = await store.migrate();
      expect(again.applied).toEqual([]);
      expect(again.alreadyApplied).toBe((await loadMigrations()).length);
      expect(await store.health()).toMatchObject({ ok: true, adapter: store.adapter });
    });

    it('round-trips Binance 1m klines exactly and pages through them in open-time order', async () => {
      expect((await store.write({ bars: klines })).bars).toBe(30);
      const pages = await readAll((cursor) => store.bars({ ...series, ...klineRange, limit: 7, cursor }));
      expect(pages).toEqual(klines);
      const fiveMinutes = await store.bars({
        ...series,
        from: klineAt(15).openTime,
        to: klineAt(20).openTime,
      });
      expect(fiveMinutes.items.map((bar) => bar.openTime)).toEqual(
        [15, 16, 17, 18, 19].map((i) => klineAt(i).openTime),
      );
      expect(fiveMinutes.nextCursor).toBeNull();
      // Binance: 2024-08-09 00:09 opened at 61,735.9 (the last row of the kline file).
      expect(await store.latestBar(series)).toEqual(klineAt(29));
      expect(await store.latestBar({ ...series, interval: '5m' })).toBeNull();
      expect(await store.listSymbols()).toContainEqual({ venue: 'binance-um', symbol: 'BTCUSDT' });
    });

    it('pages newest first with order desc, a cursor continuing downwards', async () => {
      await store.write({ bars: klines });
      const pages = await readAll((cursor) =>
        store.bars({ ...series, ...klineRange, limit: 7, cursor, order: 'desc' }),
      );
      expect(pages).toEqual([...klines].reverse());
      const newestThree = await store.bars({ ...series, ...klineRange, limit: 3, order: 'desc' });
      expect(newestThree.items.map((bar) => bar.openTime)).toEqual(
        [29, 28, 27].map((i) => klineAt(i).openTime),
      );
    });

    it('reads stored trades of a symbol by time then id, exact to the microsecond, in pages', async () => {
      const trades = binanceTrades('binance:ETHUSDT').slice(0, 3_000);
      await store.write({ trades });
      const first = trades[0];
      const last = trades.at(-1);
      if (!first || !last) throw new Error('no trades');
      const range = { from: first.timeUs / 1000, to: last.timeUs / 1000 + 1 };
      const read = await readAll((cursor) =>
        store.trades({ venue: 'binance', symbol: 'ETHUSDT', ...range, limit: 1_000, cursor }),
      );
      const byTimeThenId = [...trades].sort(
        (a, b) => a.timeUs - b.timeUs || (a.tradeId < b.tradeId ? -1 : 1),
      );
      expect(read).toEqual(byTimeThenId);
    });

    it('changes nothing when the same records are written again', async () => {
      const trades = binanceTrades().slice(0, 2_000);
      const quotes = binanceQuotes().slice(0, 2_000);
      const first = await store.write({ trades, quotes, alertEvents: alertEvents() });
      expect(first).toMatchObject({ trades: 2_000, quotes: 2_000, alertEvents: 3 });
      const before = await store.bars({ ...series, ...klineRange, limit: 100 });
      const replay = await store.write({ bars: klines, trades, quotes, alertEvents: alertEvents() });
      expect(replay).toEqual({ bars: 0, trades: 0, quotes: 0, indicatorValues: 0, alertEvents: 0 });
      expect(await store.bars({ ...series, ...klineRange, limit: 100 })).toEqual(before);
    });

    it('keeps the newest revision of a bar: final overwrites live, older never overwrites newer', async () => {
      const key = { ...series, interval: '3m' };
      const base: Bar = { ...klineAt(0), interval: '3m', closeTime: klineAt(0).openTime + 3 * minute - 1 };
      const live = (revision: number, close: number, final = false): Bar => ({
        ...base,
        close,
        high: Math.max(base.high, close),
        low: Math.min(base.low, close),
        revision,
        final,
      });
      await store.write({ bars: [live(2, 61_900)] });
      expect(await store.write({ bars: [live(1, 61_880)] })).toMatchObject({ bars: 0 });
      expect(await store.latestBar(key)).toMatchObject({ revision: 2, close: 61_900, final: false });
      expect(await store.write({ bars: [live(2, 61_905, true)] })).toMatchObject({ bars: 1 });
      expect(await store.latestBar(key)).toMatchObject({ revision: 2, close: 61_905, final: true });
      expect(await store.write({ bars: [live(2, 61_870)] })).toMatchObject({ bars: 0 });
      // A late tick revises a final bar: revision 3, final again.
      await store.write({ bars: [live(4, 61_950, true), live(3, 61_940, true)] });
      expect(await store.latestBar(key)).toMatchObject({ revision: 4, close: 61_950, final: true });
      const finalOnly = await store.bars({ ...key, ...klineRange, finalOnly: true });
      expect(finalOnly.items).toHaveLength(1);
    });

    it('stores jumpedFrom of a bar after a gap longer than the flat-bar cap, and no jumpedFrom elsewhere', async () => {
      const key = { ...series, interval: '2m' };
      const before: Bar = { ...klineAt(0), interval: '2m', closeTime: klineAt(0).openTime + 2 * minute - 1 };
      const openTime = before.openTime + 3 * 24 * 60 * minute;
      const after: Bar = {
        ...klineAt(1),
        interval: '2m',
        openTime,
        closeTime: openTime + 2 * minute - 1,
        jumpedFrom: before.openTime,
      };
      expect(await store.write({ bars: [before, after] })).toMatchObject({ bars: 2 });
      const read = await store.bars({ ...key, from: before.openTime, to: openTime + 1, limit: 10 });
      expect(read.items).toEqual([before, after]);
      expect('jumpedFrom' in (read.items[0] ?? {})).toBe(false);
      expect(await store.latestBar(key)).toEqual(after);
      // a later revision of the same bar keeps what it says about the jump
      const revised: Bar = { ...after, revision: after.revision + 1, final: true };
      expect(await store.write({ bars: [revised] })).toMatchObject({ bars: 1 });
      expect((await store.latestBar(key))?.jumpedFrom).toBe(before.openTime);
    });

    it('keeps an indicator value of a final bar over later forming-bar values, and pages by time then spec', async () => {
      const openTime = klineAt(29).openTime;
      await store.write({
        indicatorValues: [rsiValue(openTime, 48.1, false), rsiValue(openTime, 47.2, false)],
      });
      expect((await store.indicatorValues({ ...series, ...klineRange })).items).toEqual([
        rsiValue(openTime, 47.2, false),
      ]);
      await store.write({ indicatorValues: [rsiValue(openTime, 46.9, true)] });
      expect(await store.write({ indicatorValues: [rsiValue(openTime, 50, false)] })).toMatchObject({
        indicatorValues: 0,
      });
      expect(await store.write({ indicatorValues: [rsiValue(openTime, 46.9, true)] })).toMatchObject({
        indicatorValues: 0,
      });
      const macd: IndicatorValue = {
        ...series,
        openTime,
        spec: 'macd(12,26,9)',
        outputs: { macd: -12.5, signal: -10.25, hist: -2.25 },
        final: true,
      };
      const earlier = rsiValue(klineAt(28).openTime, 51.3, true);
      await store.write({ indicatorValues: [macd, earlier] });
      const all = await readAll((cursor) =>
        store.indicatorValues({ ...series, ...klineRange, limit: 1, cursor }),
      );
      expect(all).toEqual([earlier, macd, rsiValue(openTime, 46.9, true)]);
      const rsiOnly = await store.indicatorValues({ ...series, ...klineRange, spec: 'rsi(14)' });
      expect(rsiOnly.items.map((value) => value.spec)).toEqual(['rsi(14)', 'rsi(14)']);
    });

    it('stores every activity bar, also several opening in the same ms (seq), and their indicator values', async () => {
      // Real Binance UM trades: one taker order often fills several makers in the same ms.
      const trades = binanceTrades().slice(0, 2_000);
      const finals = recordingSink();
      const aggregator = new BarAggregator({ intervals: ['3t'], liveUpdates: false }, finals.sink);
      for (const trade of trades) aggregator.add(trade);
      aggregator.flush();
      const bars = finals.finals();
      const sameMs = bars.filter((bar) => (bar.seq ?? 0) > 0);
      expect(sameMs.length).toBeGreaterThan(10);
      expect(bars.every((bar, i) => i === 0 || bar.openTime !== bars[i - 1]?.openTime || bar.seq)).toBe(true);
      expect((await store.write({ bars })).bars).toBe(bars.length);
      const range = { ...series, interval: '3t', from: bars[0]?.openTime ?? 0, to: Date.UTC(2025, 0, 1) };
      expect(await readAll((cursor) => store.bars({ ...range, limit: 7, cursor }))).toEqual(bars);
      expect(
        (await readAll((cursor) => store.bars({ ...range, limit: 7, cursor, order: 'desc' }))).reverse(),
      ).toEqual(bars);
      const twin = sameMs[0];
      if (!twin) throw new Error('no two bars in one ms');
      const values = [0, twin.seq].map(
        (seq, i): IndicatorValue => ({
          ...series,
          interval: '3t',
          openTime: twin.openTime,
          ...(seq ? { seq } : {}),
          spec: 'sma(2)',
          outputs: { value: 61_000 + i },
          final: true,
        }),
      );
      expect((await store.write({ indicatorValues: values })).indicatorValues).toBe(2);
      const stored = await readAll((cursor) =>
        store.indicatorValues({ ...range, from: twin.openTime, to: twin.openTime + 1, limit: 1, cursor }),
      );
      expect(stored).toEqual(values);
    });

    it('returns alert events with their provenance, by owner or by symbol', async () => {
      const [fired, stopped, bobs] = alertEvents();
      const range = { from: Date.UTC(2024, 7, 8), to: Date.UTC(2024, 7, 9) };
      expect((await store.alertEvents({ ...range, owner: 'alice' })).items).toEqual([fired, stopped]);
      expect((await store.alertEvents({ ...range, owner: 'bob' })).items).toEqual([bobs]);
      const bySymbol = await readAll((cursor) =>
        store.alertEvents({ ...range, venue: 'binance-um', symbol: 'BTCUSDT', limit: 2, cursor }),
      );
      expect(bySymbol).toEqual([fired, stopped, bobs]);
      await expect(store.alertEvents(range)).rejects.toMatchObject({ code: 'NXR_BAD_VALUE' });
    });

    it('keeps alert rules per owner: nobody reads, replaces or deletes another owner’s rule', async () => {
      await store.putAlertRule(rule('alice', 'rsi-oversold'));
      await store.putAlertRule(rule('alice', 'another'));
      await store.putAlertRule({ ...rule('alice', 'rsi-oversold'), enabled: false });
      expect(await store.getAlertRule('alice', 'rsi-oversold')).toEqual({
        ...rule('alice', 'rsi-oversold'),
        enabled: false,
      });
      expect((await store.listAlertRules('alice')).map((stored) => stored.id)).toEqual([
        'another',
        'rsi-oversold',
      ]);
      expect(await store.getAlertRule('bob', 'rsi-oversold')).toBeNull();
      await expect(store.putAlertRule(rule('bob', 'rsi-oversold'))).rejects.toMatchObject({
        code: 'NXR_RULE_INVALID',
      });
      expect(await store.deleteAlertRule('bob', 'rsi-oversold')).toBe(false);
      expect(await store.deleteAlertRule('alice', 'rsi-oversold')).toBe(true);
      expect(await store.deleteAlertRule('alice', 'rsi-oversold')).toBe(false);
      expect(await store.listAlertRules('bob')).toEqual([]);
    });

    it('keeps a rule over a list of symbols with a series threshold as it was written', async () => {
      const watchlist = alertRuleSchema.parse({
        ...rule('carol', 'majors-over-sma'),
        symbol: undefined,
        symbols: ['BTCUSDT', 'ETHUSDT'],
        source: { kind: 'price' },
        condition: {
          operator: 'crossing_up',
          value: { kind: 'indicator', spec: 'sma(20)', output: 'value' },
        },
      });
      await store.putAlertRule(watchlist);
      expect(await store.getAlertRule('carol', 'majors-over-sma')).toEqual(watchlist);
      await store.putAlertRule(rule('carol', 'majors-over-sma'));
      expect(await store.getAlertRule('carol', 'majors-over-sma')).toEqual(rule('carol', 'majors-over-sma'));
      expect(await store.deleteAlertRule('carol', 'majors-over-sma')).toBe(true);
    });

    it('writes a batch all or nothing', async () => {
      const later = { ...klineAt(29), interval: '1h', openTime: Date.UTC(2024, 7, 9) };
      const badTrade = { ...binanceTrades()[0], tradeId: 'bad', price: -1 } as NonNullable<
        ReturnType<typeof binanceTrades>[0]
      >;
      await expect(store.write({ bars: [later], trades: [badTrade] })).rejects.toThrow();
      expect(await store.latestBar({ ...series, interval: '1h' })).toBeNull();
    });

    it('refuses bad ranges and cursors naming the field', async () => {
      await expect(store.bars({ ...series, from: 10, to: 5 })).rejects.toMatchObject({
        code: 'NXR_BAD_VALUE',
        details: { path: ['to'] },
      });
      await expect(store.bars({ ...series, ...klineRange, limit: 0 })).rejects.toMatchObject({
        code: 'NXR_BAD_VALUE',
      });
      await expect(store.bars({ ...series, ...klineRange, cursor: 'not-a-cursor' })).rejects.toMatchObject({
        code: 'NXR_BAD_VALUE',
        details: { path: ['cursor'] },
      });
    });

    it('applies retention: ticks older than 90 days are removed, recent ones and bars stay', async () => {
      const oldTrades = binanceTrades().slice(0, 100);
      const recent = {
        ...oldTrades[0],
        tradeId: 'recent',
        timeUs: (Date.now() - 3_600_000) * 1000,
      } as NonNullable<(typeof oldTrades)[0]>;
      await store.write({ trades: [...oldTrades, recent] });
      const results = await store.applyRetention();
      expect(results.map((result) => result.table)).toEqual(['quotes', 'trade_ticks']);
      expect(results.find((result) => result.table === 'trade_ticks')?.removed).toBeGreaterThan(0);
      // Removed rows are new again; the recent trade is still there.
      expect(await store.write({ trades: oldTrades })).toMatchObject({ trades: 100 });
      expect(await store.write({ trades: [recent] })).toMatchObject({ trades: 0 });
      expect((await store.bars({ ...series, ...klineRange, limit: 100 })).items).toHaveLength(30);
    });
  });
}
