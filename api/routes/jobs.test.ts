import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedJobs, type EmbeddedJobs } from '../../pipeline/jobs/embedded-jobs.js';
import { sqlJobRecords } from '../../pipeline/jobs/sql-job-records.js';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { NexuralError } from '../../schemas/errors.js';
import type { JobsReader } from '../../schemas/ports/jobs.js';
import { pgliteSqlClient } from '../adapters/sql-client.js';
import { type ApiHarness, bearer, openApiHarness } from '../testing/api-harness.js';

describe('GET /v1/jobs', () => {
  let harness: ApiHarness;
  let jobs: EmbeddedJobs | null = null;
  const reader: JobsReader = {
    list: (query) => (jobs ? jobs.list(query) : Promise.resolve([])),
    schedules: (owner) => (jobs ? jobs.schedules(owner) : Promise.resolve([])),
  };
  const get = (key: string, url = '/v1/jobs') =>
    harness.app.inject({ method: 'GET', url, headers: bearer(key) });

  beforeAll(async () => {
    harness = await openApiHarness(
      async () => {
        // The jobs live in the same embedded database as the store, as in `npm start`.
        const pglite = await PGlite.create();
        const store = await openPgliteStore({ db: pglite });
        await store.migrate();
        jobs = createEmbeddedJobs({ records: sqlJobRecords(pgliteDatabase(pglite)) });
        return { store, sql: pgliteSqlClient(pglite), destroy: () => store.close() };
      },
      { jobs: reader },
    );
    if (!jobs) throw new Error('jobs not opened');
    const running: EmbeddedJobs = jobs;
    running.register('newsletter.edition', async (job) => {
      if (job.data.edition === 'broken') throw new NexuralError('NXR_BAD_VALUE', 'edition has no sections');
    });
    await running.enqueue({
      name: 'newsletter.edition',
      owner: 'alice',
      id: 'edition-1',
      data: { edition: 'weekly' },
    });
    await running.enqueue({
      name: 'newsletter.edition',
      owner: 'alice',
      id: 'edition-2',
      data: { edition: 'broken' },
    });
    await running.enqueue({ name: 'newsletter.edition', owner: 'bob', id: 'edition-bob' });
    await running.upsertSchedule({
      id: 'weekly-edition',
      name: 'newsletter.edition',
      owner: 'alice',
      schedule: { kind: 'cron', pattern: '0 9 * * 1', timeZone: 'Europe/Berlin' },
    });
    await running.start();
    for (let n = 0; n < 500; n += 1) {
      const listed = await running.list({ owner: 'alice' });
      if (listed.length === 2 && listed.every((job) => job.lastRun !== null)) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }, 120_000);
  afterAll(async () => {
    await jobs?.close();
    await harness.close();
  }, 60_000);

  it("lists the caller's jobs, newest first, each with its last run, and the caller's schedules", async () => {
    const response = await get(harness.keys.alice);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(
      body.items.map(
        (job: { id: string; state: string; lastRun: { outcome: string; error: string | null } }) => [
          job.id,
          job.state,
          job.lastRun.outcome,
          job.lastRun.error,
        ],
      ),
    ).toEqual([
      ['edition-2', 'dead', 'failed', 'edition has no sections'],
      ['edition-1', 'completed', 'completed', null],
    ]);
    expect(body.items[1].data).toEqual({ edition: 'weekly' });
    expect(body.items[1].lastRun.durationMs).toBeGreaterThanOrEqual(0);
    expect(body.schedules).toEqual([
      {
        id: 'weekly-edition',
        name: 'newsletter.edition',
        owner: 'alice',
        schedule: { kind: 'cron', pattern: '0 9 * * 1', timeZone: 'Europe/Berlin' },
        nextRunAt: expect.any(Number),
      },
    ]);
    // Monday 09:00 in Berlin is 07:00 or 08:00 UTC.
    expect([7, 8]).toContain(new Date(body.schedules[0].nextRunAt).getUTCHours());
  });

  it("never shows another user's jobs", async () => {
    const body = (await get(harness.keys.bob)).json();
    expect(body.items.map((job: { id: string }) => job.id)).toEqual(['edition-bob']);
    expect(body.schedules).toEqual([]);
  });

  it('checks limit and needs a key', async () => {
    expect((await get(harness.keys.alice, '/v1/jobs?limit=1')).json().items).toHaveLength(1);
    const bad = await get(harness.keys.alice, '/v1/jobs?limit=0');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('NXR_SCHEMA_INVALID');
    expect((await harness.app.inject({ method: 'GET', url: '/v1/jobs' })).statusCode).toBe(401);
  });

  it('is in the OpenAPI document', async () => {
    const document = (await harness.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(document.paths['/v1/jobs'])).toEqual(['get']);
  });
});
