import { PGlite } from '@electric-sql/pglite';
import { createTransport } from 'nodemailer';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { pgliteSqlClient } from '../../api/adapters/sql-client.js';
import { bearer, openApiHarness } from '../../api/testing/api-harness.js';
import { binanceKlines } from '../../pipeline/store/market-data-fixtures.js';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { sqlEffectLedgerStore } from '../../pipeline/store/sql-effect-ledger.js';
import { sqlNewsletterArchive } from '../../pipeline/store/sql-newsletter-archive.js';
import { sqlNewsletterSubscribers } from '../../pipeline/store/sql-newsletter-subscribers.js';
import { newWebhookSecret } from '../automation/webhook-signing.js';
import { discordEditionChannel, openAiSummarizer, webhookEditionChannel } from './channels.js';
import { newsletterService } from './service.js';
import { startFakeDiscord, startFakeOpenAi } from './testing/fake-http.js';
import { startLoopbackSmtp } from './testing/loopback-smtp.js';

const summaryText = 'BTCUSDT closed the window higher; no alert fired.';

async function studioOn(options: { readonly withSummary: boolean }) {
  const pglite = await PGlite.create();
  const store = await openPgliteStore({ db: pglite });
  await store.migrate();
  const klines = binanceKlines();
  await store.write({ bars: klines });
  const end = (klines[14]?.openTime ?? 0) + 60_000;
  const db = pgliteDatabase(pglite);
  const smtp = await startLoopbackSmtp();
  const openai = await startFakeOpenAi(summaryText);
  const discord = await startFakeDiscord();
  const hookSecret = newWebhookSecret();
  const hooks: { headers: Record<string, string>; body: string }[] = [];
  const receiver = await startReceiver(hooks);
  const transport = createTransport(smtp.url);
  const archive = sqlNewsletterArchive(db);
  const subscribers = sqlNewsletterSubscribers(db);
  const service = newsletterService({
    reader: store,
    archive,
    subscribers,
    ledger: sqlEffectLedgerStore(db).forConsumer('newsletter'),
    mailer: transport,
    summarize: options.withSummary
      ? openAiSummarizer({ apiKey: 'sk-test', baseURL: `${openai.url}/v1`, model: 'gpt-test' })
      : null,
    channels: [
      discordEditionChannel({
        token: 'bot-token-for-tests',
        channelId: '123456789012',
        publicUrl: 'https://nexural.test',
        api: `${discord.url}/api`,
      }),
      webhookEditionChannel({ url: receiver.url, secret: hookSecret, now: () => Date.now() }),
    ],
    settings: {
      from: 'letters@nexural.test',
      publicUrl: 'https://nexural.test',
      secret: 'secret-of-16-chars+',
      interval: '1m',
    },
    now: () => end,
  });
  const harness = await openApiHarness(
    async () => ({ store, sql: pgliteSqlClient(pglite), destroy: () => store.close() }),
    { newsletter: { subscribers, archive, unsubscribeSecret: 'secret-of-16-chars+', studio: service } },
  );
  return {
    harness,
    service,
    smtp,
    openai,
    discord,
    hooks,
    hookSecret,
    subscribers,
    async close() {
      transport.close();
      await harness.close();
      await smtp.close();
      await openai.close();
      await discord.close();
      await receiver.close();
    },
  };
}

async function startReceiver(into: { headers: Record<string, string>; body: string }[]) {
  const { createServer } = await import('node:http');
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      into.push({ headers: request.headers as Record<string, string>, body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/newsletter`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('newsletter service through the API', () => {
  it('double opt-in by mail, keyed preview with the LLM summary, send to mail + Discord + signed webhook, public archive', async () => {
    const studio = await studioOn({ withSummary: true });
    const { app } = studio.harness;
    try {
      const signUp = await app.inject({
        method: 'POST',
        url: '/v1/newsletters/subscribe',
        payload: { email: 'Ada@Example.test' },
      });
      expect(signUp.statusCode).toBe(202);
      expect(signUp.json()).toEqual({ email: 'ada@example.test', status: 'pending' });
      expect(studio.smtp.received).toHaveLength(1);
      const link = /https:\/\/nexural\.test(\/v1\/newsletters\/confirm\?token=[\w-]+)/.exec(
        studio.smtp.received[0]?.text ?? '',
      );
      expect(await studio.subscribers.active()).toEqual([]);
      const confirmed = await app.inject({ method: 'GET', url: link?.[1] ?? '/missing' });
      expect(confirmed.json()).toEqual({ confirmed: true, email: 'ada@example.test' });
      expect(await studio.subscribers.active()).toEqual(['ada@example.test']);
      const badSignUp = await app.inject({
        method: 'POST',
        url: '/v1/newsletters/subscribe',
        payload: { email: 'x' },
      });
      expect(badSignUp.json().error).toMatchObject({ code: 'NXR_BAD_VALUE' });

      expect((await app.inject({ method: 'GET', url: '/v1/newsletters/preview' })).statusCode).toBe(401);
      const preview = await app.inject({
        method: 'GET',
        url: '/v1/newsletters/preview',
        headers: bearer(studio.harness.keys.alice),
      });
      expect(preview.statusCode).toBe(200);
      expect(preview.json().markdown).toContain(`## Summary\n\n${summaryText}`);
      expect(preview.json().html).toContain('src="data:image/png;base64,iVBORw0KGgo');
      const request = JSON.parse(studio.openai.requests[0]?.body ?? '{}');
      expect(request.model).toBe('gpt-test');
      expect(request.messages[1].content).toContain('| binance-um:BTCUSDT | 61851.8 | 61807.8 | -0.07% |');
      expect((await app.inject({ method: 'GET', url: '/newsletters' })).body).toContain(
        'No edition has been sent yet.',
      );

      const sent = await studio.service.send();
      expect(sent?.outcomes.map((outcome) => [outcome.to, outcome.kind])).toEqual([
        ['ada@example.test', 'sent'],
      ]);
      const edition = studio.smtp.received[1];
      expect(edition?.text).toContain(summaryText);
      expect(studio.discord.requests).toHaveLength(1);
      expect(studio.discord.requests[0]?.headers.authorization).toBe('Bot bot-token-for-tests');
      expect(JSON.parse(studio.discord.requests[0]?.body ?? '{}').content).toContain(
        `https://nexural.test/newsletters/${sent?.editionId}`,
      );
      expect(studio.hooks).toHaveLength(1);
      const hook = studio.hooks[0];
      const verified = new Webhook(studio.hookSecret).verify(hook?.body ?? '', hook?.headers ?? {}) as {
        data: { id: string };
      };
      expect(verified.data.id).toBe(sent?.editionId);

      const index = await app.inject({ method: 'GET', url: '/newsletters' });
      expect(index.headers['content-type']).toContain('text/html');
      expect(index.body).toContain(`href="/newsletters/${sent?.editionId}"`);
      const page = await app.inject({ method: 'GET', url: `/newsletters/${sent?.editionId}` });
      expect(page.body).toContain(summaryText);
      // a second send covers nothing new: no mail, no post, no hook
      expect(await studio.service.send()).toBeNull();
      expect([studio.smtp.received.length, studio.discord.requests.length, studio.hooks.length]).toEqual([
        2, 1, 1,
      ]);
    } finally {
      await studio.close();
    }
  }, 240_000);

  it('without an OpenAI key the summary section is left out, not invented', async () => {
    const studio = await studioOn({ withSummary: false });
    try {
      const preview = await studio.service.preview();
      expect(preview?.markdown).toContain('## Top movers');
      expect(preview?.markdown).not.toContain('## Summary');
      expect(studio.openai.requests).toHaveLength(0);
    } finally {
      await studio.close();
    }
  }, 240_000);
});
