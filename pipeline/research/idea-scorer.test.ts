import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { noteBodySchema } from '../../schemas/research.js';
import { createEmbeddedJobs } from '../jobs/embedded-jobs.js';
import { sqlJobRecords } from '../jobs/sql-job-records.js';
import { ManualClock } from '../jobs/testing/manual-clock.js';
import { binanceKlines } from '../store/market-data-fixtures.js';
import { pgliteDatabase } from '../store/pglite-database.js';
import { openPgliteStore } from '../store/pglite-store.js';
import { ideaScoringSchedule, scheduleIdeaScoring, scoreIdeasScheduleId } from './idea-scorer.js';

// Binance's official BTCUSDT 1m klines 2024-08-08 23:40 → 00:09 (../shared/data).
const klines = binanceKlines();
const at = (index: number) => klines[index]?.openTime ?? Number.NaN;

describe('idea scoring on the jobs port', () => {
  it('scores a pending idea at the next scheduled pass once its horizon is final, and only then', async () => {
    const pglite = await PGlite.create();
    const store = await openPgliteStore({ db: pglite });
    await store.migrate();
    const db = pgliteDatabase(pglite);
    await db.query(`INSERT INTO users (id) VALUES ('alice')`);
    // bars up to 23:59 only: the short idea at 23:55 over 6 bars needs 23:56 … 00:01
    await store.write({ bars: klines.slice(0, 20) });
    const anchor = { venue: 'binance-um', symbol: 'BTCUSDT', interval: '1m', eventTime: at(15) };
    const idea = noteBodySchema.parse({
      title: 'fade',
      anchor,
      idea: { direction: 'short', horizonBars: 6 },
    });
    await store.createNote('alice', 'fade', idea, { bars: [], indicators: [], takenAt: at(15) });
    const clock = new ManualClock(at(29));
    const jobs = createEmbeddedJobs({ records: sqlJobRecords(db), clock });
    try {
      await jobs.upsertSchedule(ideaScoringSchedule(60_000)); // as a restart does: never a second schedule
      await scheduleIdeaScoring(jobs, { store, research: store, now: () => clock.now() }, 60_000);
      expect((await jobs.schedules('system')).map((schedule) => schedule.id)).toEqual([scoreIdeasScheduleId]);
      await jobs.start();
      clock.advanceTo(at(29) + 60_000);
      await jobs.whenIdle();
      expect((await store.getNote('alice', 'fade'))?.score).toEqual({ status: 'pending' });
      await store.write({ bars: klines.slice(20) });
      clock.advanceTo(at(29) + 120_000);
      await jobs.whenIdle();
      // short from the 23:55 close 61760.3; 23:56–00:01: highest high 61760.4, lowest low 61522.2, last close 61568
      expect((await store.getNote('alice', 'fade'))?.score).toEqual({
        status: 'scored',
        entryTime: at(15),
        entryPrice: 61760.3,
        exitTime: at(21),
        exitPrice: 61568,
        return: (61760.3 - 61568) / 61760.3,
        mfe: (61760.3 - 61522.2) / 61760.3,
        mae: (61760.4 - 61760.3) / 61760.3,
        bars: 6,
      });
    } finally {
      await jobs.close();
      await store.close();
    }
  }, 60_000);
});
