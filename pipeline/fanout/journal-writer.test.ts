import { expect, it } from 'vitest';
import type { AlertDelivery, AlertDeliveryJournal } from '../../schemas/ports/alert-fanout.js';
import { createEmbeddedLog } from '../runtime/log/embedded-log.js';
import { createJournalWriter } from './journal-writer.js';
import { createLogDeliveryJournal, deliveryJournalTopicSpec } from './log-delivery-journal.js';
import { stoppedEvent } from './testing/stopped-event.js';

const delivery = (n: number): AlertDelivery => ({ id: `${1723161300000 + n}-0`, event: stoppedEvent(n) });

/** The log journal, with the size of every append it was asked for. */
async function journalOnEmbeddedLog() {
  const log = createEmbeddedLog();
  await log.admin.createTopics([deliveryJournalTopicSpec('alerts.deliveries')]);
  const inner = createLogDeliveryJournal(log, 'alerts.deliveries');
  const appends: number[] = [];
  const journal: AlertDeliveryJournal = {
    append: (deliveries) => {
      appends.push(deliveries.length);
      return inner.append(deliveries);
    },
    readAll: () => inner.readAll(),
  };
  const close = async () => {
    await inner.close();
    await log.close();
  };
  return { journal, appends, close };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('appends the deliveries of a linger in one request, in order', async () => {
  const { journal, appends, close } = await journalOnEmbeddedLog();
  const writer = createJournalWriter(journal, () => {}, 200);
  for (let n = 0; n < 30; n += 1) {
    writer.add(delivery(n));
    if (n % 10 === 9) await sleep(5);
  }
  await sleep(400);
  expect(appends).toEqual([30]);
  expect((await journal.readAll()).map((entry) => entry.event.id)).toEqual(
    Array.from({ length: 30 }, (_, n) => `r:${n}`),
  );
  await writer.close(1_000);
  await close();
});

it('flushed() and close() do not wait for the linger', async () => {
  const { journal, appends, close } = await journalOnEmbeddedLog();
  const writer = createJournalWriter(journal, () => {}, 60_000);
  writer.add(delivery(1));
  writer.add(delivery(2));
  await writer.flushed();
  expect(appends).toEqual([2]);
  writer.add(delivery(3));
  await writer.close(60_000); // a wait for the linger would outlast the test's timeout
  expect(appends).toEqual([2, 1]);
  await close();
});
