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
  it("runs /price and /chart on the embedded store and prints them as Discord shows them, the PNG written to --out; --user reads the Discord user's link from the store's discord_links", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nexural-discord-try-'));
    try {
      const env = parseEnv({ NEXURAL_DATA_DIR: dataDir });
      const db = await PGlite.create({ dataDir: pgliteDataDir(env) });
      const store = await openPgliteStore({ db });
      await store.migrate();
      const klines = binanceKlines();
      await store.write({ bars: klines, indicatorValues: sma5(klines) });
      await db.query("INSERT INTO users (id) VALUES ('alice')");
      await db.query("INSERT INTO discord_links (discord_user_id, owner) VALUES ('4242', 'alice')");
      await store.putWatchlist('alice', 'majors', {
        name: 'Majors',
        position: 0,
        sections: [{ name: '', items: [{ venue: 'binance-um', symbol: 'BTCUSDT', note: '' }] }],
      });
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

      const asUser = async (options: { user?: string; as?: string }) => {
        const replyOut = new PassThrough();
        await runDiscordTry(env, {}, '/watchlist show', options, replyOut);
        return String(replyOut.read());
      };
      const linked = await asUser({ user: '4242' });
      expect(linked).toContain('**Majors** (`majors`)');
      expect(linked).toContain('  • binance-um:BTCUSDT');
      expect(await asUser({ user: '4243' })).toContain('link your Nexural account first');
      expect(await asUser({})).toContain('link your Nexural account first');
      expect(await asUser({ as: 'alice' })).toContain('**Majors** (`majors`)');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 400_000);
});
