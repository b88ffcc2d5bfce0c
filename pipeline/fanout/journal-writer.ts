import type { AlertDelivery, AlertDeliveryJournal } from '../../schemas/ports/alert-fanout.js';

export interface JournalWriter {
  /** queues a delivery for the journal (publishing does not wait for it) */
  add(delivery: AlertDelivery): void;
  /** resolves once everything queued so far is appended (waits while the log is unreachable) */
  flushed(): Promise<void>;
  /** waits up to `timeoutMs` for the queue, then gives up on what is left, with a warning */
  close(timeoutMs: number): Promise<void>;
}

/** Deliveries waiting for an unreachable log; beyond this the oldest are given up on, with a warning. */
export const MAX_QUEUED_DELIVERIES = 100_000;
const FIRST_DELAY_MS = 200;
const MAX_DELAY_MS = 5_000;
const BATCH = 500;
/**
 * How long the first delivery of a batch waits for others: each append is a produce request on the log
 * (~100 a second at 100 alerts a second without it), and the journal is read only after Redis loses its data.
 */
export const JOURNAL_LINGER_MS = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * Appends deliveries to the journal in order and in batches, off the publish path, so live delivery never
 * waits for the log. A failing append (the log unreachable) is retried with capped backoff until it
 * works, so a delivery made during a broker outage is journaled once the broker is back and survives a
 * later loss of the fan-out's store. Given up on only when more than MAX_QUEUED_DELIVERIES wait, or when
 * the process closes before the log answers: both with a warning naming how many.
 */
export function createJournalWriter(
  journal: AlertDeliveryJournal | undefined,
  warn: (message: string) => void,
  lingerMs = JOURNAL_LINGER_MS,
): JournalWriter {
  const queue: AlertDelivery[] = [];
  let flushing: Promise<void> = Promise.resolve();
  let running = false;
  let closing = false;
  let dropped = 0;
  // set while the drain lingers; flushed() and close() end the wait: somebody needs the deliveries now
  let endLinger: (() => void) | null = null;

  const linger = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        endLinger = null;
        resolve();
      }, lingerMs);
      endLinger = () => {
        clearTimeout(timer);
        endLinger = null;
        resolve();
      };
    });

  const appendWithRetries = async (batch: readonly AlertDelivery[]): Promise<boolean> => {
    for (let attempt = 1; journal !== undefined; attempt += 1) {
      try {
        await journal.append(batch);
        if (attempt > 1) warn(`alert delivery journal: recorded again after ${attempt} attempts`);
        return true;
      } catch (error) {
        if (closing) return false;
        if (attempt === 1) {
          warn(
            `alert delivery journal: appending ${batch.length} deliveries failed (${String(error)}); retrying until the log answers`,
          );
        }
        await sleep(Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (attempt - 1)));
      }
    }
    return true;
  };

  const drain = async () => {
    if (lingerMs > 0) await linger();
    while (queue.length > 0 && !closing) {
      const batch = queue.slice(0, BATCH);
      // appended (or closing): only now leave the queue, so close() counts what was never recorded
      if (await appendWithRetries(batch)) queue.splice(0, batch.length);
    }
    running = false;
  };

  return {
    add(delivery) {
      if (journal === undefined || closing) return;
      queue.push(delivery);
      if (queue.length > MAX_QUEUED_DELIVERIES) {
        queue.shift();
        if (dropped++ === 0) {
          warn(
            `alert delivery journal: more than ${MAX_QUEUED_DELIVERIES} deliveries wait for the log; the oldest are not recorded (a Redis restart will not restore them)`,
          );
        }
      }
      if (running) return;
      running = true;
      flushing = drain();
    },
    flushed() {
      endLinger?.();
      return flushing;
    },
    async close(timeoutMs) {
      endLinger?.();
      await Promise.race([flushing, sleep(timeoutMs)]);
      closing = true;
      if (queue.length > 0) {
        warn(
          `alert delivery journal: ${queue.length} deliveries not recorded (the log did not answer before close); a Redis restart will not restore them`,
        );
      }
      await flushing;
    },
  };
}
