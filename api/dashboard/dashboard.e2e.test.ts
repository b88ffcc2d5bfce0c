import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../cli/commands/serve.js';

const CHROMIUM = '/usr/bin/chromium';
/** Screenshots land here (gitignored): look at them after a run. */
const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url));

/**
 * The whole main job in one process — embedded log, processor, store sink into PGlite, in-process fan-out,
 * the demo feed of real Binance trades, the API — driven through the dashboard in headless Chromium.
 */
describe('dashboard end to end (headless Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    dataDir = await mkdtemp(join(tmpdir(), 'nexural-e2e-'));
    const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
    server = await startServer(
      { demo: true, speed: 100 },
      {
        NEXURAL_DATA_DIR: dataDir,
        NEXURAL_PARTITIONS: 2,
        API_HOST: '127.0.0.1',
        API_PORT: 0,
        KAFKA_CLIENT_ID: 'nexural',
      },
      quiet,
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('shows live bar updates, then the alert of a rule created in the page', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        problems.push(message.text());
      }
    });
    // Only "no bars yet" may answer 404 (a series the pipeline has not written to yet).
    page.on('response', (response) => {
      if (response.status() >= 400 && !/\/bars\/\w+\/latest$/.test(response.url())) {
        problems.push(`${response.status()} ${response.url()}`);
      }
    });
    await page.goto(server.dashboardUrl ?? server.url);
    await page.waitForSelector('#main:not([hidden])');
    // Evaluated in the page (window.nexural is the dashboard's state).
    await page.waitForFunction('window.nexural.barsReceived >= 3', null, { timeout: 60_000 });
    expect(Number(await page.textContent('#live-bars'))).toBeGreaterThanOrEqual(3);

    // A price rule that holds on the next trade: it reaches the running processor through the rules topic.
    await page.fill('#rule-form [name="id"]', 'e2e-above-one');
    await page.selectOption('#rule-form [name="operator"]', 'greater_than');
    await page.fill('#rule-form [name="value"]', '1');
    await page.selectOption('#rule-form [name="frequency"]', 'once');
    await page.fill('#rule-form [name="message"]', '{{symbol}} traded at {{value}}, above {{threshold}}');
    await page.click('#rule-form button[type="submit"]');
    await page.waitForSelector('#rules li[data-rule="e2e-above-one"]');
    const fired = page.locator('#alerts li[data-rule="e2e-above-one"]', { hasText: 'traded at' });
    await fired.waitFor({ timeout: 60_000 });
    expect(await fired.textContent()).toMatch(/BTCUSDT traded at [\d.]+, above 1/);

    // Enough bars for SMA(20) and RSI(14) to be drawn in the screenshot.
    await page.waitForFunction(
      'window.nexural.barsOnChart >= 35 && window.nexural.indicatorPoints > 0',
      null,
      {
        timeout: 60_000,
      },
    );
    await page.evaluate('window.scrollTo(0, 0)');
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png') });

    // The rule form offers a series wherever it offers a number: price, a bar field, any registry output.
    const kinds = await page.$$eval('#rule-form [name="valueKind"] option', (options) =>
      options.map((option) => (option as unknown as { value: string }).value),
    );
    expect(kinds).toEqual(['number', 'price', 'bar', 'indicator']);
    for (const name of ['source', 'lowerKind', 'upperKind']) {
      expect(
        await page.$$eval(`#rule-form [name="${name}"] option`, (options) => options.length),
      ).toBeGreaterThanOrEqual(3);
    }
    expect(await page.$$eval('#indicator-specs option', (options) => options.length)).toBe(21);
    await page.selectOption('#rule-form [name="valueKind"]', 'indicator');
    await page.fill('#rule-form [name="valueSpec"]', 'macd(12,26,9)');
    expect(
      await page.$$eval('#rule-form [name="valueOutput"] option', (options) =>
        options.map((option) => (option as unknown as { value: string }).value),
      ),
    ).toEqual(['macd', 'signal', 'hist']);

    // "Test on history": price crossing its SMA(5) over the bars on the chart, marked on the candles.
    await page.selectOption('#rule-form [name="source"]', 'price');
    await page.selectOption('#rule-form [name="operator"]', 'crossing');
    await page.fill('#rule-form [name="valueSpec"]', 'sma(5)');
    await page.selectOption('#rule-form [name="valueOutput"]', 'value');
    await page.selectOption('#rule-form [name="frequency"]', 'once_per_bar');
    await page.fill('#rule-form [name="id"]', 'e2e-price-x-sma5');
    await page.click('#rule-test');
    await page.waitForFunction('window.nexural.testAlerts !== null', null, { timeout: 60_000 });
    const tested = (await page.evaluate(
      '({ alerts: window.nexural.testAlerts, markers: window.nexural.testMarkers })',
    )) as {
      alerts: number;
      markers: number;
    };
    expect(tested.alerts).toBeGreaterThan(0);
    expect(tested.markers).toBe(tested.alerts);
    expect(await page.textContent('#rule-test-result')).toMatch(
      /^\d+ alerts on the chart's history \(\d+ bar ticks\)/,
    );
    expect(await page.locator('#rules li[data-rule="e2e-price-x-sma5"]').count()).toBe(0); // a test saves nothing
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-rule-test.png') });

    // Opened again, the alerts panel shows the stored alerts at once (the sink may lag the first firing).
    const again = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    again.on('pageerror', (error) => problems.push(error.message));
    let stored = 0;
    for (let attempt = 0; attempt < 30 && stored === 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
      await again.goto(server.dashboardUrl ?? server.url);
      await again.waitForSelector('#main:not([hidden])');
      await again.waitForFunction('window.nexural.series !== null');
      stored = Number(await again.evaluate('window.nexural.storedAlerts'));
    }
    expect(stored).toBeGreaterThan(0);
    // live alerts (resumed after the last one this browser saw) go on top and may push old ones out of the list
    const shown = await again.locator('#alerts li.stored').count();
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThanOrEqual(stored);
    // newest first, as GET /v1/alerts/events answers without a range
    const times = (await again.locator('#alerts li.stored time').allTextContents()).map((text) =>
      text.slice(0, 19),
    );
    expect(times).toEqual([...times].sort().reverse());
    expect(problems).toEqual([]);
  }, 180_000);
});
