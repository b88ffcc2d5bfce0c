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
