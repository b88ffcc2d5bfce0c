import type { EntitlementsReader } from '../../schemas/ports/billing.js';
import type { NewsletterReaders, SelectedNote, StrategyResult } from '../../schemas/ports/newsletter.js';
import type { ResearchReader } from '../../schemas/ports/research.js';
import type { SqlSession } from './sql-database.js';
import { epochMs, fromEpochMs } from './sql-watchlists.js';

/** The tag a note's owner gives it to put it in the newsletter. */
export const newsletterNoteTag = 'newsletter';

interface StrategyRow {
  id: string;
  name: string;
  venue: string;
  symbol: string;
  closed: number | string;
  wins: number | string;
  realized: number | string;
  equity_before: number | string | null;
  equity_first: number | string | null;
  equity_end: number | string | null;
}

interface NoteRow {
  id: string;
  title: string;
  author: string | null;
  venue: string;
  symbol: string;
  direction: 'long' | 'short' | null;
  body: string;
  created_ms: number | string;
}

const orNull = (value: number | string | null) => (value === null ? null : Number(value));

// per strategy of the owner: the round trips closed in [from, to) and the equity around the window
const strategySql = `
SELECT s.id, s.name, s.venue, s.symbol,
  (SELECT count(*) FROM strategy_trades t WHERE t.strategy_id = s.id AND t.pnl IS NOT NULL
     AND t.time >= ${fromEpochMs('$2')} AND t.time < ${fromEpochMs('$3')}) AS closed,
  (SELECT count(*) FROM strategy_trades t WHERE t.strategy_id = s.id AND t.pnl > 0
     AND t.time >= ${fromEpochMs('$2')} AND t.time < ${fromEpochMs('$3')}) AS wins,
  (SELECT coalesce(sum(t.pnl), 0) FROM strategy_trades t WHERE t.strategy_id = s.id AND t.pnl IS NOT NULL
     AND t.time >= ${fromEpochMs('$2')} AND t.time < ${fromEpochMs('$3')}) AS realized,
  (SELECT e.equity FROM strategy_equity e WHERE e.strategy_id = s.id AND e.time < ${fromEpochMs('$2')}
     ORDER BY e.time DESC LIMIT 1) AS equity_before,
  (SELECT e.equity FROM strategy_equity e WHERE e.strategy_id = s.id AND e.time >= ${fromEpochMs('$2')}
     AND e.time < ${fromEpochMs('$3')} ORDER BY e.time LIMIT 1) AS equity_first,
  (SELECT e.equity FROM strategy_equity e WHERE e.strategy_id = s.id AND e.time < ${fromEpochMs('$3')}
     ORDER BY e.time DESC LIMIT 1) AS equity_end
FROM strategies s WHERE s.owner = $1 AND s.kind = 'rules' ORDER BY s.id`;

const noteSql = `
SELECT n.id, n.title, u.display_name AS author, n.venue, n.symbol, n.direction, n.body,
  ${epochMs('n.created_at')} AS created_ms
FROM research_notes n JOIN users u ON u.id = n.owner
WHERE $1 = ANY (n.tags) AND n.created_at >= ${fromEpochMs('$2')} AND n.created_at < ${fromEpochMs('$3')}
ORDER BY n.created_at, n.id`;

const strategyOf = (row: StrategyRow): StrategyResult => ({
  id: row.id,
  name: row.name,
  venue: row.venue,
  symbols: row.symbol,
  closedTrades: Number(row.closed),
  wins: Number(row.wins),
  realizedPnl: Number(row.realized),
  equityStart: orNull(row.equity_before) ?? orNull(row.equity_first),
  equityEnd: orNull(row.equity_end),
});

const noteOf = (row: NoteRow): SelectedNote => ({
  id: row.id,
  title: row.title,
  author: row.author,
  venue: row.venue,
  symbol: row.symbol,
  direction: row.direction,
  body: row.body,
  createdAt: Number(row.created_ms),
});

/**
 * The newsletter's reads across users (it runs as the system, like the strategy consumer): the user behind a
 * subscriber's address, their plan (`entitlements`), watchlists (`research`, under that user's row security)
 * and strategies; and the notes their owners tagged `newsletter`.
 */
export function sqlNewsletterReaders(
  db: SqlSession,
  ports: { readonly entitlements: EntitlementsReader; readonly research: ResearchReader },
): NewsletterReaders {
  return {
    async profile(email, window) {
      const { rows } = await db.query<{ id: string }>('SELECT id FROM users WHERE email = $1', [
        email.toLowerCase(),
      ]);
      const userId = rows[0]?.id ?? null;
      if (userId === null) {
        // the fallback plan's entitlements (no user behind the address)
        const fallback = await ports.entitlements.entitlementsFor('', window.to);
        return { email, userId, premium: fallback.premiumNewsletter, watchlist: [], strategies: [] };
      }
      const entitlements = await ports.entitlements.entitlementsFor(userId, window.to);
      const seen = new Set<string>();
      const watchlist: { venue: string; symbol: string }[] = [];
      for (const list of await ports.research.watchlistsOf(userId))
        for (const section of list.sections)
          for (const { venue, symbol } of section.items) {
            if (seen.has(`${venue}:${symbol}`)) continue;
            seen.add(`${venue}:${symbol}`);
            watchlist.push({ venue, symbol });
          }
      const strategies = await db.query<StrategyRow>(strategySql, [userId, window.from, window.to]);
      return {
        email,
        userId,
        premium: entitlements.premiumNewsletter,
        watchlist,
        strategies: strategies.rows.map(strategyOf),
      };
    },
    async selectedNotes(window) {
      const { rows } = await db.query<NoteRow>(noteSql, [newsletterNoteTag, window.from, window.to]);
      return rows.map(noteOf);
    },
  };
}
