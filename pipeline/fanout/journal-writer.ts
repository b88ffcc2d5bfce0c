import type { AlertDelivery, AlertDeliveryJournal } from '../../schemas/ports/alert-fanout.js';

export interface JournalWriter {
  /** queues a delivery for the journal (publishing does not wait for it) */
  add(delivery: AlertDelivery): void;
  /** resolves once everything queued so far is appended (or given up on, with a warning) */
  flushed(): Promise<void>;
}

const ATTEMPTS = 6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Appends deliveries to the journal in order and in batches, off the publish path, so live delivery never
 * waits for the log. A failing append is retried with backoff (~6 s), then dropped with a warning: that
 * delivery would not survive a later loss of the fan-out's store.
 */
export function createJournalWriter(
  journal: AlertDeliveryJournal | undefined,
  warn: (message: string) => void,
): JournalWriter {
  const queue: AlertDelivery[] = [];
  let flushing: Promise<void> = Promise.resolve();
  let running = false;

  const appendWithRetries = async (batch: readonly AlertDelivery[]) => {
    for (let attempt = 1; journal !== undefined; attempt += 1) {
      try {
        await journal.append(batch);
        return;
      } catch (error) {
        if (attempt >= ATTEMPTS) {
          warn(`alert delivery journal: ${batch.length} deliveries not recorded (${String(error)})`);
          return;
        }
        await sleep(100 * 2 ** attempt);
      }
    }
  };

  const drain = async () => {
    while (queue.length > 0) await appendWithRetries(queue.splice(0, 500));
    running = false;
  };

  return {
    add(delivery) {
      if (journal === undefined) return;
      queue.push(delivery);
      if (running) return;
      running = true;
      flushing = drain();
    },
    flushed: () => flushing,
  };
}
