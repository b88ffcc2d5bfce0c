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
