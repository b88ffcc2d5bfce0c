import { afterAll, afterEach, expect, it } from 'vitest';
import { createEmbeddedLog } from '../runtime/log/embedded-log.js';
import { createLogDeliveryJournal, deliveryJournalTopicSpec } from './log-delivery-journal.js';
import { stoppedEvent } from './testing/stopped-event.js';

const log = createEmbeddedLog();
afterAll(() => log.close());
afterEach(async () => {
  await log.admin.deleteTopics((await log.admin.listTopics()).map((topic) => topic.name));
});

it('reads back every delivery in id order, one per event id, leaving out records it cannot read', async () => {
  await log.admin.createTopics([deliveryJournalTopicSpec('j')]);
  const journal = createLogDeliveryJournal(log, 'j');
  await journal.append([
    { id: '1723161300010-0', event: stoppedEvent(2) },
    { id: '1723161300009-1', event: stoppedEvent(1) },
  ]);
  await journal.append([{ id: '1723161300010-0', event: stoppedEvent(2) }]);
  await (await log.createProducer()).send([
    { topic: 'j', key: 'x', value: Buffer.from('{"id":"not-an-id"}') },
  ]);
  expect(await journal.readAll()).toEqual([
    { id: '1723161300009-1', event: stoppedEvent(1) },
    { id: '1723161300010-0', event: stoppedEvent(2) },
  ]);
  await journal.close();
});

it('reads nothing when its topic was never created (a fan-out started before `createTopics`)', async () => {
  expect(await createLogDeliveryJournal(log, 'missing').readAll()).toEqual([]);
});
