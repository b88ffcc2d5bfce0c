import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { binanceKlines } from '../../pipeline/store/market-data-fixtures.js';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { sqlNewsletterArchive } from '../../pipeline/store/sql-newsletter-archive.js';
import type { IndicatorValue } from '../../schemas/indicator-value.js';
import { computeEdition } from './edition.js';
import { firstEditionSpanMs, nextEditionWindow } from './edition-window.js';
import { editionSubject, renderMarkdown } from './markdown.js';

const klines = binanceKlines();
const at = (index: number) => {
  const bar = klines[index];
  if (!bar) throw new Error(`no kline ${index}`);
  return bar;
};
const value = (index: number, spec: string, outputs: Record<string, number>): IndicatorValue => ({
  venue: 'binance-um',
  symbol: 'BTCUSDT',
  interval: '1m',
  openTime: at(index).openTime,
  spec,
  outputs,
  final: true,
});

describe('edition window', () => {
  it('starts where the previous edition ended; the first covers the last 7 days', () => {
    const now = Date.UTC(2026, 11, 4, 7);
    expect(nextEditionWindow(null, now)).toEqual({ from: now - firstEditionSpanMs, to: now });
    expect(nextEditionWindow(now - 3_600_000, now)).toEqual({ from: now - 3_600_000, to: now });
    expect(nextEditionWindow(now, now)).toBeNull();
  });
});

describe('edition from stored data', () => {
  it('computes movers, volume and indicator crossings of the window only, and archives its boundaries', async () => {
    const db = await PGlite.create();
    const store = await openPgliteStore({ db });
    await store.migrate();
    await store.write({
      bars: klines,
      indicatorValues: [
        value(10, 'rsi(14)', { value: 65 }),
        value(11, 'rsi(14)', { value: 72.5 }),
        value(12, 'rsi(14)', { value: 74 }),
        value(13, 'rsi(14)', { value: 28 }),
        value(10, 'macd(12,26,9)', { macd: 1, signal: 2, hist: -1 }),
        value(11, 'macd(12,26,9)', { macd: 3, signal: 2, hist: 1 }),
        value(10, 'bbands(20,2)', { upper: at(10).close + 1, middle: at(10).close, lower: at(10).close - 1 }),
        value(11, 'bbands(20,2)', {
          upper: at(11).close - 5,
          middle: at(11).close - 10,
          lower: at(11).close - 15,
        }),
        value(25, 'rsi(14)', { value: 50 }),
        value(26, 'rsi(14)', { value: 80 }),
      ],
    });
    // Bars 10..19 only: the signals of bars 25-26 are outside the window.
    const window = { from: at(10).openTime, to: at(20).openTime };
    const edition = await computeEdition(store, window, { interval: '1m' });
    const [mover] = edition.topMovers;
    const expectedVolume = klines.slice(10, 20).reduce((sum, bar) => sum + bar.quoteVolume, 0);
    expect(mover).toEqual({
      venue: 'binance-um',
      symbol: 'BTCUSDT',
      open: at(10).open,
      close: at(19).close,
      changePct: ((at(19).close - at(10).open) / at(10).open) * 100,
      quoteVolume: expectedVolume,
    });
    expect(edition.volumeLeaders).toEqual([mover]);
    expect(edition.alerts).toEqual([]);
    expect(edition.signals.map((s) => [s.openTime, s.kind])).toEqual([
      [at(11).openTime, 'bollinger_break_up'],
      [at(11).openTime, 'macd_cross_up'],
      [at(11).openTime, 'rsi_overbought'],
      [at(13).openTime, 'rsi_oversold'],
    ]);

    const markdown = renderMarkdown(edition);
    expect(markdown).toContain('## Top movers');
    expect(markdown).toContain('rsi(14) overbought at 72.5');
    expect(markdown).not.toContain('## Alerts that fired');
    expect(markdown).not.toContain('## Summary');

    const archive = sqlNewsletterArchive(pgliteDatabase(db));
    const stored = {
      id: 'ed-1',
      periodStart: window.from,
      periodEnd: window.to,
      subject: editionSubject(edition),
      bodyMarkdown: markdown,
      status: 'draft' as const,
      sentAt: null,
    };
    expect(await archive.save(stored)).toEqual(stored);
    expect(await archive.save({ ...stored, id: 'ed-rerun' })).toEqual(stored);
    const latest = await archive.latest();
    expect(nextEditionWindow(latest?.periodEnd ?? null, at(29).openTime)).toEqual({
      from: at(20).openTime,
      to: at(29).openTime,
    });
    await archive.markSent('ed-1', at(21).openTime);
    expect(await archive.get('ed-1')).toMatchObject({ status: 'sent', sentAt: at(21).openTime });
    await store.close();
  }, 60_000);
});
