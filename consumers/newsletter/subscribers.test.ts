import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { loadMigrations } from '../../pipeline/store/migration-files.js';
import { migrate } from '../../pipeline/store/migrator.js';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { sqlNewsletterSubscribers } from '../../pipeline/store/sql-newsletter-subscribers.js';
import { unsubscribeToken, verifyUnsubscribeToken } from './unsubscribe-token.js';

describe('newsletter subscribers (double opt-in)', () => {
  it('receives editions only after confirming, and stops after the signed unsubscribe', async () => {
    const db = pgliteDatabase(await PGlite.create());
    await migrate(db, await loadMigrations());
    const subscribers = sqlNewsletterSubscribers(db);

    expect(await subscribers.subscribe('Ada@Example.test', 'confirm-ada')).toBe('pending');
    expect(await subscribers.subscribe('bob@example.test', 'confirm-bob')).toBe('pending');
    expect(await subscribers.active()).toEqual([]);
    expect(await subscribers.confirm('not-a-token')).toBeNull();
    expect(await subscribers.confirm('confirm-ada')).toBe('ada@example.test');
    expect(await subscribers.confirm('confirm-ada')).toBeNull(); // used
    expect(await subscribers.active()).toEqual(['ada@example.test']);
    // Signing up again while active keeps the address active and needs no new confirmation.
    expect(await subscribers.subscribe('ada@example.test', 'confirm-ada-2')).toBe('active');
    expect(await subscribers.confirm('confirm-ada-2')).toBeNull();

    const email = verifyUnsubscribeToken('secret', unsubscribeToken('secret', 'ada@example.test'));
    expect(email).toBe('ada@example.test');
    expect(await subscribers.unsubscribe(email ?? '')).toBe(true);
    expect(await subscribers.unsubscribe('ada@example.test')).toBe(false);
    expect(await subscribers.status('ada@example.test')).toBe('unsubscribed');
    expect(await subscribers.active()).toEqual([]);
    // A later sign-up starts a new opt-in rather than resuming silently.
    expect(await subscribers.subscribe('ada@example.test', 'confirm-ada-3')).toBe('pending');
    expect(await subscribers.confirm('confirm-ada-3')).toBe('ada@example.test');
    expect(await subscribers.active()).toEqual(['ada@example.test']);
    await db.close();
  }, 60_000);
});
