import type { LogRecord } from '../schemas/ports/stream-log.js';
import type { ConsumerRecord } from './define-consumer.js';

export interface RetryPolicy {
  /** calls of `handle` per batch, then per record, before giving up; default 3 */
  readonly attempts: number;
  /** wait before the 2nd attempt; doubles per attempt; default 100 ms */
  readonly backoffMs: number;
}

export interface HandleRequest {
  readonly pairs: readonly { readonly record: LogRecord; readonly decoded: ConsumerRecord }[];
  handle(records: readonly ConsumerRecord[]): Promise<void>;
  readonly retry: Partial<RetryPolicy>;
  onRetry(error: unknown): void;
  deadLetter(record: LogRecord, error: unknown): Promise<void>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An error that says doing it again can succeed (a service down): never a reason to drop a record. */
const isRetryable = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;

async function attempt(
  call: () => Promise<void>,
  policy: RetryPolicy,
  onRetry: (error: unknown) => void,
): Promise<{ ok: true } | { ok: false; error: unknown }> {
  for (let run = 1; ; run += 1) {
    try {
      await call();
      return { ok: true };
    } catch (error) {
      if (run >= policy.attempts) return { ok: false, error };
      onRetry(error);
      await pause(policy.backoffMs * 2 ** (run - 1));
    }
  }
}

/**
 * Hands a batch to the consumer; if it keeps failing, record by record, so one poison record costs only
 * itself: it goes to the dead-letter topic and the rest are handled. Effects already made by a failed
 * attempt are in the ledger, so handling those records again repeats none. A record failing with a
 * retryable error (a service down) is never dead-lettered: the error stops the consumer before the commit,
 * and a restart delivers the record again.
 */
export async function handleWithRetries(request: HandleRequest): Promise<void> {
  const policy: RetryPolicy = { attempts: 3, backoffMs: 100, ...request.retry };
  if (request.pairs.length === 0) return;
  const whole = await attempt(
    () => request.handle(request.pairs.map((pair) => pair.decoded)),
    policy,
    request.onRetry,
  );
  if (whole.ok) return;
  if (request.pairs.length === 1 && isRetryable(whole.error)) throw whole.error;
  for (const pair of request.pairs) {
    const single =
      request.pairs.length === 1
        ? whole
        : await attempt(() => request.handle([pair.decoded]), policy, request.onRetry);
    if (single.ok) continue;
    if (isRetryable(single.error)) throw single.error;
    await request.deadLetter(pair.record, single.error);
  }
}
