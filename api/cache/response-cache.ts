interface Entry {
  readonly body: string;
  readonly expires: number;
}

/**
 * Serialized answers of shared (not per-user) reads for a short time: many dashboards asking for the same
 * range cost one query and one serialization per `ttlMs`. Concurrent misses of one key share one load.
 */
export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<string>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  async get(key: string, load: () => Promise<string>): Promise<string> {
    if (this.ttlMs <= 0) return load();
    const at = this.now();
    const cached = this.entries.get(key);
    if (cached && cached.expires > at) return cached.body;
    const pending = this.loading.get(key);
    if (pending) return pending;
    const promise = load().finally(() => this.loading.delete(key));
    this.loading.set(key, promise);
    const body = await promise;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { body, expires: at + this.ttlMs });
    return body;
  }
}
