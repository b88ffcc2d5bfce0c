import { expect, it } from 'vitest';
import { createEmbeddedLog } from '../runtime/log/embedded-log.js';
import { alertFanoutContract } from './alert-fanout.contract.js';
import { createInProcessFanout } from './in-process-fanout.js';
import { createLogDeliveryJournal, deliveryJournalTopicSpec } from './log-delivery-journal.js';
import { stoppedEvent } from './testing/stopped-event.js';

alertFanoutContract('in-process', async () => {
  const log = createEmbeddedLog();
  await log.admin.createTopics([deliveryJournalTopicSpec('alerts.deliveries')]);
  const journal = createLogDeliveryJournal(log, 'alerts.deliveries');
  const fanout = createInProcessFanout({ journal });
  let restarted = fanout;
  return {
    fanout,
    owner: 'alice',
    symbol: 'BTCUSDT',
    loseStore: async () => {
      await restarted.close();
      restarted = createInProcessFanout({ journal });
      return restarted;
    },
    cleanup: async () => {
      await fanout.close();
      await restarted.close();
      await journal.close();
      await log.close();
    },
  };
});

it('keeps at most historyLength deliveries', async () => {
  const fanout = createInProcessFanout({ historyLength: 3 });
  for (let n = 0; n < 5; n += 1) {
    await fanout.publish(stoppedEvent(n));
  }
  const kept = await fanout.history({ kind: 'all' }, null, 10);
  expect(kept.map((delivery) => delivery.event.id)).toEqual(['r:2', 'r:3', 'r:4']);
});
