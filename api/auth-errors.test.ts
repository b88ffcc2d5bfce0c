import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, bearer, openApiHarness, pgliteTestDatabase } from './testing/api-harness.js';

describe('error codes for refused credentials and paths', () => {
  let harness: ApiHarness;
  beforeAll(async () => {
    harness = await openApiHarness(pgliteTestDatabase);
  }, 60_000);
  afterAll(async () => {
    await harness.close();
  }, 60_000);

  it('answers a path escaping the dashboard folder 403 NXR_FORBIDDEN (README: 403 is NXR_FORBIDDEN)', async () => {
    // @fastify/static refuses these (a backslash or NUL in the path) with 403.
    for (const url of ['/..%5cpackage.json', '/..%5c..%5cpackage.json', '/index.html%00']) {
      const response = await harness.app.inject({ url });
      expect(response.statusCode, url).toBe(403);
      expect(response.json().error.code, url).toBe('NXR_FORBIDDEN');
    }
  });

  it('reports a bad X-API-Key as an invalid API key, never as a session token', async () => {
    for (const key of ['not-a-key', 'eyJhbGciOiJIUzI1NiJ9.e30.x', 'nxr_short']) {
      const response = await harness.app.inject({ url: '/v1/symbols', headers: { 'x-api-key': key } });
      expect(response.statusCode, key).toBe(401);
      expect(response.json().error.code, key).toBe('NXR_UNAUTHENTICATED');
      expect(response.json().error.message, key).toMatch(/^the API key is invalid/);
      expect(response.json().error.message, key).not.toMatch(/session token is invalid/);
    }
    const malformedBearer = await harness.app.inject({ url: '/v1/symbols', headers: bearer('nxr_short') });
    expect(malformedBearer.json().error.message).toMatch(/^the API key is invalid/);
    const unknown = await harness.app.inject({
      url: '/v1/symbols',
      headers: { 'x-api-key': `nxr_${'A'.repeat(43)}` },
    });
    expect(unknown.json().error.message).toMatch(/^the API key is unknown or revoked/);
    const badSession = await harness.app.inject({
      url: '/v1/symbols',
      headers: bearer('eyJhbGciOiJIUzI1NiJ9.e30.x'),
    });
    expect(badSession.json().error.message).toMatch(/^the session token is invalid or expired/);
    const good = await harness.app.inject({
      url: '/v1/symbols',
      headers: { 'x-api-key': harness.keys.alice },
    });
    expect(good.statusCode).toBe(200);
  });
});
