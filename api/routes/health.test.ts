import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoleHealthRegistry } from '../../schemas/ports/role-health.js';
import { type ApiHarness, openApiHarness, pgliteTestDatabase } from '../testing/api-harness.js';

describe('/ready reports every role the process runs', () => {
  const roles = createRoleHealthRegistry();
  let harness: ApiHarness;

  beforeAll(async () => {
    harness = await openApiHarness(pgliteTestDatabase, { roles });
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
  });

  it('is 503 naming the role while one waits on an outage or is down, 200 once all are up', async () => {
    roles.report('processor', { status: 'up' });
    roles.report('sink', {
      status: 'waiting',
      reason: 'store unreachable (connect ECONNREFUSED 127.0.0.1:35432)',
      since: Date.now() - 4_000,
    });
    const red = await harness.app.inject('/ready');
    expect(red.statusCode).toBe(503);
    const body = red.json();
    expect(body.error.code).toBe('NXR_SERVICE_UNAVAILABLE');
    expect(body.error.message).toBe('not ready: role:sink');
    expect(body.error.details.checks['role:sink']).toEqual({
      ok: false,
      error: 'waiting (for 4 s): store unreachable (connect ECONNREFUSED 127.0.0.1:35432)',
    });
    expect(body.error.details.checks['role:processor'].ok).toBe(true);

    roles.report('sink', { status: 'up' });
    const green = await harness.app.inject('/ready');
    expect(green.statusCode).toBe(200);
    expect(Object.keys(green.json().checks)).toEqual([
      'store',
      'alert-fanout',
      'live-feed',
      'role:processor',
      'role:sink',
    ]);

    roles.report('fanout', { status: 'down', reason: 'Redis unreachable', since: Date.now() });
    expect((await harness.app.inject('/ready')).statusCode).toBe(503);
  });
});
