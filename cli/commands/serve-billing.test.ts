import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeStripe, startFakeStripe } from '../../api/testing/fake-stripe.js';
import { type RunningServer, startServer } from './serve.js';

const base = { NEXURAL_PARTITIONS: 1, API_HOST: '127.0.0.1', API_PORT: 0, KAFKA_CLIENT_ID: 'nexural' };

describe('nexural serve with and without Stripe', () => {
  let fake: FakeStripe;
  const lines: string[] = [];
  const output = new Writable({
    write: (chunk, _encoding, done) => {
      lines.push(String(chunk));
      done();
    },
  });
  const folders: string[] = [];
  const servers: RunningServer[] = [];
  const serve = async (env: Record<string, string>) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nexural-billing-'));
    folders.push(dataDir);
    const server = await startServer(
      { pipeline: false, consumers: false },
      { ...base, ...env, NEXURAL_DATA_DIR: dataDir },
      output,
    );
    servers.push(server);
    return server;
  };
  const signUp = async (server: RunningServer, email: string) =>
    (
      await server.app.inject({
        method: 'POST',
        url: '/v1/auth/sign-up',
        payload: { email, password: 'a long password' },
      })
    ).json().token as string;

  beforeAll(async () => {
    fake = await startFakeStripe();
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    await fake.close();
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  });

  it('without Stripe: billing routes 503, everyone keeps every feature (default plan = highest)', async () => {
    const server = await serve({});
    const token = await signUp(server, 'nobill@example.com');
    const auth = { authorization: `Bearer ${token}` };
    const checkout = await server.app.inject({
      method: 'POST',
      url: '/v1/billing/checkout',
      headers: auth,
      payload: {},
    });
    expect(checkout.statusCode).toBe(503);
    expect(checkout.json().error.code).toBe('NXR_BILLING_NOT_CONFIGURED');
    const plan = (await server.app.inject({ url: '/v1/billing/entitlements', headers: auth })).json();
    expect(plan).toMatchObject({ plan: 'pro', source: 'fallback', dataDelayMs: 0 });
    expect(lines.join('')).toContain('billing off (no Stripe) · users without a plan get "pro"');
  }, 120_000);

  it('with STRIPE_* set: new users are free and checkout reaches Stripe (here the local fake)', async () => {
    const server = await serve({
      STRIPE_SECRET_KEY: 'sk_test_serve',
      STRIPE_WEBHOOK_SECRET: 'whsec_serve',
      STRIPE_API_URL: fake.url,
    });
    const token = await signUp(server, 'bill@example.com');
    const auth = { authorization: `Bearer ${token}` };
    expect(
      (await server.app.inject({ url: '/v1/billing/entitlements', headers: auth })).json(),
    ).toMatchObject({ plan: 'free' });
    const checkout = await server.app.inject({
      method: 'POST',
      url: '/v1/billing/checkout',
      headers: auth,
      payload: {},
    });
    expect(checkout.statusCode).toBe(201);
    expect(fake.requests).toEqual(['POST /v1/customers', 'GET /v1/prices', 'POST /v1/checkout/sessions']);
  }, 120_000);
});
