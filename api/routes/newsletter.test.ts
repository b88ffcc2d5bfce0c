import { PGlite } from '@electric-sql/pglite';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { editionMessage } from '../../consumers/newsletter/message.js';
import { loadMigrations } from '../../pipeline/store/migration-files.js';
import { migrate } from '../../pipeline/store/migrator.js';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { sqlNewsletterArchive } from '../../pipeline/store/sql-newsletter-archive.js';
import { sqlNewsletterSubscribers } from '../../pipeline/store/sql-newsletter-subscribers.js';
import { sendError } from '../errors.js';
import { newsletterRoutes } from './newsletter.js';

const secret = 'route-test-secret';

describe('newsletter routes', () => {
  it('confirms an opt-in, honours the one-click unsubscribe of a real message, refuses a forged token', async () => {
    const db = pgliteDatabase(await PGlite.create());
    await migrate(db, await loadMigrations());
    const subscribers = sqlNewsletterSubscribers(db);
    const archive = sqlNewsletterArchive(db);
    const app = Fastify();
    app.setErrorHandler(sendError);
    await app.register(newsletterRoutes, { subscribers, archive, unsubscribeSecret: secret });
    try {
      await subscribers.subscribe('ada@example.test', 'confirm-me');
      const confirmed = await app.inject({ method: 'GET', url: '/v1/newsletters/confirm?token=confirm-me' });
      expect(confirmed.json()).toEqual({ confirmed: true, email: 'ada@example.test' });
      expect(
        (await app.inject({ method: 'GET', url: '/v1/newsletters/confirm?token=confirm-me' })).statusCode,
      ).toBe(404);

      const empty = {
        window: { from: 0, to: 1 },
        interval: '1h',
        topMovers: [],
        volumeLeaders: [],
        alerts: [],
        signals: [],
        closes: new Map(),
        movements: new Map(),
        notes: [],
        watchlist: [],
        strategies: [],
      };
      const message = editionMessage(empty, {
        from: 'letters@nexural.test',
        to: 'ada@example.test',
        publicUrl: 'http://127.0.0.1',
        unsubscribeSecret: secret,
        messageId: '<m@test>',
      });
      const header = String((message.headers as Record<string, string>)['List-Unsubscribe']);
      const url = new URL(header.slice(1, -1));
      const forged = await app.inject({
        method: 'POST',
        url: `${url.pathname}?token=${url.searchParams.get('token')}x`,
      });
      expect(forged.statusCode).toBe(403);
      expect(forged.json().error.code).toBe('NXR_FORBIDDEN');
      expect(await subscribers.active()).toEqual(['ada@example.test']);

      const oneClick = await app.inject({
        method: 'POST',
        url: url.pathname + url.search,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
      });
      expect(oneClick.statusCode).toBe(200);
      expect(oneClick.json()).toEqual({ unsubscribed: true, email: 'ada@example.test' });
      expect(await subscribers.active()).toEqual([]);

      await archive.save({
        id: 'ed-1',
        periodStart: 0,
        periodEnd: 1000,
        subject: 'S',
        bodyMarkdown: '# S\n',
        status: 'draft',
        sentAt: null,
      });
      expect((await app.inject({ method: 'GET', url: '/v1/newsletters/archive/ed-1' })).statusCode).toBe(404);
      await archive.markSent('ed-1', 2000);
      expect((await app.inject({ method: 'GET', url: '/v1/newsletters/archive' })).json()).toEqual({
        items: [{ id: 'ed-1', periodStart: 0, periodEnd: 1000, subject: 'S', sentAt: 2000 }],
      });
      expect((await app.inject({ method: 'GET', url: '/v1/newsletters/archive/ed-1' })).body).toBe('# S\n');
    } finally {
      await app.close();
      await db.close();
    }
  }, 60_000);
});
