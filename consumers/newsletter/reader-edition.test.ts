import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeEdition, type Edition } from './edition.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { editionFor, withoutPremium } from './reader-edition.js';
import { fixtureWindow, readersFixture } from './testing/readers-fixture.js';

let fixture: Awaited<ReturnType<typeof readersFixture>>;
let edition: Edition;
beforeAll(async () => {
  fixture = await readersFixture();
  const { store, readers } = fixture;
  edition = await computeEdition(store, fixtureWindow, {
    interval: '5m',
    selectedNotes: (window) => readers.selectedNotes(window),
  });
}, 240_000);
afterAll(() => fixture?.close());

const section = (markdown: string, title: string) =>
  markdown.split('\n## ').find((part) => part.startsWith(`${title}`)) ?? '';

describe('per-reader newsletter sections from stored data (XRPETH 2019-10-12, a strategy paper-traded live)', () => {
  it("strategy P&L: the round trips closed in the window and the equity around it, as the strategy's book has them", async () => {
    const { readers, book } = fixture;
    const alice = await readers.profile('alice@example.test', fixtureWindow);
    const closed = book.trades.filter(
      (trip) => trip.exitTime >= fixtureWindow.from && trip.exitTime < fixtureWindow.to,
    );
    const [result] = alice.strategies;
    expect(result).toMatchObject({
      id: 'alice-ema',
      name: 'close-ema',
      symbols: 'XRPETH',
      closedTrades: closed.length,
      wins: closed.filter((trip) => trip.pnl > 0).length,
      equityStart: book.equity.filter((point) => point.time < fixtureWindow.from).at(-1)?.equity,
      equityEnd: book.equity.filter((point) => point.time < fixtureWindow.to).at(-1)?.equity,
    });
    expect(result?.realizedPnl).toBeCloseTo(
      closed.reduce((sum, trip) => sum + trip.pnl, 0),
      9,
    );
    // 93 round trips over the file, 43 of them closed on 2019-10-12
    expect([book.trades.length, result?.closedTrades, result?.wins]).toEqual([93, 43, 4]);
    expect(section(renderMarkdown(editionFor(edition, alice)), 'Strategy P&L')).toContain(
      '| close-ema | binance:XRPETH | 43 | 4 | -509.0032 | 9647.947 → 9140.6075 (-5.26%) |',
    );
  });

  it("watchlist: each of the reader's symbols with its movement over the window, or that it has no bars", async () => {
    const alice = await fixture.readers.profile('alice@example.test', fixtureWindow);
    expect(alice.watchlist).toEqual([
      { venue: 'binance', symbol: 'XRPETH' },
      { venue: 'binance', symbol: 'BTCUSDT' },
    ]);
    const mine = editionFor(edition, alice);
    expect(mine.watchlist[0]?.mover).toEqual(edition.movements.get('binance:XRPETH'));
    expect(section(renderMarkdown(mine), 'Your watchlist').split('\n').slice(4)).toEqual([
      '| binance:XRPETH | 0.00151451 | +2.32% |',
      '| binance:BTCUSDT | — | no bars in this edition |',
      '',
    ]);
    expect(renderHtml(mine, 'https://x.test/u')).toContain(
      '<td style="padding:4px 8px;border-bottom:1px solid #e5e7eb">no bars in this edition</td>',
    );
  });

  it('selected notes: only notes their owner tagged `newsletter`, written in the window, with the author', async () => {
    const notes = await fixture.readers.selectedNotes(fixtureWindow);
    expect(notes.map((note) => [note.id, note.author, note.direction])).toEqual([
      ['xrp-idea', 'Alice', 'long'],
    ]);
    expect(section(renderMarkdown(edition), 'Selected notes')).toBe(
      'Selected notes\n\n### XRPETH holds its range · binance:XRPETH (long idea) — by Alice\n\nBuyers defended 0.0014 twice. Watching for a close above the ema(10).\n',
    );
  });

  it('premium sections by plan: a Pro reader gets signals, strategy P&L and notes; free readers (a user, a plain address) do not', async () => {
    const { readers } = fixture;
    const alice = await readers.profile('alice@example.test', fixtureWindow);
    const bob = await readers.profile('bob@example.test', fixtureWindow);
    const carol = await readers.profile('carol@example.test', fixtureWindow);
    expect([alice.premium, bob.premium, carol.premium, carol.userId]).toEqual([true, false, false, null]);
    const headings = (markdown: string) => markdown.split('\n').filter((line) => line.startsWith('## '));
    const shared = ['## Top movers', '## Volume leaders'];
    expect(edition.signals.map((signal) => signal.kind)).toEqual([
      'rsi_overbought',
      'rsi_overbought',
      'rsi_overbought',
    ]);
    expect(headings(renderMarkdown(editionFor(edition, alice)))).toEqual([
      ...shared,
      '## Your watchlist',
      '## Indicator signals (5m)',
      '## Strategy P&L',
      '## Selected notes',
    ]);
    expect(headings(renderMarkdown(editionFor(edition, bob)))).toEqual([...shared, '## Your watchlist']);
    expect(headings(renderMarkdown(editionFor(edition, carol)))).toEqual(shared);
    expect(renderMarkdown(withoutPremium(edition))).toBe(renderMarkdown(editionFor(edition, carol)));
  });
});
