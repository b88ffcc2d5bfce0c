import type { ConversationStore, ConversationTurn, DiscordLinks } from '../../schemas/ports/discord.js';
import type { SqlSession } from './sql-database.js';

/** Discord links and analyst conversations over discord_links / discord_conversations (sql/0021, row-level security sql/0022). */
export function sqlDiscordState(db: SqlSession): { links: DiscordLinks; conversations: ConversationStore } {
  return {
    links: {
      async link(user, owner) {
        await db.query(
          `INSERT INTO discord_links (discord_user_id, owner) VALUES ($1, $2)
           ON CONFLICT (discord_user_id) DO UPDATE SET owner = EXCLUDED.owner, linked_at = now()`,
          [user, owner],
        );
      },
      async ownerOf(user) {
        const { rows } = await db.query<{ owner: string }>(
          'SELECT owner FROM discord_links WHERE discord_user_id = $1',
          [user],
        );
        return rows[0]?.owner ?? null;
      },
      async unlink(user) {
        const { rowCount } = await db.query('DELETE FROM discord_links WHERE discord_user_id = $1', [user]);
        return rowCount > 0;
      },
      async discordUsersOf(owner) {
        const { rows } = await db.query<{ discord_user_id: string }>(
          'SELECT discord_user_id FROM discord_links WHERE owner = $1 ORDER BY linked_at, discord_user_id',
          [owner],
        );
        return rows.map((row) => row.discord_user_id);
      },
      async all() {
        const { rows } = await db.query<{ discord_user_id: string; owner: string }>(
          'SELECT discord_user_id, owner FROM discord_links ORDER BY discord_user_id',
        );
        return rows.map((row) => ({ discordUserId: row.discord_user_id, owner: row.owner }));
      },
    },
    conversations: {
      async turns(conversation) {
        const { rows } = await db.query<{ turns: ConversationTurn[] | string }>(
          'SELECT turns FROM discord_conversations WHERE conversation = $1',
          [conversation],
        );
        const turns = rows[0]?.turns;
        if (turns === undefined) return [];
        return typeof turns === 'string' ? (JSON.parse(turns) as ConversationTurn[]) : turns;
      },
      async save(conversation, turns, owner = null) {
        await db.query(
          `INSERT INTO discord_conversations (conversation, turns, owner) VALUES ($1, $2::jsonb, $3)
           ON CONFLICT (conversation) DO UPDATE
             SET turns = EXCLUDED.turns, owner = COALESCE(EXCLUDED.owner, discord_conversations.owner), updated_at = now()`,
          [conversation, JSON.stringify(turns), owner],
        );
      },
    },
  };
}
