import type { ResearchRepository } from '../../schemas/ports/research.js';
import type { SqlDatabase } from './sql-database.js';
import { sqlNotes } from './sql-notes.js';
import { type AsUser, sqlWatchlists } from './sql-watchlists.js';

/**
 * The research workspace over the store's database (sql/0016). A user's statements run in a transaction as
 * `nexural_app_user` with `nexural.user_id` set, so row-level security holds even if a query forgot its owner
 * filter; only the scorer's `pendingIdeas` reads across users, as the table owner. The connecting role must be
 * allowed to SET ROLE nexural_app_user (as for the accounts, api/adapters/sql-accounts.ts).
 */
export function sqlResearchRepository(db: SqlDatabase): ResearchRepository {
  const asUser: AsUser = (owner, work) =>
    db.transaction(async (session) => {
      await session.query('SET LOCAL ROLE nexural_app_user');
      await session.query(`SELECT set_config('nexural.user_id', $1, true)`, [owner]);
      return work(session);
    });
  return { ...sqlWatchlists(asUser), ...sqlNotes(asUser, db) };
}
