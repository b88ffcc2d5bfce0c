import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { chromium, type FrameLocator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newsletterService } from '../../consumers/newsletter/service.js';
import { binanceKlines } from '../../pipeline/store/market-data-fixtures.js';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { sqlEffectLedgerStore } from '../../pipeline/store/sql-effect-ledger.js';
import { sqlNewsletterArchive } from '../../pipeline/store/sql-newsletter-archive.js';
import { sqlNewsletterSubscribers } from '../../pipeline/store/sql-newsletter-subscribers.js';
import { pgliteSqlClient } from '../adapters/sql-client.js';
import { openApiHarness } from '../testing/api-harness.js';

const CHROMIUM = '/usr/bin/chromium';
/** the cells of the first row of the edition's Top movers table */
const moverCells = (edition: FrameLocator) =>
  edition.locator('h2:has-text("Top movers") + table tr').nth(1).locator('td');
const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url));

/** The newsletter preview page in headless Chromium against the API and the studio on PGlite. */
describe('newsletter preview page end to end (headless Chromium)', () => {
  it('shows the next edition with its chart, refreshes to a later one, archives nothing; without a key it says so', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    const pglite = await PGlite.create();
    const store = await openPgliteStore({ db: pglite });
    await store.migrate();
    const klines = binanceKlines();
    await store.write({ bars: klines });
    const db = pgliteDatabase(pglite);
    const archive = sqlNewsletterArchive(db);
    const subscribers = sqlNewsletterSubscribers(db);
    // the studio's clock: after the 15th kline, later after the 30th
    let now = (klines[14]?.openTime ?? 0) + 60_000;
    const service = newsletterService({
      reader: store,
      archive,
      subscribers,
      ledger: sqlEffectLedgerStore(db).forConsumer('newsletter'),
      mailer: null,
      settings: {
        from: 'letters@nexural.test',
        publicUrl: 'https://nexural.test',
        secret: null,
        interval: '1m',
      },
      now: () => now,
    });
    const harness = await openApiHarness(
      async () => ({ store, sql: pgliteSqlClient(pglite), destroy: () => store.close() }),
      { newsletter: { subscribers, archive, unsubscribeSecret: 'secret-of-16-chars+', studio: service } },
    );
    const url = await harness.app.listen({ host: '127.0.0.1', port: 0 });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`${url}/newsletter.html#key=${harness.keys.alice}`);
      await page.waitForSelector(
        '#status:text("Covers 2024-08-01T23:55:00.000Z → 2024-08-08T23:55:00.000Z")',
      );
      expect(await page.textContent('#subject')).toBe('Nexural market letter — 2024-08-08');
      const edition = page.frameLocator('#preview');
      expect(await edition.locator('h2').allTextContents()).toEqual(['Top movers', 'Volume leaders']);
      expect(await moverCells(edition).allTextContents()).toEqual([
        'binance-um:BTCUSDT',
        '61851.8',
        '61807.8',
        '-0.07%',
      ]);
      // the chart is the edition's PNG, inline, and the browser decoded it
      const chart = edition.locator('img[alt="BTCUSDT closes"]');
      expect(await chart.getAttribute('src')).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
      expect(
        await chart.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      ).toBeGreaterThan(0);
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'newsletter-preview.png') });

      now = (klines[29]?.openTime ?? 0) + 60_000;
      await page.click('#refresh');
      await page.waitForSelector('#status:text("→ 2024-08-09T00:10:00.000Z")');
      expect(await moverCells(edition).allTextContents()).toEqual([
        'binance-um:BTCUSDT',
        '61851.8',
        '61419.2',
        '-0.70%',
      ]);
      expect(await archive.latest()).toBeNull();

      const keyless = await browser.newPage();
      await keyless.goto(`${url}/newsletter.html`);
      await keyless.waitForSelector('#status:text("Open the dashboard with your API key first")');
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      await harness.close();
    }
  }, 120_000);
});
