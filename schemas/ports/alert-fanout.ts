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
 * Live alert fan-out. `publish` is idempotent by event id (a re-published event after a crash is not
 * delivered twice). Live delivery is best-effort and fast (pub/sub); the bounded history lets a
 * subscriber that was away resume from the last id it saw, as long as that id is still in the history.
 */
export interface AlertFanout {
  /** Returns the delivery id, or null when this event id was already published. */
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
