import type { AlertEvent } from '../alert-event.js';

/** Which alerts a subscriber wants: one owner's, one symbol's, or all. */
export type AlertFilter =
  | { readonly kind: 'owner'; readonly owner: string }
  | { readonly kind: 'symbol'; readonly venue: string; readonly symbol: string }
  | { readonly kind: 'all' };

/** An alert as delivered: `id` orders deliveries and is the resume point after a disconnect. */
export interface AlertDelivery {
  readonly id: string;
  readonly event: AlertEvent;
}

export interface AlertSubscription {
  /** Id of the last delivery handed to the listener (the value to resume from). */
  readonly lastId: string | null;
  close(): Promise<void>;
}

/**
 * The durable record of what a fan-out delivered and under which id (the stream log in production). A
 * fan-out whose history is gone — Redis restarted empty, an in-process fan-out's process restarted —
 * rebuilds its history and its de-duplication window from it with the same ids, so a `resumeAfter` seen
 * before the loss still means the same place, and a re-published event is still recognised.
 */
export interface AlertDeliveryJournal {
  /** Records deliveries; appending one again (same event id, same id) changes nothing. */
  append(deliveries: readonly AlertDelivery[]): Promise<void>;
  /** Every delivery still kept (its retention covers the de-duplication window), in id order, one per event. */
  readAll(): Promise<readonly AlertDelivery[]>;
}

/**
 * Live alert fan-out. `publish` is idempotent by event id (a re-published event after a crash is not
 * delivered twice). Live delivery is best-effort and fast (pub/sub); the bounded history lets a
 * subscriber that was away resume from the last id it saw, as long as that id is still in the history.
 * With an `AlertDeliveryJournal`, ids, history and idempotence survive the loss of the fan-out's own store.
 */
export interface AlertFanout {
  /**
   * Returns the delivery id, or null when this event id was already published. Calls may overlap without
   * awaiting each other: deliveries, ids and history keep the order of the calls.
   */
  publish(event: AlertEvent): Promise<string | null>;
  /** Deliveries after `afterId` (exclusive; null = from the oldest kept), oldest first. */
  history(filter: AlertFilter, afterId: string | null, limit: number): Promise<readonly AlertDelivery[]>;
  /**
   * Live deliveries; with `resumeAfter`, first replays the history after that id, then continues live
   * without gap or duplicate.
   */
  subscribe(
    filter: AlertFilter,
    listener: (delivery: AlertDelivery) => void,
    options?: { readonly resumeAfter?: string },
  ): Promise<AlertSubscription>;
  close(): Promise<void>;
}
