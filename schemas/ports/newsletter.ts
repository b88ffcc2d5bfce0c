/** One stored edition (table newsletter_issues): its boundaries are what the next edition starts from. */
export interface StoredEdition {
  readonly id: string;
  /** ms, inclusive */
  readonly periodStart: number;
  /** ms, exclusive */
  readonly periodEnd: number;
  readonly subject: string;
  readonly bodyMarkdown: string;
  readonly status: 'draft' | 'sent';
  readonly sentAt: number | null;
}

/** The archive of every edition, newest last. */
export interface NewsletterArchive {
  /** The edition with the latest end, or null before the first one. */
  latest(): Promise<StoredEdition | null>;
  /** Stores the edition; an edition with the same boundaries already stored is returned instead (a rerun is a no-op). */
  save(edition: StoredEdition): Promise<StoredEdition>;
  get(id: string): Promise<StoredEdition | null>;
  list(limit: number): Promise<readonly StoredEdition[]>;
  markSent(id: string, at: number): Promise<void>;
}

export type SubscriberStatus = 'pending' | 'active' | 'unsubscribed';

/** Double opt-in subscribers: only confirmed (`active`) addresses receive editions. */
export interface NewsletterSubscribers {
  /**
   * Starts (or restarts) the opt-in: stores the address as pending with the hash of `confirmToken`. An active
   * address stays active (returns 'active', nothing to mail).
   */
  subscribe(email: string, confirmToken: string): Promise<SubscriberStatus>;
  /** Activates the address whose pending token this is; null if the token is unknown or used. */
  confirm(confirmToken: string): Promise<string | null>;
  /** true if the address was pending or active. */
  unsubscribe(email: string): Promise<boolean>;
  /** Active addresses in a stable order (the send order). */
  active(): Promise<readonly string[]>;
  status(email: string): Promise<SubscriberStatus | null>;
}

/** The next edition as it would go out now (nothing archived, nothing sent). */
export interface EditionPreview {
  readonly periodStart: number;
  readonly periodEnd: number;
  readonly subject: string;
  readonly markdown: string;
  /** e-mail HTML with the charts inline as data: URIs, so it shows in a browser */
  readonly html: string;
}

/** What the API asks of the newsletter studio (consumers/newsletter/service.ts). */
export interface NewsletterStudio {
  /** null when nothing new can be covered since the last edition */
  preview(): Promise<EditionPreview | null>;
  /** Starts a double opt-in: stores the address as pending and mails it a confirmation link. */
  subscribe(email: string): Promise<SubscriberStatus>;
}

/** A note its owner selected for the newsletter (tagged `newsletter`), written during the edition's window. */
export interface SelectedNote {
  readonly id: string;
  readonly title: string;
  /** the author's display name, null when they have none (the address is never shown) */
  readonly author: string | null;
  readonly venue: string;
  readonly symbol: string;
  /** ideas: long or short; null for a plain note */
  readonly direction: 'long' | 'short' | null;
  /** the Markdown body, whole (renderers shorten it) */
  readonly body: string;
  /** ms */
  readonly createdAt: number;
}

/** One of a reader's strategies over an edition's window, from the strategy tracker's tables. */
export interface StrategyResult {
  readonly id: string;
  readonly name: string;
  readonly venue: string;
  /** comma-separated, as stored */
  readonly symbols: string;
  /** round trips closed in the window */
  readonly closedTrades: number;
  /** of those, the ones with pnl > 0 */
  readonly wins: number;
  /** sum of the closed round trips' PnL net of fees, quote currency */
  readonly realizedPnl: number;
  /** last equity point before the window (else the first in it); null when it has none up to the window's end */
  readonly equityStart: number | null;
  /** last equity point before the window's end */
  readonly equityEnd: number | null;
}

/** Who a subscriber is to the newsletter: the user with that address (if any), their plan and their data. */
export interface ReaderProfile {
  readonly email: string;
  /** null: no user has this address (a plain subscriber, the fallback plan) */
  readonly userId: string | null;
  /** the plan's `premiumNewsletter` entitlement at the window's end */
  readonly premium: boolean;
  /** the symbols of the reader's watchlists, in watchlist then section then item order, each once */
  readonly watchlist: readonly { readonly venue: string; readonly symbol: string }[];
  readonly strategies: readonly StrategyResult[];
}

/** What the newsletter reads beyond market data: per reader, and the notes selected for an edition. */
export interface NewsletterReaders {
  profile(email: string, window: { readonly from: number; readonly to: number }): Promise<ReaderProfile>;
  /** notes tagged `newsletter` created in [from, to), oldest first */
  selectedNotes(window: { readonly from: number; readonly to: number }): Promise<readonly SelectedNote[]>;
}
