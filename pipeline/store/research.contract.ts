import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../schemas/ports/store.js';
import { type NoteBody, noteBodySchema, watchlistBodySchema } from '../../schemas/research.js';
import { scorePendingIdeas } from '../research/idea-scorer.js';
import { binanceKlines } from './market-data-fixtures.js';
import type { SqlSession } from './sql-database.js';

/** A migrated store and the table owner's session on its database (to seed users and to look past RLS). */
export interface ResearchHarness {
  readonly store: Store;
  readonly admin: SqlSession;
  /** a login role name of this suite's own (created by the suite, dropped by destroy) */
  readonly analystLogin: string;
  /** Runs `work` in a session logged in as `login` (a real connection on PostgreSQL, SET ROLE on PGlite). */
  asLogin<Result>(login: string, work: (session: SqlSession) => Promise<Result>): Promise<Result>;
  destroy(): Promise<void>;
}

const klines = binanceKlines();
const at = (index: number) => klines[index]?.openTime ?? Number.NaN;
const noSnapshot = { bars: [], indicators: [], takenAt: at(29) };

const note = (input: Partial<NoteBody> & Pick<NoteBody, 'title'>): NoteBody =>
  noteBodySchema.parse({
    anchor: { venue: 'binance-um', symbol: 'BTCUSDT', interval: '1m', eventTime: at(2) },
    ...input,
  });

const list = (sections: { name: string; items: string[] }[]) =>
  watchlistBodySchema.parse({
    name: 'Majors',
    sections: sections.map((section) => ({
      name: section.name,
      items: section.items.map((symbol) => ({ venue: 'binance', symbol, note: `why ${symbol}` })),
    })),
  });

/** The research workspace of the store port (sql/0016), one suite for PGlite and PostgreSQL. */
export function describeResearchStore(name: string, open: () => Promise<ResearchHarness>): void {
  describe(`research workspace: ${name}`, () => {
    let harness: ResearchHarness;
    beforeAll(async () => {
      harness = await open();
      for (const user of ['alice', 'bob'])
        await harness.admin.query('INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING', [user]);
      await harness.store.write({ bars: klines });
    }, 60_000);
    afterAll(() => harness?.destroy(), 60_000);

    it('keeps watchlists ordered in sections, and records which symbols entered and left', async () => {
      const { store } = harness;
      await store.putWatchlist('alice', 'majors', list([{ name: '', items: ['BTCUSDT', 'ETHUSDT'] }]));
      const saved = await store.putWatchlist(
        'alice',
        'majors',
        list([
          { name: 'core', items: ['ETHUSDT'] },
          { name: 'alts', items: ['XRPUSDT', 'SOLUSDT'] },
        ]),
      );
      expect(saved.entered).toEqual([
        { venue: 'binance', symbol: 'XRPUSDT' },
        { venue: 'binance', symbol: 'SOLUSDT' },
      ]);
      expect(saved.left).toEqual([{ venue: 'binance', symbol: 'BTCUSDT' }]);
      const [majors] = await store.watchlistsOf('alice');
      expect(
        majors?.sections.map((section) => [section.name, section.items.map((item) => item.symbol)]),
      ).toEqual([
        ['core', ['ETHUSDT']],
        ['alts', ['XRPUSDT', 'SOLUSDT']],
      ]);
      expect(majors?.sections[1]?.items[0]?.note).toBe('why XRPUSDT');
      const history = await store.watchlistHistory('alice', 'majors');
      expect(history.map((change) => `${change.change} ${change.symbol}`)).toEqual([
        'entered BTCUSDT',
        'entered ETHUSDT',
        'left BTCUSDT',
        'entered XRPUSDT',
        'entered SOLUSDT',
      ]);
      expect(await store.watchlistsOf('bob')).toEqual([]);
      expect(await store.getWatchlist('bob', 'majors')).toBeNull();
      expect(await store.deleteWatchlist('bob', 'majors')).toBe(false);
      expect(await store.deleteWatchlist('alice', 'majors')).toBe(true);
      expect(
        (await store.watchlistHistory('alice', 'majors')).slice(5).map((change) => change.change),
      ).toEqual(['left', 'left', 'left']);
    });

    it('finds notes by full text (stemmed, phrase, exclusion, tag), only the caller’s', async () => {
      const { store } = harness;
      await store.createNote(
        'alice',
        'n-breakout',
        note({
          title: 'Breakout above 62k',
          body: 'Buyers **absorbed** the asks; volume was rising.',
          tags: ['btc'],
        }),
        noSnapshot,
      );
      await store.createNote(
        'alice',
        'n-range',
        note({ title: 'Range day', body: 'Sellers capped every rise; a breakout failed.', tags: ['range'] }),
        noSnapshot,
      );
      await store.createNote('bob', 'n-bob', note({ title: 'Breakout', body: 'rising volumes' }), noSnapshot);
      const ids = async (query: string, tag?: string) =>
        (await store.searchNotes('alice', query, tag === undefined ? {} : { tag })).map((hit) => hit.id);
      expect(await ids('breakout')).toEqual(['n-breakout', 'n-range']);
      expect((await ids('rises')).sort()).toEqual(['n-breakout', 'n-range']);
      expect(await ids('breakout -sellers')).toEqual(['n-breakout']);
      expect(await ids('"volume was rising"')).toEqual(['n-breakout']);
      expect(await ids('breakout', 'range')).toEqual(['n-range']);
      expect(await ids('')).toEqual([]);
      expect(await ids('absent')).toEqual([]);
      const [hit] = await store.searchNotes('alice', 'absorbed');
      expect(hit?.headline).toContain('<b>absorbed</b>');
      expect((await store.searchNotes('bob', 'breakout')).map((found) => found.id)).toEqual(['n-bob']);
      expect(await store.getNote('bob', 'n-breakout')).toBeNull();
      expect(await store.updateNote('bob', 'n-breakout', { title: 'mine now' })).toBeNull();
      expect(await store.deleteNote('bob', 'n-breakout')).toBe(false);
      const edited = await store.updateNote('alice', 'n-range', { tags: ['range', 'failed'] });
      expect(edited?.tags).toEqual(['range', 'failed']);
      expect(edited?.title).toBe('Range day');
    });

    it('scores ideas from final bars once their horizon is over, per user and per tag', async () => {
      const { store } = harness;
      // long at 23:42:30: anchor bar 23:42 (close 61949.5), horizon 23:43-23:45
      await store.createNote(
        'alice',
        'i-long',
        note({
          title: 'long',
          tags: ['momentum'],
          anchor: {
            venue: 'binance-um',
            symbol: 'BTCUSDT',
            interval: '1m',
            eventTime: at(2) + 30_000,
            sourceOffset: null,
          },
          idea: { direction: 'long', horizonBars: 3 },
        }),
        noSnapshot,
      );
      // short at 23:44:00 exactly: anchor bar 23:44 (close 61924.4), horizon 23:45-23:49
      await store.createNote(
        'alice',
        'i-short',
        note({
          title: 'short',
          tags: ['momentum', 'fade'],
          anchor: {
            venue: 'binance-um',
            symbol: 'BTCUSDT',
            interval: '1m',
            eventTime: at(4),
            sourceOffset: 'b/0/4',
          },
          idea: { direction: 'short', horizonBars: 5 },
        }),
        noSnapshot,
      );
      // 10 bars after 00:05 do not exist yet (the data ends at 00:09)
      await store.createNote(
        'alice',
        'i-open',
        note({
          title: 'open',
          anchor: {
            venue: 'binance-um',
            symbol: 'BTCUSDT',
            interval: '1m',
            eventTime: at(25),
            sourceOffset: null,
          },
          idea: { direction: 'long', horizonBars: 10 },
        }),
        noSnapshot,
      );
      const pass = await scorePendingIdeas({ store, research: store, now: () => at(29) + 60_000 });
      expect(pass).toEqual({ scored: 2, pending: 1 });
      expect((await store.getNote('alice', 'i-long'))?.score).toEqual({
        status: 'scored',
        entryTime: at(2),
        entryPrice: 61949.5,
        exitTime: at(5),
        exitPrice: 61826.6,
        return: (61826.6 - 61949.5) / 61949.5,
        mfe: (62070.9 - 61949.5) / 61949.5,
        mae: (61949.5 - 61814.2) / 61949.5,
        bars: 3,
      });
      const short = (await store.getNote('alice', 'i-short'))?.score;
      expect(short).toMatchObject({ entryPrice: 61924.4, exitPrice: 61756.7, exitTime: at(9), bars: 5 });
      expect(short).toMatchObject({
        return: (61924.4 - 61756.7) / 61924.4,
        mfe: (61924.4 - 61733.3) / 61924.4,
        mae: (61928.5 - 61924.4) / 61924.4,
      });
      expect((await store.getNote('alice', 'i-open'))?.score).toEqual({ status: 'pending' });
      expect(await scorePendingIdeas({ store, research: store, now: () => at(29) + 60_000 })).toEqual({
        scored: 0,
        pending: 1,
      });

      const card = await store.scorecard('alice');
      const longReturn = (61826.6 - 61949.5) / 61949.5;
      const shortReturn = (61924.4 - 61756.7) / 61924.4;
      expect(card.overall).toMatchObject({ ideas: 3, pending: 1, scored: 2, wins: 1, winRate: 0.5 });
      expect(card.overall.meanReturn).toBeCloseTo((longReturn + shortReturn) / 2, 12);
      expect(card.byTag.map((row) => [row.tag, row.scored, row.wins])).toEqual([
        ['fade', 1, 1],
        ['momentum', 2, 1],
      ]);
      expect((await store.scorecard('bob')).overall).toMatchObject({ ideas: 0, winRate: null });
    });

    it('lets a request session see and change only the rows of nexural.user_id (row-level security)', async () => {
      const { admin } = harness;
      await harness.store.putWatchlist('bob', 'bobs', list([{ name: '', items: ['BTCUSDT'] }]));
      await admin.query('BEGIN');
      try {
        await admin.query('SET LOCAL ROLE nexural_app_user');
        await admin.query(`SELECT set_config('nexural.user_id', 'alice', true)`);
        const { rows } = await admin.query<{ owner: string }>('SELECT DISTINCT owner FROM research_notes');
        expect(rows).toEqual([{ owner: 'alice' }]);
        expect((await admin.query('SELECT id FROM watchlists')).rows).toEqual([]);
        expect(
          (await admin.query(`UPDATE research_notes SET title = 'x' WHERE owner = 'bob'`)).rowCount,
        ).toBe(0);
        expect((await admin.query(`DELETE FROM watchlist_items WHERE owner = 'bob'`)).rowCount).toBe(0);
        await expect(
          admin.query(`INSERT INTO watchlists (owner, id, name) VALUES ('bob', 'evil', 'evil')`),
        ).rejects.toThrow(/row-level security/);
      } finally {
        await admin.query('ROLLBACK');
      }
      expect((await harness.store.getNote('bob', 'n-bob'))?.title).toBe('Breakout');
    });

    it('shows an analyst login (users.db_login) only its own watchlists and notes, and lets it write nothing', async () => {
      const { admin, analystLogin } = harness;
      await admin.query(`CREATE ROLE ${analystLogin} LOGIN IN ROLE nexural_analyst`);
      await admin.query('UPDATE users SET db_login = $1 WHERE id = $2', [analystLogin, 'bob']);
      await harness.asLogin(analystLogin, async (bob) => {
        expect((await bob.query('SELECT id FROM research_notes')).rows).toEqual([{ id: 'n-bob' }]);
        expect((await bob.query('SELECT id FROM watchlists')).rows).toEqual([{ id: 'bobs' }]);
        expect((await bob.query('SELECT symbol FROM watchlist_items')).rows).toEqual([{ symbol: 'BTCUSDT' }]);
        expect((await bob.query(`SELECT count(*)::int AS n FROM watchlist_history`)).rows).toEqual([
          { n: 1 },
        ]);
        await bob.query(`SELECT set_config('nexural.user_id', 'alice', false)`);
        expect((await bob.query('SELECT id FROM research_notes')).rows).toEqual([{ id: 'n-bob' }]);
        await expect(bob.query(`UPDATE research_notes SET title = 'x'`)).rejects.toMatchObject({
          code: '42501',
        });
        await expect(bob.query(`DELETE FROM watchlists`)).rejects.toMatchObject({ code: '42501' });
      });
    });
  });
}
