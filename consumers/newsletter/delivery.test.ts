import { PGlite } from '@electric-sql/pglite';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binanceKlines } from '../../pipeline/store/market-data-fixtures.js';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { sqlEffectLedgerStore } from '../../pipeline/store/sql-effect-ledger.js';
import type { Store } from '../../schemas/ports/store.js';
import { deliverEdition } from './deliver.js';
import { computeEdition, type Edition } from './edition.js';
import { editionMessage } from './message.js';
import { type LoopbackSmtp, startLoopbackSmtp } from './testing/loopback-smtp.js';
import { verifyUnsubscribeToken } from './unsubscribe-token.js';

const secret = 'test-unsubscribe-secret';
const klines = binanceKlines();
let db: PGlite;
let store: Store;
let smtp: LoopbackSmtp;
let edition: Edition;

beforeAll(async () => {
  db = await PGlite.create();
  store = await openPgliteStore({ db });
  await store.migrate();
  await store.write({ bars: klines });
  const from = klines[0]?.openTime ?? 0;
  edition = await computeEdition(store, { from, to: from + 30 * 60_000 }, { interval: '1m' });
  smtp = await startLoopbackSmtp();
}, 60_000);
afterAll(async () => {
  await smtp.close();
  await store.close();
});

describe('newsletter over a real SMTP server on loopback', () => {
  it('delivers HTML + text with inline PNG charts and a one-click unsubscribe that verifies, once per recipient', async () => {
    const ledger = sqlEffectLedgerStore(pgliteDatabase(db)).forConsumer('newsletter-test');
    const transport = createTransport(smtp.url);
    const recipients = ['ada@example.test', 'bob@example.test'];
    const message = (to: string, messageId: string) =>
      editionMessage(edition, {
        from: 'letters@nexural.test',
        to,
        publicUrl: 'https://nexural.test/',
        unsubscribeSecret: secret,
        messageId,
      });
    const first = await deliverEdition(ledger, transport, 'ed-1', recipients, message);
    expect(first.map((o) => [o.to, o.kind])).toEqual([
      ['ada@example.test', 'sent'],
      ['bob@example.test', 'sent'],
    ]);
    expect(smtp.received).toHaveLength(2);

    for (const [index, mail] of smtp.received.entries()) {
      const to = recipients[index] ?? '';
      expect(mail.subject).toBe('Nexural market letter — 2024-08-09');
      expect(mail.messageId).toBe(first[index]?.messageId);
      expect(mail.text).toContain('## Top movers');
      expect(mail.text).toContain('| binance-um:BTCUSDT |');
      expect(mail.html).toContain('cid:chart-binance-um-BTCUSDT@nexural');
      const [chart] = mail.attachments;
      expect(chart?.contentType).toBe('image/png');
      expect(chart?.cid).toBe('chart-binance-um-BTCUSDT@nexural');
      expect(chart?.related).toBe(true);
      expect(chart?.content.subarray(0, 8)).toEqual(
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      );
      expect(chart?.content.readUInt32BE(16)).toBe(480); // IHDR width
      // unfolded (RFC 5322 §2.2.3): the long URL header arrives folded onto a second line
      const raw = new Map(
        mail.headerLines.map((header) => [header.key, header.line.replace(/\r\n(?=[ \t])/g, '')]),
      );
      expect(raw.get('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
      const link = /^List-Unsubscribe:\s*<([^>]+)>$/.exec(raw.get('list-unsubscribe') ?? '')?.[1] ?? '';
      const url = new URL(link);
      expect(url.origin + url.pathname).toBe('https://nexural.test/v1/newsletters/unsubscribe');
      const token = url.searchParams.get('token') ?? '';
      expect(verifyUnsubscribeToken(secret, token)).toBe(to);
      expect(verifyUnsubscribeToken('another-secret', token)).toBeNull();
      expect(mail.html).toContain(url.href.replaceAll('&', '&amp;'));
    }

    const again = await deliverEdition(
      ledger,
      transport,
      'ed-1',
      [...recipients, 'cy@example.test'],
      message,
    );
    expect(again.map((o) => [o.to, o.kind])).toEqual([
      ['ada@example.test', 'already-sent'],
      ['bob@example.test', 'already-sent'],
      ['cy@example.test', 'sent'],
    ]);
    expect(smtp.received.map((mail) => mail.to && !Array.isArray(mail.to) && mail.to.text)).toEqual([
      'ada@example.test',
      'bob@example.test',
      'cy@example.test',
    ]);
    transport.close();
  }, 30_000);
});
