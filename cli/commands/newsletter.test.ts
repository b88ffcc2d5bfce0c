import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { startLoopbackSmtp } from '../../consumers/newsletter/testing/loopback-smtp.js';
import { pgliteDataDir } from '../../pipeline/store/open-store.js';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
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
