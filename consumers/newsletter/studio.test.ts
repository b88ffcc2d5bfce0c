import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createTransport } from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { binanceKlines } from '../../pipeline/store/market-data-fixtures.js';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { sqlEffectLedgerStore } from '../../pipeline/store/sql-effect-ledger.js';
import { sqlNewsletterArchive } from '../../pipeline/store/sql-newsletter-archive.js';
import { sqlNewsletterSubscribers } from '../../pipeline/store/sql-newsletter-subscribers.js';
import { prepareEdition, sendPrepared, writePreview } from './studio.js';
import { startLoopbackSmtp } from './testing/loopback-smtp.js';

const settings = { from: 'letters@nexural.test', publicUrl: 'https://nexural.test', unsubscribeSecret: 's' };

describe('newsletter studio', () => {
  it('prepares back-to-back editions, previews them to files and sends only to confirmed subscribers', async () => {
    const pglite = await PGlite.create();
    const store = await openPgliteStore({ db: pglite });
    await store.migrate();
    const klines = binanceKlines();
    await store.write({ bars: klines });
    const db = pgliteDatabase(pglite);
    const archive = sqlNewsletterArchive(db);
    const subscribers = sqlNewsletterSubscribers(db);
    await subscribers.subscribe('ada@example.test', 'ok-ada');
    await subscribers.confirm('ok-ada');
    await subscribers.subscribe('pending@example.test', 'never-confirmed');
    const smtp = await startLoopbackSmtp();
    const dir = await mkdtemp(join(tmpdir(), 'nexural-newsletter-preview-'));
    try {
      const end = (klines[14]?.openTime ?? 0) + 60_000;
      const first = await prepareEdition(store, archive, end, { interval: '1m' });
      expect(first?.stored).toMatchObject({
        periodStart: end - 7 * 86_400_000,
        periodEnd: end,
        status: 'draft',
      });
      expect(first?.edition.topMovers[0]?.close).toBe(klines[14]?.close);
      // An unsent draft is resumed, not replaced by a wider one.
      expect((await prepareEdition(store, archive, end + 60_000, { interval: '1m' }))?.stored.id).toBe(
        first?.stored.id,
      );
      if (!first) throw new Error('no edition');

      const files = await writePreview(first, dir, settings);
      expect(files.map((file) => basename(file))).toEqual([
        'BTCUSDT.png',
        `${first.stored.id}.md`,
        `${first.stored.id}.html`,
      ]);
      const html = await readFile(join(dir, `${first.stored.id}.html`), 'utf8');
      expect(html).toContain('src="data:image/png;base64,iVBORw0KGgo');
      expect(html).not.toContain('cid:');

      const transport = createTransport(smtp.url);
      const ledger = sqlEffectLedgerStore(db).forConsumer('newsletter');
      const ports = { archive, subscribers, ledger, sender: transport };
      const outcomes = await sendPrepared(first, ports, settings, () => end + 5_000);
      expect(outcomes.map((o) => [o.to, o.kind])).toEqual([['ada@example.test', 'sent']]);
      expect(smtp.received.map((mail) => mail.subject)).toEqual(['Nexural market letter — 2024-08-08']);
      expect(await archive.get(first.stored.id)).toMatchObject({ status: 'sent', sentAt: end + 5_000 });

      const later = (klines[29]?.openTime ?? 0) + 60_000;
      const second = await prepareEdition(store, archive, later, { interval: '1m' });
      expect(second?.stored).toMatchObject({ periodStart: end, periodEnd: later });
      expect(second?.edition.topMovers[0]).toMatchObject({
        open: klines[15]?.open,
        close: klines[29]?.close,
      });
      transport.close();
    } finally {
      await smtp.close();
      await rm(dir, { recursive: true, force: true });
      await store.close();
    }
  }, 60_000);
});
