import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scorePendingIdeas } from '../../pipeline/research/idea-scorer.js';
import { binanceKlines } from '../../pipeline/store/market-data-fixtures.js';
import { type ApiHarness, openApiHarness, pgliteTestDatabase } from '../testing/api-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url));

/** The research pages in headless Chromium against the API on PGlite with Binance's real 1m klines. */
describe('research pages end to end (headless Chromium)', () => {
  let harness: ApiHarness;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    harness = await openApiHarness(pgliteTestDatabase);
    await harness.store.write({ bars: binanceKlines() });
    url = await harness.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  }, 60_000);

  const openPage = async (path: string): Promise<{ page: Page; problems: string[] }> => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(`${url}${path}#key=${harness.keys.alice}`);
    return { page, problems };
  };

  it('edits a watchlist in sections and shows what entered and left', async () => {
    const { page, problems } = await openPage('/watchlists.html');
    await page.waitForSelector('#status:text("0 watchlist(s)")');
    await page.fill('#editor [name="id"]', 'majors');
    await page.fill('#editor [name="name"]', 'Majors');
    await page.fill(
      '#editor [name="lines"]',
      '# Core\nbinance BTCUSDT breakout watch\nbinance ETHUSDT\n# Alts\nbinance SOLUSDT',
    );
    await page.click('#editor button[type="submit"]');
    await page.waitForSelector('article[data-id="majors"]');
    await page.fill(
      '#editor [name="lines"]',
      '# Core\nbinance ETHUSDT\n# Alts\nbinance SOLUSDT\nbinance XRPUSDT',
    );
    await page.click('#editor button[type="submit"]');
    await page.waitForSelector('#history li:nth-child(5)');
    expect(
      await page.$$eval('#history li', (items) =>
        items.map((item) => item.textContent?.replace(/^\S+ /, '')),
      ),
    ).toEqual([
      'entered binance BTCUSDT',
      'entered binance ETHUSDT',
      'entered binance SOLUSDT',
      'left binance BTCUSDT',
      'entered binance XRPUSDT',
    ]);
    expect(
      await page.$$eval('article[data-id="majors"] h4', (items) => items.map((item) => item.textContent)),
    ).toEqual(['Core', 'Alts']);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'watchlists.png') });
    expect(problems).toEqual([]);
  }, 60_000);

  it('saves an idea with the market as it was, finds it, and shows its score', async () => {
    const { page, problems } = await openPage('/notes.html');
    await page.waitForSelector('#status:text("0 note(s)")');
    await page.fill('#new-note [name="title"]', 'Failed breakdown at midnight');
    await page.fill('#new-note [name="venue"]', 'binance-um');
    await page.fill('#new-note [name="eventTime"]', '2024-08-09T00:00:30Z');
    await page.fill('#new-note [name="tags"]', 'btc reversal');
    await page.selectOption('#new-note [name="direction"]', 'long');
    await page.fill('#new-note [name="horizonBars"]', '5');
    await page.fill('#new-note [name="body"]', 'Sellers were **absorbed** below 61,600.');
    await page.click('#new-note button[type="submit"]');
    await page.waitForSelector('#note:not([hidden])');
    // 23:40 … 00:00: the 21 bars up to the event time, newest first
    expect(await page.$$eval('#note-bars tbody tr', (rows) => rows.length)).toBe(21);
    expect(await page.textContent('#note-bars tbody tr:first-child td:nth-child(5)')).toBe('61601.2');
    expect(await page.textContent('#note-score')).toBe('long · 5 bars · pending');

    await scorePendingIdeas({ store: harness.store, research: harness.store });
    await page.fill('#search [name="q"]', 'absorb');
    await page.click('#search button[type="submit"]');
    await page.waitForSelector('#status:text("1 note(s)")');
    await page.click('#notes li a');
    // 14.7 / 61601.2 = 0.0239%, MFE 89 / 61601.2 = 0.1445%, MAE 79 / 61601.2 = 0.1282%
    await page.waitForSelector('#note-score:text("return")');
    expect(await page.textContent('#note-score')).toBe(
      'long · 5 bars · return 0.02% · MFE 0.14% · MAE 0.13%',
    );
    expect(
      await page.$$eval('#scorecard tbody tr', (rows) => rows.map((row) => row.firstChild?.textContent)),
    ).toEqual(['all ideas', '#btc', '#reversal']);
    await page.screenshot({ path: join(ARTIFACTS, 'notes.png') });

    // without an event time a note anchors to the series' newest bar (the data ends 00:09:59.999)
    await page.fill('#new-note [name="title"]', 'At the newest bar');
    await page.fill('#new-note [name="eventTime"]', '');
    await page.selectOption('#new-note [name="direction"]', '');
    await page.click('#new-note button[type="submit"]');
    await page.waitForSelector('#note-title:text("At the newest bar")');
    expect(await page.textContent('#note-meta')).toContain('1m at 2024-08-09T00:09:59.999Z');
    expect(await page.$$eval('#note-bars tbody tr', (rows) => rows.length)).toBe(30);
    expect(problems).toEqual([]);
  }, 60_000);
});
