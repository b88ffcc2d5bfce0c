import type { PendingIdea, ResearchRepository } from '../../schemas/ports/research.js';
import {
  type IdeaScore,
  ideaScoreSchema,
  type Note,
  type NoteHit,
  type NoteSummary,
  noteSnapshotSchema,
  type ScoreStats,
} from '../../schemas/research.js';
import { parseOrThrow } from '../../schemas/validate.js';
import type { SqlSession } from './sql-database.js';
import { type AsUser, epochMs, fromEpochMs } from './sql-watchlists.js';

interface NoteRow {
  id: string;
  owner: string;
  title: string;
  body: string;
  tags: string[];
  venue: string;
  symbol: string;
  bar_interval: string;
  event_ms: number;
  source_offset: string | null;
  direction: 'long' | 'short' | null;
  horizon_bars: number | null;
  score: unknown;
  created_ms: number;
  updated_ms: number;
}

const summaryColumns = `id, owner, title, body, tags, venue, symbol, bar_interval,
  ${epochMs('event_time')} AS event_ms, source_offset, direction, horizon_bars, score,
  ${epochMs('created_at')} AS created_ms, ${epochMs('updated_at')} AS updated_ms`;

const anchorOf = (row: NoteRow) => ({
  venue: row.venue,
  symbol: row.symbol,
  interval: row.bar_interval,
  eventTime: Number(row.event_ms),
  sourceOffset: row.source_offset,
});

function toSummary(row: NoteRow): NoteSummary {
  const idea =
    row.direction === null || row.horizon_bars === null
      ? null
      : { direction: row.direction, horizonBars: row.horizon_bars };
  const score: IdeaScore | null =
    idea === null
      ? null
      : row.score === null
        ? { status: 'pending' }
        : parseOrThrow(ideaScoreSchema, row.score, `score of note ${row.id}`);
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    tags: row.tags,
    anchor: anchorOf(row),
    idea,
    score,
    createdAt: Number(row.created_ms),
    updatedAt: Number(row.updated_ms),
  };
}

async function readNote(session: SqlSession, owner: string, id: string): Promise<Note | null> {
  const { rows } = await session.query<NoteRow & { snapshot: unknown }>(
    `SELECT ${summaryColumns}, snapshot FROM research_notes WHERE owner = $1 AND id = $2`,
    [owner, id],
  );
  const [row] = rows;
  if (!row) return null;
  return { ...toSummary(row), snapshot: parseOrThrow(noteSnapshotSchema, row.snapshot, `snapshot of ${id}`) };
}

interface StatsRow {
  ideas: number;
  pending: number;
  scored: number;
  wins: number;
  mean_return: number | null;
  mean_mfe: number | null;
  mean_mae: number | null;
}

const statsColumns = `count(*)::int AS ideas, count(*) FILTER (WHERE scored_at IS NULL)::int AS pending,
  count(scored_at)::int AS scored, count(*) FILTER (WHERE (score->>'return')::float8 > 0)::int AS wins,
  avg((score->>'return')::float8) AS mean_return, avg((score->>'mfe')::float8) AS mean_mfe,
  avg((score->>'mae')::float8) AS mean_mae`;

const nullableNumber = (value: number | null) => (value === null ? null : Number(value));

const toStats = (row: StatsRow): ScoreStats => ({
  ideas: row.ideas,
  pending: row.pending,
  scored: row.scored,
  wins: row.wins,
  winRate: row.scored === 0 ? null : row.wins / row.scored,
  meanReturn: nullableNumber(row.mean_return),
  meanMfe: nullableNumber(row.mean_mfe),
  meanMae: nullableNumber(row.mean_mae),
});

const clampLimit = (limit: number | undefined, fallback: number) =>
  Math.min(Math.max(1, Math.trunc(limit ?? fallback)), 500);

type NotePart = Pick<
  ResearchRepository,
  | 'searchNotes'
  | 'createNote'
  | 'getNote'
  | 'listNotes'
  | 'updateNote'
  | 'deleteNote'
  | 'scorecard'
  | 'pendingIdeas'
  | 'recordScore'
>;

/** Notes and ideas; `db` (the table owner's session) is used only by the scorer's calls across users. */
export function sqlNotes(asUser: AsUser, db: SqlSession): NotePart {
  return {
    searchNotes: (owner, query, options = {}) =>
      query.trim() === ''
        ? Promise.resolve([])
        : asUser(owner, async (session) => {
            const { rows } = await session.query<NoteRow & { rank: number; headline: string }>(
              // passages (ts_headline, the costly part) only for the page of best matches
              `WITH best AS (
                 SELECT ${summaryColumns}, q, ts_rank(search, q) AS rank
                 FROM research_notes, websearch_to_tsquery('english', $2) AS q
                 WHERE owner = $1 AND search @@ q AND ($3::text IS NULL OR $3 = ANY (tags))
                 ORDER BY rank DESC, created_at DESC, id LIMIT $4)
               SELECT *, ts_headline('english', title || ' — ' || body, q, 'MaxWords=30, MinWords=10') AS headline
               FROM best ORDER BY rank DESC, created_ms DESC, id`,
              [owner, query, options.tag ?? null, clampLimit(options.limit, 20)],
            );
            return rows.map(
              (row): NoteHit => ({ ...toSummary(row), rank: Number(row.rank), headline: row.headline }),
            );
          }),

    createNote: (owner, id, body, snapshot) =>
      asUser(owner, async (session) => {
        await session.query(
          `INSERT INTO research_notes (id, owner, title, body, tags, venue, symbol, bar_interval, event_time,
             source_offset, snapshot, direction, horizon_bars)
           VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8, ${fromEpochMs('$9')}, $10, $11::jsonb, $12, $13)`,
          [
            id,
            owner,
            body.title,
            body.body,
            body.tags,
            body.anchor.venue,
            body.anchor.symbol,
            body.anchor.interval,
            body.anchor.eventTime,
            body.anchor.sourceOffset,
            JSON.stringify(snapshot),
            body.idea?.direction ?? null,
            body.idea?.horizonBars ?? null,
          ],
        );
        const note = await readNote(session, owner, id);
        if (!note) throw new Error(`note ${id} vanished after its insert`);
        return note;
      }),

    getNote: (owner, id) => asUser(owner, (session) => readNote(session, owner, id)),

    listNotes: (owner, options = {}) =>
      asUser(owner, async (session) => {
        const { rows } = await session.query<NoteRow>(
          `SELECT ${summaryColumns} FROM research_notes
           WHERE owner = $1 AND ($2::text IS NULL OR $2 = ANY (tags))
           ORDER BY created_at DESC, id LIMIT $3`,
          [owner, options.tag ?? null, clampLimit(options.limit, 50)],
        );
        return rows.map(toSummary);
      }),

    updateNote: (owner, id, patch) =>
      asUser(owner, async (session) => {
        const { rowCount } = await session.query(
          `UPDATE research_notes SET title = coalesce($3, title), body = coalesce($4, body),
             tags = coalesce($5::text[], tags), updated_at = now()
           WHERE owner = $1 AND id = $2`,
          [owner, id, patch.title ?? null, patch.body ?? null, patch.tags ?? null],
        );
        return rowCount === 0 ? null : readNote(session, owner, id);
      }),

    deleteNote: (owner, id) =>
      asUser(owner, async (session) => {
        const { rowCount } = await session.query('DELETE FROM research_notes WHERE owner = $1 AND id = $2', [
          owner,
          id,
        ]);
        return rowCount > 0;
      }),

    scorecard: (owner) =>
      asUser(owner, async (session) => {
        const { rows: overall } = await session.query<StatsRow>(
          `SELECT ${statsColumns} FROM research_notes WHERE owner = $1 AND direction IS NOT NULL`,
          [owner],
        );
        const { rows: byTag } = await session.query<StatsRow & { tag: string }>(
          `SELECT tag, ${statsColumns} FROM research_notes, unnest(tags) AS tag
           WHERE owner = $1 AND direction IS NOT NULL GROUP BY tag ORDER BY tag`,
          [owner],
        );
        const [all] = overall;
        if (!all) throw new Error('an aggregate returned no row');
        return { overall: toStats(all), byTag: byTag.map((row) => ({ tag: row.tag, ...toStats(row) })) };
      }),

    async pendingIdeas(before, limit) {
      const { rows } = await db.query<NoteRow>(
        `SELECT ${summaryColumns} FROM research_notes
         WHERE direction IS NOT NULL AND scored_at IS NULL AND event_time < ${fromEpochMs('$1')}
         ORDER BY event_time, id LIMIT $2`,
        [before, limit],
      );
      return rows.flatMap((row): PendingIdea[] =>
        row.direction === null || row.horizon_bars === null
          ? []
          : [
              {
                owner: row.owner,
                id: row.id,
                anchor: anchorOf(row),
                direction: row.direction,
                horizonBars: row.horizon_bars,
              },
            ],
      );
    },

    recordScore: (owner, id, score) =>
      asUser(owner, async (session) => {
        const { rowCount } = await session.query(
          `UPDATE research_notes SET score = $3::jsonb, scored_at = now()
           WHERE owner = $1 AND id = $2 AND scored_at IS NULL AND direction IS NOT NULL`,
          [owner, id, JSON.stringify(score)],
        );
        return rowCount > 0;
      }),
  };
}
