import type { TopicPartition } from '../../../schemas/ports/stream-log.js';

export interface RebuildOptions {
  /** first wait before an attempt; doubled per failed attempt up to `maxDelayMs`, each drawn with jitter */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** one attempt: the partition is rebuilt when it resolves; a throw waits and tries again */
  readonly attempt: (source: TopicPartition, isCurrent: () => boolean) => Promise<void>;
  readonly warn: (message: string) => void;
  /** called whenever the set of partitions being rebuilt changes */
  readonly onChange: (rebuilding: ReadonlyMap<number, string>) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * Sets up partitions off the consumer's rebalance path (a fresh assignment, whose restore may wait on the
 * state topic longer than the group's session timeout) and rebuilds those whose commit failed (an
 * unreachable broker, a lost coordinator): waits with capped exponential backoff and "equal jitter" (half fixed, half random,
 * so several processors do not retry in step), then tries again until it works, the partition is revoked
 * or re-assigned (a newer rebuild or assignment supersedes this one), or `stop()`.
 */
export class PartitionRebuilds {
  private readonly current = new Map<number, { readonly token: symbol; readonly reason: string }>();
  private stopped = false;

  constructor(private readonly options: RebuildOptions) {}

  /** Partitions being rebuilt, with why. */
  get reasons(): ReadonlyMap<number, string> {
    return new Map([...this.current].map(([partition, { reason }]) => [partition, reason]));
  }

  /** `immediate`: the first attempt runs at once (a fresh assignment), later ones back off as usual. */
  start(source: TopicPartition, reason: string, immediate = false): void {
    if (this.stopped) return;
    const token = Symbol(`rebuild ${source.partition}`);
    this.current.set(source.partition, { token, reason });
    this.options.onChange(this.reasons);
    const isCurrent = () => !this.stopped && this.current.get(source.partition)?.token === token;
    void (async () => {
      for (let attempt = 0; isCurrent(); attempt++) {
        const cap = Math.min(this.options.maxDelayMs, this.options.firstDelayMs * 2 ** attempt);
        if (!immediate || attempt > 0) await sleep(cap / 2 + (Math.random() * cap) / 2);
        if (!isCurrent()) return;
        try {
          await this.options.attempt(source, isCurrent);
          break;
        } catch (error) {
          this.options.warn(
            `${source.topic}/${source.partition}: rebuild attempt ${attempt + 1} failed (${String(error)}); retrying`,
          );
        }
      }
      if (isCurrent()) this.cancel(source.partition);
    })();
  }

  /** Forgets a rebuild (done, revoked or superseded); a running attempt notices at its next step. */
  cancel(partition: number): boolean {
    const had = this.current.delete(partition);
    if (had) this.options.onChange(this.reasons);
    return had;
  }

  stop(): void {
    this.stopped = true;
    this.current.clear();
  }
}
