import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { binanceKlines } from '../../pipeline/store/market-data-fixtures.js';
import { sqlStrategyStore } from '../../pipeline/store/sql-strategy-store.js';
import type { StoredFill } from '../../schemas/ports/strategies.js';
import { bearer, openApiHarness, pgliteTestDatabase } from '../testing/api-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url));

/** A long on Binance's real 1m BTCUSDT klines (what the page shows comes from the rows below). */
const strategy = {
  name: 'btc-ema',
  venue: 'binance-um',
  symbol: 'BTCUSDT',
  interval: '1m',
  entry: {
    source: { kind: 'bar', field: 'close' },
    operator: 'crossing_up',
    value: { kind: 'indicator', spec: 'ema(5)', output: 'value' },
  },
  size: { quote: 1000 },
  feeBps: 5,
};

/** The strategies page in headless Chromium against the API on PGlite, with what the live consumer wrote. */
describe('strategies page end to end (headless Chromium)', () => {
  it('shows metrics, the open position, the fills marked on the candles and the equity and drawdown curves', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    const harness = await openApiHarness(pgliteTestDatabase, ({ sql }) => ({
      strategies: sqlStrategyStore(sql),
    }));
    const store = sqlStrategyStore(harness.sql);
    const klines = binanceKlines();
    await harness.store.write({ bars: klines });
    const url = await harness.app.listen({ host: '127.0.0.1', port: 0 });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    try {
      const created = await harness.app.inject({
        method: 'POST',
        url: '/v1/strategies',
        headers: bearer(harness.keys.alice),
        payload: { id: 'alice-btc', strategy },
      });
      expect(created.statusCode).toBe(201);
      // what the live consumer writes: a round trip stopped out 0.2 % lower, then an entry still open
      const bar = (index: number) =>
        klines[index] ??
        (() => {
          throw new Error(`no kline ${index}`);
        })();
      const base = {
        strategyId: 'alice-btc',
        owner: 'alice',
        symbol: 'BTCUSDT',
        positionSide: 'long' as const,
      };
      const quantity = 1000 / bar(6).open;
      const fills: StoredFill[] = [
        {
          ...base,
          seq: 1,
          time: bar(6).openTime + 150,
          side: 'buy',
          quantity,
          price: bar(6).open,
          fee: 0.5,
          reason: 'entry',
          pnl: null,
        },
        {
          ...base,
          seq: 2,
          time: bar(12).openTime + 2_000,
          side: 'sell',
          quantity,
          price: bar(6).open * 0.998,
          fee: 0.499,
          reason: 'stop_loss',
          pnl: -2.999,
        },
        {
          ...base,
          seq: 3,
          time: bar(20).openTime + 700,
          side: 'buy',
          quantity,
          price: bar(20).open,
          fee: 0.5,
          reason: 'entry',
          pnl: null,
        },
      ];
      await store.recordFills(fills);
      const equity = klines.slice(5, 29).map((kline, index) => ({
        time: kline.closeTime,
        equity: 10_000 - (index >= 7 ? 2.999 : index) - (index >= 15 ? index - 15 : 0),
        position: index >= 15 ? quantity : 0,
      }));
      await store.recordEquity('alice-btc', 'alice', equity);
      await store.saveCheckpoint('alice-btc', 'alice', {
        state: '{}',
        offsets: {},
        positions: [
          {
            symbol: 'BTCUSDT',
            side: 'long',
            size: quantity,
            entryTime: fills[2]?.time ?? 0,
            entryPrice: bar(20).open,
            entryFee: 0.5,
          },
        ],
      });

      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('response', (response) => {
        if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
      });
      await page.goto(`${url}/strategies.html#key=${harness.keys.alice}`);
      await page.waitForSelector(
        '#status:text("btc-ema: 3 fill(s), 1 open position(s), 24 equity point(s)")',
      );
      expect(await page.textContent('#strategies tr[data-id="alice-btc"]')).toContain(
        'binance-um BTCUSDT 1m',
      );
      expect(await page.textContent('#positions tr[data-symbol="BTCUSDT"]')).toContain(String(bar(20).open));
      expect(await page.textContent('#metrics tr[data-metric="trades"]')).toContain('1');
      const drawn = (await page.evaluate('window.nexuralStrategies')) as Record<string, number>;
      // the candles around the fills and equity (first kline 23:40, equity from 23:45), each fill marked once
      expect(drawn).toEqual({ marks: 3, candles: 30, equityPoints: 24, drawdownPoints: 24 });
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'strategies.png'), fullPage: true });
      expect(problems).toEqual([]);

      // bob sees none of it
      const bobs = await browser.newPage();
      await bobs.goto(`${url}/strategies.html#key=${harness.keys.bob}`);
      await bobs.waitForSelector('#status:text("0 strategies")');
    } finally {
      await browser.close();
      await harness.close();
    }
  }, 180_000);
});
