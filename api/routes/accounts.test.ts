import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, bearer, openApiHarness, pgliteTestDatabase } from '../testing/api-harness.js';

describe('accounts: e-mail + password', () => {
  let harness: ApiHarness;
  const links: { to: string; link: string }[] = [];
  beforeAll(async () => {
    harness = await openApiHarness(pgliteTestDatabase, {
      publicUrl: 'https://nexural.example.com/',
      passwordResets: { send: async ({ to, link }) => void links.push({ to, link }) },
    });
  }, 60_000);
  afterAll(() => harness.close());

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    harness.app.inject({ method: 'POST', url, payload: payload as object, headers });

  it('signs up, signs in, uses the session, and signs out', async () => {
    const signUp = await post('/v1/auth/sign-up', {
      email: 'Ada@Example.com',
      password: 'correct horse 1',
      displayName: 'Ada',
    });
    expect(signUp.statusCode).toBe(201);
    const { owner } = signUp.json();
    expect(owner).toMatch(/^usr_/);
    const again = await post('/v1/auth/sign-up', { email: 'ada@example.com', password: 'another password' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('NXR_CONFLICT');

    const wrong = await post('/v1/auth/sign-in', { email: 'ada@example.com', password: 'wrong horse 1' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.message).toBe('the e-mail or the password is wrong');
    const unknown = await post('/v1/auth/sign-in', { email: 'nobody@example.com', password: 'whatever1234' });
    expect(unknown.json().error.message).toBe('the e-mail or the password is wrong');

    const signIn = await post('/v1/auth/sign-in', { email: 'ADA@example.com', password: 'correct horse 1' });
    expect(signIn.statusCode).toBe(200);
    const { token } = signIn.json();
    // the dashboard keeps the sign-in token like an API key and trades it for short session tokens
    const short = await post('/v1/session', undefined, bearer(token));
    expect(short.json().owner).toBe(owner);
    expect(
      (await harness.app.inject({ url: '/v1/rules', headers: bearer(short.json().token) })).statusCode,
    ).toBe(200);
    const me = await harness.app.inject({ url: '/v1/me', headers: bearer(token) });
    expect(me.json().user).toEqual({ id: owner, email: 'ada@example.com', displayName: 'Ada' });
    expect((await post('/v1/auth/sign-out', undefined, bearer(token))).statusCode).toBe(204);
    const after = await harness.app.inject({ url: '/v1/me', headers: bearer(token) });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.message).toMatch(/the session ended/);
  });

  it('serves the sign-in and reset pages of the dashboard', async () => {
    const page = await harness.app.inject({ url: '/signin.html' });
    expect(page.body).toContain('data-route="/v1/auth/sign-up"');
    expect((await harness.app.inject({ url: '/reset-password.html' })).body).toContain(
      '/v1/auth/password-reset/confirm',
    );
    expect((await harness.app.inject({ url: '/account.js' })).statusCode).toBe(200);
  });

  it('refuses a short password and a malformed e-mail, naming the field', async () => {
    const short = await post('/v1/auth/sign-up', { email: 'bea@example.com', password: 'short' });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.message).toMatch(/body\.password: must have at least 10 characters/);
    const email = await post('/v1/auth/sign-up', { email: 'bea', password: 'long enough pass' });
    expect(email.json().error.message).toMatch(/body\.email: must be an e-mail address/);
  });

  it('resets a password by a signed link that works once and ends the old sessions', async () => {
    await post('/v1/auth/sign-up', { email: 'cy@example.com', password: 'first password' });
    const old = (
      await post('/v1/auth/sign-in', { email: 'cy@example.com', password: 'first password' })
    ).json().token;
    expect((await post('/v1/auth/password-reset', { email: 'cy@example.com' })).statusCode).toBe(202);
    expect((await post('/v1/auth/password-reset', { email: 'ghost@example.com' })).statusCode).toBe(202);
    expect(links.map((sent) => sent.to)).toEqual(['cy@example.com']);
    const link = new URL(links[0]?.link ?? '');
    expect(`${link.origin}${link.pathname}`).toBe('https://nexural.example.com/reset-password.html');
    const token = link.searchParams.get('token') ?? '';
    expect((await harness.app.inject({ url: '/v1/me', headers: bearer(token) })).statusCode).toBe(401);

    const confirm = await post('/v1/auth/password-reset/confirm', { token, password: 'second password' });
    expect(confirm.statusCode).toBe(204);
    const reused = await post('/v1/auth/password-reset/confirm', { token, password: 'third password!' });
    expect(reused.statusCode).toBe(401);
    expect(reused.json().error.message).toBe('the reset link is invalid, expired or already used');
    expect((await harness.app.inject({ url: '/v1/me', headers: bearer(old) })).statusCode).toBe(401);
    expect(
      (await post('/v1/auth/sign-in', { email: 'cy@example.com', password: 'first password' })).statusCode,
    ).toBe(401);
    expect(
      (await post('/v1/auth/sign-in', { email: 'cy@example.com', password: 'second password' })).statusCode,
    ).toBe(200);
  });
});
