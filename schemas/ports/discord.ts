/** Discord users linked to Nexural accounts, and the analyst's conversations (sql/0021). */
export interface DiscordLinks {
  /** Links (or re-links) a Discord user to an owner. */
  link(discordUserId: string, owner: string): Promise<void>;
  ownerOf(discordUserId: string): Promise<string | null>;
  unlink(discordUserId: string): Promise<boolean>;
  /** The Discord users linked to an owner (alert DMs, roles), oldest link first. */
  discordUsersOf(owner: string): Promise<readonly string[]>;
  /** Every link (the roles reconcile job). */
  all(): Promise<readonly { readonly discordUserId: string; readonly owner: string }[]>;
}

export interface ConversationTurn {
  readonly role: 'user' | 'assistant' | 'summary';
  readonly content: string;
  /** ms since epoch */
  readonly at: number;
}

/** One conversation's turns (the thread, or channel + user), oldest first. */
export interface ConversationStore {
  turns(conversation: string): Promise<readonly ConversationTurn[]>;
  /**
   * Replaces the conversation's turns (after appending or summarising); `owner` is the linked Nexural user who
   * asked (row-level security, sql/0022), null or absent for an unlinked Discord user.
   */
  save(conversation: string, turns: readonly ConversationTurn[], owner?: string | null): Promise<void>;
}

/** The analyst's daily question quota (sql/0026): counted where every bot process of the account sees it. */
export interface AskQuota {
  /**
   * Takes one question of `account` on `day` (UTC, YYYY-MM-DD) if fewer than `limit` were taken: `used` is the
   * count after taking it, or the count that stopped it. `owner` is the linked Nexural user (null when unlinked).
   */
  take(
    account: string,
    day: string,
    limit: number,
    owner: string | null,
  ): Promise<{ readonly allowed: boolean; readonly used: number }>;
}
