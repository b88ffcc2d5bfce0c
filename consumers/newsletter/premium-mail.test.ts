import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlEffectLedgerStore } from '../../pipeline/store/sql-effect-ledger.js';
import { sqlNewsletterArchive } from '../../pipeline/store/sql-newsletter-archive.js';
import { sqlNewsletterSubscribers } from '../../pipeline/store/sql-newsletter-subscribers.js';
import { newsletterService } from './service.js';
import { editionId } from './studio.js';
import { type LoopbackSmtp, startLoopbackSmtp } from './testing/loopback-smtp.js';
import { fixtureWindow, readersFixture } from './testing/readers-fixture.js';

let fixture: Awaited<ReturnType<typeof readersFixture>>;
let smtp: LoopbackSmtp;
beforeAll(async () => {
  fixture = await readersFixture();
  smtp = await startLoopbackSmtp();
}, 240_000);
afterAll(async () => {
  await smtp?.close();
  await fixture?.close();
});

const headings = (text: string) => text.split('\n').filter((line) => line.startsWith('## '));
const shared = ['## Top movers', '## Volume leaders'];

describe('premium sections by plan, as mailed through a real SMTP server', () => {
  it('a Pro subscriber receives signals, strategy P&L and notes; a free user and a plain address do not', async () => {
    const archive = sqlNewsletterArchive(fixture.db);
    const subscribers = sqlNewsletterSubscribers(fixture.db);
    // the previous edition ended where the fixture's window starts, so this one covers exactly that day
    const previous = editionId(fixtureWindow.from);
    await archive.save({
      id: previous,
      periodStart: fixtureWindow.from - 86_400_000,
      periodEnd: fixtureWindow.from,
      subject: 'previous',
      bodyMarkdown: '# previous\n',
      status: 'draft',
      sentAt: null,
    });
    await archive.markSent(previous, fixtureWindow.from);
    for (const email of ['alice@example.test', 'bob@example.test', 'carol@example.test']) {
      await subscribers.subscribe(email, `token-${email}`);
      await subscribers.confirm(`token-${email}`);
    }
    const transport = createTransport(smtp.url);
    const service = newsletterService({
      reader: fixture.store,
      archive,
      subscribers,
      ledger: sqlEffectLedgerStore(fixture.db).forConsumer('newsletter'),
      mailer: transport,
      readers: fixture.readers,
      settings: {
        from: 'letters@nexural.test',
        publicUrl: 'https://nexural.test',
        secret: 'secret-of-16-chars+',
        interval: '5m',
      },
      now: () => fixtureWindow.to,
    });
    try {
      const sent = await service.send();
      expect(sent?.outcomes.map((outcome) => [outcome.to, outcome.kind])).toEqual([
        ['alice@example.test', 'sent'],
        ['bob@example.test', 'sent'],
        ['carol@example.test', 'sent'],
      ]);
    } finally {
      transport.close();
    }
    const mailTo = (email: string) => {
      const mail = smtp.received.find(
        (received) => received.to && 'text' in received.to && received.to.text === email,
      );
      if (!mail) throw new Error(`no mail to ${email}`);
      return mail;
    };
    const [alice, bob, carol] = ['alice@example.test', 'bob@example.test', 'carol@example.test'].map(mailTo);
    if (!alice || !bob || !carol) throw new Error('missing mail');

    expect(headings(alice.text ?? '')).toEqual([
      ...shared,
      '## Your watchlist',
      '## Indicator signals (5m)',
      '## Strategy P&L',
      '## Selected notes',
    ]);
    expect(alice.text).toContain(
      '| close-ema | binance:XRPETH | 43 | 4 | -509.0032 | 9647.947 → 9140.6075 (-5.26%) |',
    );
    expect(alice.text).toContain('- 2019-10-12T19:00:00Z binance:XRPETH — rsi(14) overbought at 77.7');
    expect(alice.html).toContain('Strategy P&amp;L');
    expect(alice.html).toContain('XRPETH holds its range · binance:XRPETH (long idea) — by Alice');

    expect(headings(bob.text ?? '')).toEqual([...shared, '## Your watchlist']);
    expect(headings(carol.text ?? '')).toEqual(shared);
    for (const free of [bob, carol]) {
      const html = String(free.html);
      for (const premium of [
        'Indicator signals',
        'Strategy P&amp;L',
        'Selected notes',
        'XRPETH holds its range',
        'overbought',
      ])
        expect(html).not.toContain(premium);
      expect(free.text).not.toContain('close-ema');
    }
    expect(bob.text).toContain('| binance:XRPETH | 0.00151451 | +2.32% |');

    // the parts every plan shares: the same subject, chart (CID inline PNG) and a one-click unsubscribe each
    for (const mail of [alice, bob, carol]) {
      expect(mail.subject).toBe('Nexural market letter — 2019-10-13');
      expect(mail.attachments.map((attachment) => [attachment.contentType, attachment.cid])).toEqual([
        ['image/png', 'chart-binance-XRPETH@nexural'],
      ]);
      expect(mail.headerLines.find((header) => header.key === 'list-unsubscribe-post')?.line).toBe(
        'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
      );
    }
    // the public archive has the edition without the premium sections
    const stored = await archive.get(editionId(fixtureWindow.to));
    expect(headings(stored?.bodyMarkdown ?? '')).toEqual(shared);
  }, 240_000);
});
