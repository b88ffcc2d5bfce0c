import type { ApiKeyRecord } from '../../schemas/ports/accounts.js';

interface Entry {
  readonly key: ApiKeyRecord | null;
  readonly expires: number;
}

/**
 * Key lookups (by hash or by id) remembered for a few seconds, misses included, so a hot read path costs a
 * hash and a map lookup instead of a query. Revoking through this process forgets the key at once; another
 * API process notices within `ttlMs`.
 */
export class KeyLookupCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  async get(lookup: string, load: () => Promise<ApiKeyRecord | null>): Promise<ApiKeyRecord | null> {
    const at = this.now();
    const cached = this.entries.get(lookup);
    if (cached && cached.expires > at) return cached.key;
    const key = await load();
    // Bounded without bookkeeping: a full cache starts over (entries are cheap to reload).
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(lookup, { key, expires: at + this.ttlMs });
    return key;
  }

  forgetKey(keyId: string): void {
    for (const [lookup, entry] of this.entries) {
      if (entry.key?.id === keyId || lookup === `id:${keyId}`) this.entries.delete(lookup);
    }
  }
}
