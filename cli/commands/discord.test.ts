import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { sma5 } from '../../consumers/discord/testing/bot-fixture.js';
import { binanceKlines } from '../../pipeline/store/market-data-fixtures.js';
import { pgliteDataDir } from '../../pipeline/store/open-store.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { parseEnv } from '../../schemas/env.js';
import { runDiscordTry } from './discord.js';

describe('nexural discord try', () => {
  it('runs /price and /chart on the embedded store and prints them as Discord shows them, the PNG written to --out', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nexural-discord-try-'));
    try {
      const env = parseEnv({ NEXURAL_DATA_DIR: dataDir });
      const store = await openPgliteStore({ db: await PGlite.create({ dataDir: pgliteDataDir(env) }) });
      await store.migrate();
      const klines = binanceKlines();
      await store.write({ bars: klines, indicatorValues: sma5(klines) });
      await store.close();
      const last = klines.at(-1);

      const out = new PassThrough();
      await runDiscordTry(env, {}, '/price BTCUSDT', {}, out);
      const price = String(out.read());
      expect(price.split('\n').slice(0, 3)).toEqual([
        '┃',
        `┃ **BTCUSDT ${last?.close}**`,
        expect.stringMatching(/^┃ as of 2024-08-09T00:09:59\.999Z — stale: newest data is \d+ min old$/),
      ]);
      expect(price).toContain('┃ venue: binance-um');

      const chartOut = new PassThrough();
      const outDir = join(dataDir, 'out');
      await runDiscordTry(env, {}, '/chart BTCUSDT 1m indicators:sma(5) count:30', { out: outDir }, chartOut);
      const chart = String(chartOut.read());
      expect(chart).toContain('┃ [image attachment://BTCUSDT-1m.png]');
      expect(chart).toContain(`wrote ${join(outDir, 'BTCUSDT-1m.png')}`);
      const png = await readFile(join(outDir, 'BTCUSDT-1m.png'));
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 400_000);
});
