import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NexuralError } from '../../schemas/errors.js';
import type { JobContext, Jobs, JobsOptions } from '../../schemas/ports/jobs.js';
import { nextScheduleRun } from './job-timing.js';
import type { ManualClock } from './testing/manual-clock.js';

export interface JobsHarness {
  /** A new adapter instance on this harness's backing store (a second call = a restart). Not started. */
  open(options?: JobsOptions): Promise<Jobs>;
  /** An adapter on a clock the test moves (embedded only); null where time is real (BullMQ). */
  readonly openOnManualClock: ((clock: ManualClock) => Promise<Jobs & { whenIdle(): Promise<void> }>) | null;
  readonly cleanup: () => Promise<void>;
}

const until = async (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const owner = 'alice';

/** The jobs port's contract; every adapter must pass it. */
export function jobsContract(name: string, createHarness: () => Promise<JobsHarness>): void {
  describe(`jobs contract: ${name}`, () => {
    let harness: JobsHarness;
    const opened: Jobs[] = [];
    const open = async (options?: JobsOptions) => {
      const jobs = await harness.open(options);
      opened.push(jobs);
      return jobs;
    };
    beforeEach(async () => {
      harness = await createHarness();
    }, 120_000);
    afterEach(async () => {
      for (const jobs of opened.splice(0)) await jobs.close();
      await harness?.cleanup();
    }, 60_000);

    it('runs a delayed job no earlier than its delay, and records the run with its duration', async () => {
      const jobs = await open();
      const seen: JobContext[] = [];
      let handlerMs = 0;
      jobs.register('report', async (job) => {
        seen.push(job);
        const began = Date.now();
        await sleep(50);
        // a 50 ms timer can read as 49 ms on Date.now (timers fire on a truncated loop clock)
        handlerMs = Date.now() - began;
      });
      await jobs.start();
      const id = await jobs.enqueue({ name: 'report', owner, data: { symbol: 'BTCUSDT' }, delayMs: 400 });
      expect((await jobs.job(id))?.state).toBe('delayed');
      await until(async () => (await jobs.job(id))?.state === 'completed', 'the delayed job');
      const job = await jobs.job(id);
      expect(seen.map((run) => [run.id, run.attempt, run.data])).toEqual([[id, 1, { symbol: 'BTCUSDT' }]]);
      expect(job?.lastRun?.outcome).toBe('completed');
      expect((job?.lastRun?.startedAt ?? 0) - (job?.createdAt ?? 0)).toBeGreaterThanOrEqual(400);
      expect(handlerMs).toBeGreaterThanOrEqual(45);
      expect(job?.lastRun?.durationMs).toBeGreaterThanOrEqual(handlerMs);
      expect(job?.lastRun?.error).toBeNull();
    });

    it('treats a job id as an idempotency key: the same id enqueued again never runs twice', async () => {
      const jobs = await open();
      let runs = 0;
      jobs.register('mail', async () => {
        runs += 1;
      });
      const first = await jobs.enqueue({ name: 'mail', owner, id: 'edition-2024-08-09', delayMs: 200 });
      const second = await jobs.enqueue({ name: 'mail', owner, id: 'edition-2024-08-09' });
      expect([first, second]).toEqual(['edition-2024-08-09', 'edition-2024-08-09']);
      await jobs.start();
      await until(async () => (await jobs.job(first))?.state === 'completed', 'the job');
      await jobs.enqueue({ name: 'mail', owner, id: 'edition-2024-08-09' });
      await sleep(300);
      expect(runs).toBe(1);
      expect((await jobs.list({ owner })).map((job) => job.id)).toEqual(['edition-2024-08-09']);
    });

    it('retries a failing job with exponential backoff and records every attempt with its error', async () => {
      const jobs = await open();
      jobs.register('webhook', async (job) => {
        if (job.attempt < 3) throw new Error(`HTTP 503 on attempt ${job.attempt}`);
      });
      await jobs.start();
      const id = await jobs.enqueue({
        name: 'webhook',
        owner,
        retry: { attempts: 4, backoffMs: 150, jitter: 0 },
      });
      await until(async () => (await jobs.job(id))?.state === 'completed', 'the third attempt');
      const runs = await jobs.runs(id);
      expect(runs.map((run) => [run.attempt, run.outcome, run.error])).toEqual([
        [1, 'failed', 'HTTP 503 on attempt 1'],
        [2, 'failed', 'HTTP 503 on attempt 2'],
        [3, 'completed', null],
      ]);
      const gap = (n: number) => (runs[n]?.startedAt ?? 0) - (runs[n - 1]?.finishedAt ?? 0);
      expect(gap(1)).toBeGreaterThanOrEqual(150);
      expect(gap(2)).toBeGreaterThanOrEqual(300);
      expect((await jobs.job(id))?.attemptsMade).toBe(3);
    });

    it('puts a job that fails its last attempt into the dead state, kept with its last error', async () => {
      const jobs = await open();
      jobs.register('flaky', async () => {
        throw new Error('connection refused');
      });
      await jobs.start();
      const id = await jobs.enqueue({ name: 'flaky', owner, retry: { attempts: 2, backoffMs: 50 } });
      await until(async () => (await jobs.job(id))?.state === 'dead', 'the dead state');
      const job = await jobs.job(id);
      expect([job?.attemptsMade, job?.maxAttempts, job?.lastError]).toEqual([2, 2, 'connection refused']);
      expect((await jobs.runs(id)).map((run) => run.outcome)).toEqual(['failed', 'failed']);
      await sleep(200);
      expect(await jobs.runs(id)).toHaveLength(2);
    });

    it('does not retry an unrecoverable failure (an error with retryable: false)', async () => {
      const jobs = await open();
      jobs.register('charge', async () => {
        throw new NexuralError('NXR_CONFIG_INVALID', 'card number missing');
      });
      await jobs.start();
      const id = await jobs.enqueue({ name: 'charge', owner, retry: { attempts: 5, backoffMs: 50 } });
      await until(async () => (await jobs.job(id))?.state === 'dead', 'the dead state');
      await sleep(200);
      expect((await jobs.runs(id)).map((run) => [run.attempt, run.error])).toEqual([
        [1, 'card number missing'],
      ]);
    });

    it('runs at most `concurrency` jobs at once', async () => {
      const jobs = await open({ concurrency: 2 });
      let active = 0;
      let mostAtOnce = 0;
      jobs.register('render', async () => {
        active += 1;
        mostAtOnce = Math.max(mostAtOnce, active);
        await sleep(120);
        active -= 1;
      });
      const ids: string[] = [];
      for (let n = 0; n < 6; n += 1) ids.push(await jobs.enqueue({ name: 'render', owner, data: { n } }));
      await jobs.start();
      await until(
        async () => (await jobs.list({ owner })).filter((job) => job.state === 'completed').length === 6,
        'six jobs',
      );
      expect(mostAtOnce).toBe(2);
    });

    it('runs only the names a process registered: a job of another name waits for a process that has its handler', async () => {
      const mailer = await open();
      const mailed: string[] = [];
      mailer.register('mail', async (job) => {
        mailed.push(job.id);
      });
      await mailer.start();
      const render = await mailer.enqueue({ name: 'render', owner, id: 'render-1' });
      const mail = await mailer.enqueue({ name: 'mail', owner, id: 'mail-1' });
      await until(async () => (await mailer.job(mail))?.state === 'completed', 'the mail job');
      await sleep(200);
      expect((await mailer.job(render))?.state).toBe('waiting');
      const renderer = await open();
      renderer.register('render', async () => {});
      await renderer.start();
      await until(
        async () => (await renderer.job(render))?.state === 'completed',
        'the render job elsewhere',
      );
      expect(mailed).toEqual(['mail-1']);
    });

    it('close() waits for running jobs to finish and records them', async () => {
      const jobs = await open();
      let finished = false;
      jobs.register('slow', async () => {
        await sleep(400);
        finished = true;
      });
      await jobs.start();
      const id = await jobs.enqueue({ name: 'slow', owner });
      await until(async () => (await jobs.job(id))?.state === 'active', 'the job to start');
      await jobs.close();
      expect(finished).toBe(true);
      const again = await open();
      expect((await again.job(id))?.state).toBe('completed');
    });

    it('keeps a delayed job across a restart and runs it once', async () => {
      const before = await open();
      const id = await before.enqueue({ name: 'later', owner, delayMs: 300 });
      await before.close();
      const after = await open();
      let runs = 0;
      after.register('later', async () => {
        runs += 1;
      });
      await after.start();
      await until(async () => (await after.job(id))?.state === 'completed', 'the job after restart');
      expect(runs).toBe(1);
    });

    it('runs an every-N schedule on each due time; upserting the same id keeps one schedule', async () => {
      const jobs = await open();
      const seen: JobContext[] = [];
      jobs.register('tick', async (job) => {
        seen.push(job);
      });
      await jobs.upsertSchedule({
        id: 'tick-5s',
        name: 'tick',
        owner,
        schedule: { kind: 'every', everyMs: 5000 },
      });
      const info = await jobs.upsertSchedule({
        id: 'tick-5s',
        name: 'tick',
        owner,
        data: { every: 250 },
        schedule: { kind: 'every', everyMs: 250 },
      });
      expect(info.nextRunAt).toBeGreaterThan(Date.now() - 250);
      await jobs.start();
      await until(() => seen.length >= 3, 'three scheduled runs');
      expect(await jobs.schedules(owner)).toHaveLength(1);
      expect(seen.every((job) => job.scheduleId === 'tick-5s' && job.data.every === 250)).toBe(true);
      expect(new Set(seen.map((job) => job.id)).size).toBe(seen.length);
      expect(await jobs.removeSchedule('tick-5s')).toBe(true);
      expect(await jobs.schedules(owner)).toEqual([]);
    });

    it('runs a cron schedule in its time zone (every second, America/New_York)', async () => {
      const jobs = await open();
      const seen: number[] = [];
      jobs.register('cron', async () => {
        seen.push(Date.now());
      });
      const schedule = { kind: 'cron', pattern: '* * * * * *', timeZone: 'America/New_York' } as const;
      const info = await jobs.upsertSchedule({ id: 'every-second', name: 'cron', owner, schedule });
      expect((info.nextRunAt ?? 0) % 1000).toBe(0);
      await jobs.start();
      await until(() => seen.length >= 2, 'two cron runs');
      const [listed] = await jobs.schedules(owner);
      expect(listed?.schedule).toEqual(schedule);
    });

    it('computes cron due times across both DST changes of Europe/Berlin without a double or a missed run', () => {
      const daily = { kind: 'cron', pattern: '30 2 * * *', timeZone: 'Europe/Berlin' } as const;
      const dueTimes = (from: string, count: number) => {
        const out: string[] = [];
        let after = Date.parse(from);
        for (let n = 0; n < count; n += 1) {
          after = nextScheduleRun(daily, after) ?? Number.NaN;
          out.push(new Date(after).toISOString());
        }
        return out;
      };
      // 2026-03-29 02:30 does not exist (clocks jump 02:00 → 03:00): it runs once, at 03:30 CEST.
      expect(dueTimes('2026-03-28T00:00:00Z', 3)).toEqual([
        '2026-03-28T01:30:00.000Z',
        '2026-03-29T01:30:00.000Z',
        '2026-03-30T00:30:00.000Z',
      ]);
      // 2026-10-25 02:30 happens twice (03:00 → 02:00): it runs once, at the first.
      expect(dueTimes('2026-10-24T00:00:00Z', 3)).toEqual([
        '2026-10-24T00:30:00.000Z',
        '2026-10-25T00:30:00.000Z',
        '2026-10-26T01:30:00.000Z',
      ]);
    });

    it('crosses the DST changes through the adapter on a manual clock (where the clock is injectable)', async () => {
      if (harness.openOnManualClock === null) return;
      const runDst = async (label: string, from: string, to: string) => {
        const clock = new (await import('./testing/manual-clock.js')).ManualClock(Date.parse(from));
        const jobs = await harness.openOnManualClock?.(clock);
        if (!jobs) throw new Error('no manual-clock adapter');
        opened.push(jobs);
        const ran: string[] = [];
        jobs.register('digest', async (job) => {
          ran.push(`${job.scheduleId} ${new Date(clock.now()).toISOString()}`);
        });
        const schedule = { kind: 'cron', pattern: '30 2 * * *', timeZone: 'Europe/Berlin' } as const;
        await jobs.upsertSchedule({ id: `digest-${label}`, name: 'digest', owner, schedule });
        const hourly = { kind: 'cron', pattern: '0 * * * *', timeZone: 'Europe/Berlin' } as const;
        await jobs.upsertSchedule({ id: `hourly-${label}`, name: 'digest', owner, schedule: hourly });
        await jobs.start();
        for (let at = Date.parse(from); at <= Date.parse(to); at += 10 * 60_000) {
          clock.advanceTo(at);
          await jobs.whenIdle();
        }
        await jobs.removeSchedule(`digest-${label}`);
        await jobs.removeSchedule(`hourly-${label}`);
        await jobs.close();
        return ran;
      };
      const spring = await runDst('spring', '2026-03-28T22:00:00Z', '2026-03-29T03:00:00Z');
      expect(spring).toEqual([
        'hourly-spring 2026-03-28T23:00:00.000Z',
        'hourly-spring 2026-03-29T00:00:00.000Z',
        'hourly-spring 2026-03-29T01:00:00.000Z',
        'digest-spring 2026-03-29T01:30:00.000Z',
        'hourly-spring 2026-03-29T02:00:00.000Z',
        'hourly-spring 2026-03-29T03:00:00.000Z',
      ]);
      const autumn = await runDst('autumn', '2026-10-24T22:00:00Z', '2026-10-25T02:00:00Z');
      expect(autumn).toEqual([
        'hourly-autumn 2026-10-24T23:00:00.000Z',
        'hourly-autumn 2026-10-25T00:00:00.000Z',
        'digest-autumn 2026-10-25T00:30:00.000Z',
        'hourly-autumn 2026-10-25T01:00:00.000Z',
        'hourly-autumn 2026-10-25T02:00:00.000Z',
      ]);
    });

    it("lists only the owner's jobs, newest first, each with its last run", async () => {
      const jobs = await open();
      jobs.register('note', async (job) => {
        if (job.data.fail === true) throw new NexuralError('NXR_BAD_VALUE', 'empty note');
      });
      const ok = await jobs.enqueue({ name: 'note', owner, id: 'note-ok' });
      await sleep(5);
      const bad = await jobs.enqueue({ name: 'note', owner, id: 'note-bad', data: { fail: true } });
      await jobs.enqueue({ name: 'note', owner: 'bob', id: 'note-bob' });
      await jobs.start();
      await until(async () => (await jobs.list({ owner })).every((job) => job.lastRun !== null), 'both runs');
      const listed = await jobs.list({ owner });
      expect(listed.map((job) => [job.id, job.state, job.lastRun?.outcome, job.lastRun?.error])).toEqual([
        [bad, 'dead', 'failed', 'empty note'],
        [ok, 'completed', 'completed', null],
      ]);
    });
  });
}
