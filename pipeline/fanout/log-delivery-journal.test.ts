import { afterAll, afterEach, expect, it } from 'vitest';
import type { AlertEvent } from '../../schemas/alert-event.js';
import { createEmbeddedLog } from '../runtime/log/embedded-log.js';
import { createLogDeliveryJournal, deliveryJournalTopicSpec } from './log-delivery-journal.js';

const log = createEmbeddedLog();
afterAll(() => log.close());
afterEach(async () => {
  await log.admin.deleteTopics((await log.admin.listTopics()).map((topic) => topic.name));
});

const stopped = (n: number): AlertEvent => ({
  kind: 'stopped',
  id: `r:${n}`,
  ruleId: 'r',
  owner: 'alice',
  venue: 'binance',
  symbol: 'BTCUSDT',
  interval: '1m',
  time: 1723161300000 + n,
  reason: 'storm_guard',
  message: 'rule r fired more than 15 times in 3 minutes and was stopped',
});

it('reads back every delivery in id order, one per event id, leaving out records it cannot read', async () => {
  await log.admin.createTopics([deliveryJournalTopicSpec('j')]);
  const journal = createLogDeliveryJournal(log, 'j');
  await journal.append([
    { id: '1723161300010-0', event: stopped(2) },
    { id: '1723161300009-1', event: stopped(1) },
  ]);
  await journal.append([{ id: '1723161300010-0', event: stopped(2) }]);
  await (await log.createProducer()).send([
    { topic: 'j', key: 'x', value: Buffer.from('{"id":"not-an-id"}') },
  ]);
  expect(await journal.readAll()).toEqual([
    { id: '1723161300009-1', event: stopped(1) },
    { id: '1723161300010-0', event: stopped(2) },
  ]);
  await journal.close();
});

it('reads nothing when its topic was never created (a fan-out started before `createTopics`)', async () => {
  expect(await createLogDeliveryJournal(log, 'missing').readAll()).toEqual([]);
});
