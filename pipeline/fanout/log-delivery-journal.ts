import { z } from 'zod';
import { alertEventSchema } from '../../schemas/alert-event.js';
import { NexuralError } from '../../schemas/errors.js';
import type { AlertDelivery, AlertDeliveryJournal } from '../../schemas/ports/alert-fanout.js';
import type { LogProducer, StreamLog, TopicSpec } from '../../schemas/ports/stream-log.js';
import { openTableReader } from '../runtime/processor/table-reader.js';
import { compareDeliveryIds } from './delivery-id.js';

/** Longer than the Redis fan-out's 7-day de-duplication window, so a rebuild restores all of it. */
export const JOURNAL_RETENTION_MS = 8 * 24 * 3600 * 1000;

const deliverySchema = z.object({ id: z.string().regex(/^\d+-\d+$/), event: alertEventSchema });

const parseDelivery = (value: Buffer): AlertDelivery | null => {
  try {
    const parsed = deliverySchema.safeParse(JSON.parse(value.toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
};

export const deliveryJournalTopicSpec = (name: string): TopicSpec => ({
  name,
  partitions: 1,
  compacted: false,
  retentionMs: JOURNAL_RETENTION_MS,
});

export interface LogDeliveryJournal extends AlertDeliveryJournal {
  close(): Promise<void>;
}

/**
 * The delivery journal on the stream log: one record per delivery keyed by event id, stamped with the
 * delivery time (so retention counts from it). Reading it back reads the topic from its start with a
 * group of its own, like the processor's table reader.
 */
export function createLogDeliveryJournal(
  log: StreamLog,
  topic: string,
  options: { readonly readTimeoutMs?: number } = {},
): LogDeliveryJournal {
  let producer: Promise<LogProducer> | null = null;
  const readTimeoutMs = options.readTimeoutMs ?? 30_000;

  return {
    async append(deliveries) {
      if (deliveries.length === 0) return;
      // a producer that failed to connect (broker down) is not kept: the next append connects again
      producer ??= log.createProducer();
      const opening = producer;
      const ready = await opening.catch((error: unknown) => {
        if (producer === opening) producer = null;
        throw error;
      });
      await ready.send(
        deliveries.map((delivery) => ({
          topic,
          key: delivery.event.id,
          value: Buffer.from(JSON.stringify(delivery), 'utf8'),
          timestamp: Number(delivery.id.split('-')[0]),
        })),
      );
    },

    async readAll() {
      if (!(await log.admin.listTopics()).some((spec) => spec.name === topic)) return [];
      const reader = await openTableReader({ log, topics: [topic], groupPrefix: 'nexural-alert-journal' });
      try {
        if (!(await reader.readToEnd(topic, readTimeoutMs))) {
          throw new NexuralError(
            'NXR_SERVICE_UNAVAILABLE',
            `alert delivery journal: "${topic}" not read to its end within ${readTimeoutMs} ms`,
          );
        }
        const deliveries: AlertDelivery[] = [];
        for (const value of reader.entries(topic).values()) {
          // a record this version cannot read (written by a newer one) is left out, not fatal
          const delivery = parseDelivery(value);
          if (delivery) deliveries.push(delivery);
        }
        return deliveries.sort((left, right) => compareDeliveryIds(left.id, right.id));
      } finally {
        await reader.close();
      }
    },

    async close() {
      const opened = producer;
      producer = null;
      if (opened) await (await opened).close();
    },
  };
}
