import type { ResearchRepository, WatchlistSaved } from '../../schemas/ports/research.js';
import type { Watchlist, WatchlistBody, WatchlistChange } from '../../schemas/research.js';
import type { SqlSession } from './sql-database.js';

/** Runs `work` as `owner` under row-level security (sql/0005: nexural_app_user + nexural.user_id). */
export type AsUser = <Result>(
  owner: string,
  work: (session: SqlSession) => Promise<Result>,
) => Promise<Result>;

export const epochMs = (column: string) => `round(extract(epoch FROM ${column}) * 1000)::float8`;
/** `$n` (ms since epoch) as a timestamptz, exactly. */
export const fromEpochMs = (param: string) =>
  `(timestamptz 'epoch' + ${param}::bigint * interval '1 millisecond')`;

interface ListRow {
  id: string;
  name: string;
  position: number;
  sections: string[];
  created_ms: number;
  updated_ms: number;
}

interface ItemRow {
  watchlist_id: string;
  venue: string;
  symbol: string;
  section: string;
  note: string;
  added_ms: number;
}

const symbolKey = (item: { venue: string; symbol: string }) => `${item.venue}\u0000${item.symbol}`;

async function readWatchlists(session: SqlSession, owner: string, id: string | null): Promise<Watchlist[]> {
  const { rows: lists } = await session.query<ListRow>(
    `SELECT id, name, position, sections, ${epochMs('created_at')} AS created_ms,
       ${epochMs('updated_at')} AS updated_ms
     FROM watchlists WHERE owner = $1 AND ($2::text IS NULL OR id = $2) ORDER BY position, id`,
    [owner, id],
  );
  const { rows: items } = await session.query<ItemRow>(
    `SELECT watchlist_id, venue, symbol, section, note, ${epochMs('added_at')} AS added_ms
     FROM watchlist_items WHERE owner = $1 AND ($2::text IS NULL OR watchlist_id = $2)
     ORDER BY watchlist_id, position`,
    [owner, id],
  );
  return lists.map((list) => ({
    id: list.id,
    name: list.name,
    position: list.position,
    sections: list.sections.map((section) => ({
      name: section,
      items: items
        .filter((item) => item.watchlist_id === list.id && item.section === section)
        .map((item) => ({
          venue: item.venue,
          symbol: item.symbol,
          note: item.note,
          addedAt: Number(item.added_ms),
        })),
    })),
    createdAt: Number(list.created_ms),
    updatedAt: Number(list.updated_ms),
  }));
}

async function recordChanges(
  session: SqlSession,
  owner: string,
  id: string,
  change: 'entered' | 'left',
  symbols: readonly { venue: string; symbol: string }[],
): Promise<void> {
  if (symbols.length === 0) return;
  await session.query(
    `INSERT INTO watchlist_history (owner, watchlist_id, venue, symbol, change)
     SELECT $1, $2, venue, symbol, $3 FROM unnest($4::text[], $5::text[]) AS changed (venue, symbol)`,
    [owner, id, change, symbols.map((item) => item.venue), symbols.map((item) => item.symbol)],
  );
}

async function putWatchlist(
  session: SqlSession,
  owner: string,
  id: string,
  body: WatchlistBody,
): Promise<WatchlistSaved> {
  const { rows: before } = await session.query<{ venue: string; symbol: string }>(
    'SELECT venue, symbol FROM watchlist_items WHERE owner = $1 AND watchlist_id = $2',
    [owner, id],
  );
  await session.query(
    `INSERT INTO watchlists (owner, id, name, position, sections) VALUES ($1, $2, $3, $4, $5::text[])
     ON CONFLICT (owner, id) DO UPDATE SET name = EXCLUDED.name, position = EXCLUDED.position,
       sections = EXCLUDED.sections, updated_at = now()`,
    [owner, id, body.name, body.position, body.sections.map((section) => section.name)],
  );
  const items = body.sections.flatMap((section) =>
    section.items.map((item, position) => ({ ...item, section: section.name, position })),
  );
  const wanted = new Set(items.map(symbolKey));
  const had = new Set(before.map(symbolKey));
  const left = before.filter((item) => !wanted.has(symbolKey(item)));
  const entered = items
    .filter((item) => !had.has(symbolKey(item)))
    .map(({ venue, symbol }) => ({ venue, symbol }));
  await session.query(
    `DELETE FROM watchlist_items WHERE owner = $1 AND watchlist_id = $2
       AND (venue, symbol) NOT IN (SELECT * FROM unnest($3::text[], $4::text[]))`,
    [owner, id, items.map((item) => item.venue), items.map((item) => item.symbol)],
  );
  await session.query(
    `INSERT INTO watchlist_items (owner, watchlist_id, venue, symbol, section, position, note)
     SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::int[], $7::text[])
     ON CONFLICT (owner, watchlist_id, venue, symbol) DO UPDATE SET section = EXCLUDED.section,
       position = EXCLUDED.position, note = EXCLUDED.note`,
    [
      owner,
      id,
      items.map((item) => item.venue),
      items.map((item) => item.symbol),
      items.map((item) => item.section),
      items.map((item) => item.position),
      items.map((item) => item.note),
    ],
  );
  await recordChanges(session, owner, id, 'left', left);
  await recordChanges(session, owner, id, 'entered', entered);
  const [watchlist] = await readWatchlists(session, owner, id);
  if (!watchlist) throw new Error(`watchlist ${id} vanished after its write`);
  return { watchlist, entered, left: left.map(({ venue, symbol }) => ({ venue, symbol })) };
}

type WatchlistPart = Pick<
  ResearchRepository,
  | 'watchlistsOf'
  | 'getWatchlist'
  | 'putWatchlist'
  | 'deleteWatchlist'
  | 'watchlistHistory'
  | 'setRuleWatchlist'
  | 'rulesFollowing'
  | 'watchlistOfRule'
>;

export function sqlWatchlists(asUser: AsUser): WatchlistPart {
  return {
    watchlistsOf: (owner) => asUser(owner, (session) => readWatchlists(session, owner, null)),

    getWatchlist: async (owner, id) =>
      (await asUser(owner, (session) => readWatchlists(session, owner, id)))[0] ?? null,

    putWatchlist: (owner, id, body) => asUser(owner, (session) => putWatchlist(session, owner, id, body)),

    deleteWatchlist: (owner, id) =>
      asUser(owner, async (session) => {
        const { rows } = await session.query<{ venue: string; symbol: string }>(
          'SELECT venue, symbol FROM watchlist_items WHERE owner = $1 AND watchlist_id = $2',
          [owner, id],
        );
        const { rowCount } = await session.query('DELETE FROM watchlists WHERE owner = $1 AND id = $2', [
          owner,
          id,
        ]);
        if (rowCount > 0) await recordChanges(session, owner, id, 'left', rows);
        return rowCount > 0;
      }),

    watchlistHistory: (owner, id) =>
      asUser(owner, async (session) => {
        const { rows } = await session.query<{
          venue: string;
          symbol: string;
          change: 'entered' | 'left';
          at_ms: number;
        }>(
          `SELECT venue, symbol, change, ${epochMs('at')} AS at_ms FROM watchlist_history
           WHERE owner = $1 AND watchlist_id = $2 ORDER BY seq`,
          [owner, id],
        );
        return rows.map(
          (row): WatchlistChange => ({
            venue: row.venue,
            symbol: row.symbol,
            change: row.change,
            at: Number(row.at_ms),
          }),
        );
      }),

    setRuleWatchlist: (owner, ruleId, watchlistId) =>
      asUser(owner, async (session) => {
        if (watchlistId === null) {
          await session.query('DELETE FROM watchlist_rule_targets WHERE owner = $1 AND rule_id = $2', [
            owner,
            ruleId,
          ]);
          return;
        }
        await session.query(
          `INSERT INTO watchlist_rule_targets (rule_id, owner, watchlist_id) VALUES ($1, $2, $3)
           ON CONFLICT (rule_id) DO UPDATE SET watchlist_id = EXCLUDED.watchlist_id`,
          [ruleId, owner, watchlistId],
        );
      }),

    rulesFollowing: (owner, watchlistId) =>
      asUser(owner, async (session) => {
        const { rows } = await session.query<{ rule_id: string }>(
          'SELECT rule_id FROM watchlist_rule_targets WHERE owner = $1 AND watchlist_id = $2 ORDER BY rule_id',
          [owner, watchlistId],
        );
        return rows.map((row) => row.rule_id);
      }),

    watchlistOfRule: (owner, ruleId) =>
      asUser(owner, async (session) => {
        const { rows } = await session.query<{ watchlist_id: string }>(
          'SELECT watchlist_id FROM watchlist_rule_targets WHERE owner = $1 AND rule_id = $2',
          [owner, ruleId],
        );
        return rows[0]?.watchlist_id ?? null;
      }),
  };
}
