import type { AlertEvent } from '../../../schemas/alert-event.js';

/** The `n`th storm-guard stop of rule r on binance BTCUSDT: a small, valid alert event for fan-out tests. */
export const stoppedEvent = (n: number): AlertEvent => ({
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
