import type { AlertDelivery, AlertSubscription } from '../../schemas/ports/alert-fanout.js';
import { compareDeliveryIds } from './delivery-id.js';

/**
 * Joins history and live deliveries without gap or duplicate: live deliveries are buffered while the
 * history after `resumeAfter` is read, then the buffer is drained skipping ids already delivered.
 * Both adapters use it, so resume semantics are identical.
 */
export async function openResumableSubscription(options: {
  readonly resumeAfter: string | undefined;
  readonly listener: (delivery: AlertDelivery) => void;
  readonly attachLive: (onLive: (delivery: AlertDelivery) => void) => Promise<() => Promise<void>>;
  readonly readHistory: (afterId: string) => Promise<readonly AlertDelivery[]>;
}): Promise<AlertSubscription> {
  let lastId: string | null = options.resumeAfter ?? null;
  let buffer: AlertDelivery[] | null = options.resumeAfter === undefined ? null : [];
  let closed = false;

  const deliver = (delivery: AlertDelivery) => {
    if (closed) return;
    if (lastId !== null && compareDeliveryIds(delivery.id, lastId) <= 0) return;
    lastId = delivery.id;
    options.listener(delivery);
  };

  const detach = await options.attachLive((delivery) => {
    if (buffer) buffer.push(delivery);
    else deliver(delivery);
  });

  if (options.resumeAfter !== undefined) {
    // Page through the history so a long absence does not load everything at once.
    let page = await options.readHistory(options.resumeAfter);
    while (page.length > 0 && !closed) {
      for (const delivery of page) deliver(delivery);
      const last = page[page.length - 1];
      page = last ? await options.readHistory(last.id) : [];
    }
    const pending = buffer ?? [];
    buffer = null;
    for (const delivery of pending) deliver(delivery);
  }

  return {
    get lastId() {
      return lastId;
    },
    async close() {
      closed = true;
      await detach();
    },
  };
}
