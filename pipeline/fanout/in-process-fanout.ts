import type { AlertEvent } from '../../schemas/alert-event.js';
import type {
  AlertDelivery,
  AlertDeliveryJournal,
  AlertFanout,
  AlertFilter,
  AlertSubscription,
} from '../../schemas/ports/alert-fanout.js';
import { matchesFilter } from './alert-filter.js';
import { compareDeliveryIds } from './delivery-id.js';
import { createJournalWriter } from './journal-writer.js';
import { openResumableSubscription } from './resumable-subscription.js';

export interface InProcessFanoutOptions {
  /** Deliveries kept for catch-up (oldest dropped first). */
  readonly historyLength?: number;
  /** Event ids remembered to make publish idempotent. */
  readonly seenCapacity?: number;
  readonly now?: () => number;
  /**
   * Where every delivery is recorded durably; a new fan-out (the process restarted) starts from it: the
   * same history and ids, and the event ids it holds count as published.
   */
  readonly journal?: AlertDeliveryJournal;
  readonly onWarning?: (message: string) => void;
}

const HISTORY_PAGE = 1000;

/** The embedded adapter: same ids, idempotence and resume semantics as Redis, in one process. */
export function createInProcessFanout(options: InProcessFanoutOptions = {}): AlertFanout {
  const historyLength = options.historyLength ?? 100_000;
  const seenCapacity = options.seenCapacity ?? 1_000_000;
  const now = options.now ?? Date.now;
  const history: AlertDelivery[] = [];
  const seen = new Set<string>();
  const listeners = new Set<{ filter: AlertFilter; onLive: (delivery: AlertDelivery) => void }>();
  let lastMs = 0;
  let lastSeq = 0;
  const warn = options.onWarning ?? (() => {});
  const journal = createJournalWriter(options.journal, warn);

  const remember = (eventId: string) => {
    seen.add(eventId);
    if (seen.size > seenCapacity) {
      const oldest = seen.values().next();
      if (!oldest.done) seen.delete(oldest.value);
    }
  };

  const keep = (delivery: AlertDelivery) => {
    history.push(delivery);
    if (history.length > historyLength) history.splice(0, history.length - historyLength);
  };

  // Read on first use, so a process that never touches the fan-out (a sink) never reads the journal.
  let restoring: Promise<void> | null = null;
  const restored = () => {
    restoring ??= (options.journal?.readAll() ?? Promise.resolve([])).then(
      (deliveries) => {
        for (const delivery of deliveries) {
          remember(delivery.event.id);
          keep(delivery);
          const [ms = 0, seq = 0] = delivery.id.split('-').map(Number);
          if (ms > lastMs || (ms === lastMs && seq > lastSeq)) [lastMs, lastSeq] = [ms, seq];
        }
      },
      (error: unknown) =>
        warn(`alert fan-out: delivery journal unreadable, starting empty: ${String(error)}`),
    );
    return restoring;
  };

  const nextId = () => {
    const ms = now();
    if (ms > lastMs) {
      lastMs = ms;
      lastSeq = 0;
    } else {
      lastSeq += 1;
    }
    return `${lastMs}-${lastSeq}`;
  };

  const historyAfter = (filter: AlertFilter, afterId: string | null, limit: number) => {
    const page: AlertDelivery[] = [];
    for (const delivery of history) {
      if (page.length >= limit) break;
      if (afterId !== null && compareDeliveryIds(delivery.id, afterId) <= 0) continue;
      if (matchesFilter(filter, delivery.event)) page.push(delivery);
    }
    return page;
  };

  return {
    async publish(event: AlertEvent) {
      await restored();
      if (seen.has(event.id)) return null;
      remember(event.id);
      const delivery: AlertDelivery = { id: nextId(), event };
      keep(delivery);
      journal.add(delivery);
      for (const listener of listeners) {
        if (matchesFilter(listener.filter, event)) listener.onLive(delivery);
      }
      return delivery.id;
    },

    async history(filter, afterId, limit) {
      await restored();
      return historyAfter(filter, afterId, limit);
    },

    async subscribe(filter, listener, subscribeOptions): Promise<AlertSubscription> {
      await restored();
      return openResumableSubscription({
        resumeAfter: subscribeOptions?.resumeAfter,
        listener,
        attachLive: async (onLive) => {
          const entry = { filter, onLive };
          listeners.add(entry);
          return async () => {
            listeners.delete(entry);
          };
        },
        readHistory: async (afterId) => historyAfter(filter, afterId, HISTORY_PAGE),
      });
    },

    async close() {
      await journal.close(10_000);
      listeners.clear();
    },
  };
}
