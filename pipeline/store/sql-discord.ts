import type {
  AskQuota,
  ConversationStore,
  ConversationTurn,
  DiscordLinks,
} from '../../schemas/ports/discord.js';
import type { SqlSession } from './sql-database.js';

/**
 * Discord links, analyst conversations and the /ask quota over discord_links / discord_conversations (sql/0021,
 * row-level security sql/0022) and discord_ask_usage (sql/0026).
 */
export function sqlDiscordState(db: SqlSession): {
  links: DiscordLinks;
  conversations: ConversationStore;
  askQuota: AskQuota;
} {
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
    askQuota: {
      async take(account, day, limit, owner) {
        // one statement: two bot processes taking the last question at once cannot both get it
        const { rows } =
          limit > 0
            ? await db.query<{ asked: number }>(
                `INSERT INTO discord_ask_usage (account, day, asked, owner) VALUES ($1, $2::date, 1, $4)
                 ON CONFLICT (account, day) DO UPDATE SET asked = discord_ask_usage.asked + 1
                   WHERE discord_ask_usage.asked < $3
                 RETURNING asked`,
                [account, day, limit, owner],
              )
            : { rows: [] };
        const taken = rows[0];
        if (taken) return { allowed: true, used: Number(taken.asked) };
        const current = await db.query<{ asked: number }>(
          'SELECT asked FROM discord_ask_usage WHERE account = $1 AND day = $2::date',
          [account, day],
        );
        return { allowed: false, used: Number(current.rows[0]?.asked ?? 0) };
      },
    },
  };
}
