import type {
  IdeaScore,
  Note,
  NoteAnchor,
  NoteBody,
  NoteHit,
  NotePatch,
  NoteSnapshot,
  NoteSummary,
  Scorecard,
  Watchlist,
  WatchlistBody,
  WatchlistChange,
} from '../research.js';

/**
 * The research workspace, part of the store port (sql/0016). Every call on a user's rows names the user and
 * runs under row-level security as that user (nexural_app_user + nexural.user_id): one user never reads or
 * changes another's watchlists or notes, even through a query bug.
 */

/** What the Discord bot, the newsletter and the API read. */
export interface ResearchReader {
  /** The user's watchlists by position then id, sections and items in order. */
  watchlistsOf(userId: string): Promise<readonly Watchlist[]>;
  /**
   * The user's notes matching `query` (web search syntax: words, "a phrase", -excluded, or), best first.
   * An empty query matches nothing.
   */
  searchNotes(userId: string, query: string, options?: NoteSearchOptions): Promise<readonly NoteHit[]>;
}

export interface NoteSearchOptions {
  /** only notes carrying this tag */
  readonly tag?: string;
  /** default 20, max 500 */
  readonly limit?: number;
}

export interface NoteListOptions {
  readonly tag?: string;
  /** default 50, max 500 */
  readonly limit?: number;
}

export interface WatchlistSaved {
  readonly watchlist: Watchlist;
  readonly entered: readonly { venue: string; symbol: string }[];
  readonly left: readonly { venue: string; symbol: string }[];
}

/** An idea the scorer has to look at: its anchor, direction and horizon. */
export interface PendingIdea {
  readonly owner: string;
  readonly id: string;
  readonly anchor: NoteAnchor;
  readonly direction: 'long' | 'short';
  readonly horizonBars: number;
}

export interface ResearchRepository extends ResearchReader {
  getWatchlist(owner: string, id: string): Promise<Watchlist | null>;
  /** Creates or replaces; records which symbols entered and left (sections and notes may change freely). */
  putWatchlist(owner: string, id: string, body: WatchlistBody): Promise<WatchlistSaved>;
  /** true if it existed; its symbols are recorded as left */
  deleteWatchlist(owner: string, id: string): Promise<boolean>;
  /** Entries and exits, oldest first; kept after the watchlist is deleted. */
  watchlistHistory(owner: string, id: string): Promise<readonly WatchlistChange[]>;
  /** Makes rule `ruleId` follow the watchlist (null: follow none). */
  setRuleWatchlist(owner: string, ruleId: string, watchlistId: string | null): Promise<void>;
  /** Rules following the watchlist, by id. */
  rulesFollowing(owner: string, watchlistId: string): Promise<readonly string[]>;
  /** The watchlist rule `ruleId` follows, or null. */
  watchlistOfRule(owner: string, ruleId: string): Promise<string | null>;

  createNote(owner: string, id: string, body: NoteBody, snapshot: NoteSnapshot): Promise<Note>;
  getNote(owner: string, id: string): Promise<Note | null>;
  /** Newest first, without snapshots. */
  listNotes(owner: string, options?: NoteListOptions): Promise<readonly NoteSummary[]>;
  updateNote(owner: string, id: string, patch: NotePatch): Promise<Note | null>;
  deleteNote(owner: string, id: string): Promise<boolean>;
  /** The user's ideas scored and pending, overall and per tag. */
  scorecard(owner: string): Promise<Scorecard>;

  /** Ideas of every user not scored yet whose event time is before `before`, oldest first (the scorer's). */
  pendingIdeas(before: number, limit: number): Promise<readonly PendingIdea[]>;
  /** Records a final score (once: an idea already scored keeps its score); true if recorded. */
  recordScore(owner: string, id: string, score: IdeaScore & { status: 'scored' }): Promise<boolean>;
}
