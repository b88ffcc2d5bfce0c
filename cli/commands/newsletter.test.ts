import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { startLoopbackSmtp } from '../../consumers/newsletter/testing/loopback-smtp.js';
import { binanceKlines } from '../../pipeline/store/market-data-fixtures.js';
import { pgliteDataDir } from '../../pipeline/store/open-store.js';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { sqlNewsletterArchive } from '../../pipeline/store/sql-newsletter-archive.js';
import { sqlNewsletterSubscribers } from '../../pipeline/store/sql-newsletter-subscribers.js';
import { parseEnv } from '../../schemas/env.js';
import { runNewsletterSend } from './newsletter.js';

describe('nexural newsletter send --now', () => {
  it('archives an edition and mails it to the confirmed subscribers over SMTP_URL', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nexural-newsletter-cli-'));
    const smtp = await startLoopbackSmtp();
    try {
      const env = parseEnv({ NEXURAL_DATA_DIR: dataDir });
      const pglite = await PGlite.create({ dataDir: pgliteDataDir(env) });
      const store = await openPgliteStore({ db: pglite });
      await store.migrate();
      const subscribers = sqlNewsletterSubscribers(pgliteDatabase(pglite));
      await subscribers.subscribe('ada@example.test', 'token-ada');
      await subscribers.confirm('token-ada');
      await store.close();

      const source = { SMTP_URL: smtp.url, NEWSLETTER_SECRET: 'a-secret-of-16-chars-or-more' };
      const out = new PassThrough();
      await runNewsletterSend(env, source, out);
      expect(String(out.read())).toMatch(/^ed-\d{8}T\d{9}Z: sent 1, already sent 0\n$/);
      expect(smtp.received.map((mail) => mail.subject)).toHaveLength(1);
      expect(smtp.received[0]?.headerLines.some((header) => header.key === 'list-unsubscribe-post')).toBe(
        true,
      );
    } finally {
      await smtp.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('nexural newsletter preview --out DIR', () => {
  it('writes the next edition as Markdown, HTML with the chart inline and the PNG, archiving nothing', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nexural-newsletter-preview-'));
    const out = join(dataDir, 'preview');
    try {
      const env = parseEnv({ NEXURAL_DATA_DIR: dataDir });
      const pglite = await PGlite.create({ dataDir: pgliteDataDir(env) });
      const store = await openPgliteStore({ db: pglite });
      await store.migrate();
      const klines = binanceKlines();
      await store.write({ bars: klines });
      const start = klines[0]?.openTime ?? 0;
      // the last edition ended at the first kline: the next covers the 30 klines up to now
      const archive = sqlNewsletterArchive(pgliteDatabase(pglite));
      await archive.save({
        id: 'ed-previous',
        periodStart: start - 86_400_000,
        periodEnd: start,
        subject: 'previous',
        bodyMarkdown: '# previous\n',
        status: 'draft',
        sentAt: null,
      });
      await archive.markSent('ed-previous', start);
      await pglite.query(
        "INSERT INTO users (id, email, display_name) VALUES ('ada', 'ada@example.test', 'Ada')",
      );
      await store.createNote(
        'ada',
        'btc-close',
        {
          title: 'BTC closes the day flat',
          body: 'The last hour gave back the spike.',
          tags: ['newsletter'],
          anchor: {
            venue: 'binance-um',
            symbol: 'BTCUSDT',
            interval: '1m',
            eventTime: start,
            sourceOffset: null,
          },
          idea: null,
        },
        { bars: [], indicators: [], takenAt: start },
      );
      await store.close();

      const childEnv: NodeJS.ProcessEnv = {
        ...process.env,
        NEXURAL_DATA_DIR: dataDir,
        NEWSLETTER_INTERVAL: '1m',
      };
      for (const name of ['DATABASE_URL', 'KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'REDIS_URL', 'SMTP_URL'])
        delete childEnv[name];
      const result = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'cli/main.ts', 'newsletter', 'preview', '--out', out],
        { cwd: repoRoot, encoding: 'utf8', env: childEnv },
      );
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const written = result.stdout.trim().split('\n');
      const id = /ed-\d{8}T\d{9}Z/.exec(result.stdout)?.[0] ?? 'missing';
      expect(written).toEqual([
        `wrote ${out}/BTCUSDT.png`,
        `wrote ${out}/${id}.md`,
        `wrote ${out}/${id}.html`,
      ]);
      expect((await readdir(out)).sort()).toEqual(['BTCUSDT.png', `${id}.html`, `${id}.md`]);

      const markdown = await readFile(join(out, `${id}.md`), 'utf8');
      expect(markdown).toContain('Covers 2024-08-08T23:40:00Z → ');
      expect(markdown).toContain('| binance-um:BTCUSDT | 61851.8 | 61419.2 | -0.70% |');
      expect(markdown).toContain(
        '## Selected notes\n\n### BTC closes the day flat · binance-um:BTCUSDT — by Ada\n\nThe last hour gave back the spike.\n',
      );
      const png = await readFile(join(out, 'BTCUSDT.png'));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      const html = await readFile(join(out, `${id}.html`), 'utf8');
      expect(html).toContain(`src="data:image/png;base64,${png.toString('base64')}"`);
      expect(html).not.toContain('cid:');

      // nothing archived: the last edition is still the previous one
      const reopened = await PGlite.create({ dataDir: pgliteDataDir(env) });
      try {
        expect((await sqlNewsletterArchive(pgliteDatabase(reopened)).latest())?.id).toBe('ed-previous');
      } finally {
        await reopened.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
