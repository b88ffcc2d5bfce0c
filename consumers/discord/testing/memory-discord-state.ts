import type {
  AskQuota,
  ConversationStore,
  ConversationTurn,
  DiscordLinks,
} from '../../../schemas/ports/discord.js';

/** A quota kept in this process only: for tests of handlers that are not about the quota. */
export function memoryAskQuota(): AskQuota {
  const used = new Map<string, number>();
  return {
    async take(account, day, limit) {
      const key = `${account}:${day}`;
      const before = used.get(key) ?? 0;
      if (before >= limit) return { allowed: false, used: before };
      used.set(key, before + 1);
      return { allowed: true, used: before + 1 };
    },
  };
}

/** In-memory links and conversations: for tests of handlers. */
export function memoryDiscordState(): { links: DiscordLinks; conversations: ConversationStore } {
  const links = new Map<string, string>();
  const conversations = new Map<string, readonly ConversationTurn[]>();
  return {
    links: {
      async link(user, owner) {
        links.set(user, owner);
      },
      async ownerOf(user) {
        return links.get(user) ?? null;
      },
      async unlink(user) {
        return links.delete(user);
      },
      async discordUsersOf(owner) {
        return [...links].filter(([, linked]) => linked === owner).map(([user]) => user);
      },
      async all() {
        return [...links].map(([discordUserId, owner]) => ({ discordUserId, owner }));
      },
    },
    conversations: {
      async turns(conversation) {
        return conversations.get(conversation) ?? [];
      },
      async save(conversation, turns) {
        conversations.set(conversation, [...turns]);
      },
    },
  };
}
