import { expect, it } from 'vitest';
import { alertFanoutContract } from './alert-fanout.contract.js';
import { createInProcessFanout } from './in-process-fanout.js';

alertFanoutContract('in-process', async () => {
  const fanout = createInProcessFanout();
  return { fanout, owner: 'alice', symbol: 'BTCUSDT', cleanup: () => fanout.close() };
});

it('keeps at most historyLength deliveries', async () => {
  const fanout = createInProcessFanout({ historyLength: 3 });
  for (let n = 0; n < 5; n += 1) {
    await fanout.publish({
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
  }
  const kept = await fanout.history({ kind: 'all' }, null, 10);
  expect(kept.map((delivery) => delivery.event.id)).toEqual(['r:2', 'r:3', 'r:4']);
});
