import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../schemas/alert-event.js';
import type { AlertDelivery, AlertFanout } from '../../schemas/ports/alert-fanout.js';
import { compareDeliveryIds } from './delivery-id.js';

export interface FanoutHarness {
  readonly fanout: AlertFanout;
  /** Owner and symbol names unique to this test, so parallel runs on a shared Redis do not meet. */
  readonly owner: string;
  readonly symbol: string;
  /**
   * Loses the adapter's own store — Redis restarted empty (this test's keys and ready key gone), or the
   * process restarted (a new in-process fan-out) — keeping the delivery journal; returns the fan-out to use.
   */
  readonly loseStore: () => Promise<AlertFanout>;
  readonly cleanup: () => Promise<void>;
}

const firedEvent = (owner: string, symbol: string, n: number, otherOwner = false): AlertEvent => ({
  kind: 'fired',
  id: `${owner}-rule:${1723161300000 + n}`,
  ruleId: 'rsi-overbought',
  owner: otherOwner ? `${owner}-other` : owner,
  venue: 'binance',
  symbol,
  interval: '1m',
  time: 1723161300000 + n,
  message: `${symbol} rsi(14) crossing up 70 (#${n})`,
  source: { kind: 'indicator', spec: 'rsi(14)', output: 'value' },
  condition: { operator: 'crossing_up', value: 70 },
  previous: 69.5,
  current: 70.25,
  trigger: { kind: 'bar', openTime: 1723161300000, final: true, revision: 0 },
  sourcePosition: { topic: 'nexural.trades.raw', partition: 0, offset: String(n) },
});

const until = async (condition: () => boolean, what: string) => {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

/** The alert fan-out port's contract; every adapter must pass it. */
export function alertFanoutContract(name: string, open: () => Promise<FanoutHarness>): void {
  describe(`alert fan-out contract: ${name}`, () => {
    let harness: FanoutHarness;
    beforeEach(async () => {
      harness = await open();
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it('delivers a published alert live to owner and symbol subscribers, not to others', async () => {
      const { fanout, owner, symbol } = harness;
      const byOwner: AlertDelivery[] = [];
      const bySymbol: AlertDelivery[] = [];
      const other: AlertDelivery[] = [];
      await fanout.subscribe({ kind: 'owner', owner }, (delivery) => byOwner.push(delivery));
      await fanout.subscribe({ kind: 'symbol', venue: 'binance', symbol }, (delivery) =>
        bySymbol.push(delivery),
      );
      await fanout.subscribe({ kind: 'owner', owner: `${owner}-nobody` }, (delivery) => other.push(delivery));
      const id = await fanout.publish(firedEvent(owner, symbol, 1));
      await until(() => byOwner.length === 1 && bySymbol.length === 1, 'live deliveries');
      expect(byOwner[0]?.id).toBe(id);
      expect(byOwner[0]?.event).toEqual(firedEvent(owner, symbol, 1));
      expect(bySymbol[0]?.id).toBe(id);
      expect(other).toEqual([]);
    });

    it('publishes an event id once: a re-publish after a crash is not delivered again', async () => {
      const { fanout, owner, symbol } = harness;
      expect(await fanout.publish(firedEvent(owner, symbol, 1))).toMatch(/^\d+-\d+$/);
      expect(await fanout.publish(firedEvent(owner, symbol, 1))).toBeNull();
      expect(await fanout.history({ kind: 'owner', owner }, null, 10)).toHaveLength(1);
    });

    it('keeps the order of overlapping publishes: live deliveries, ids and history', async () => {
      const { fanout, owner, symbol } = harness;
      const live: AlertDelivery[] = [];
      await fanout.subscribe({ kind: 'owner', owner }, (delivery) => live.push(delivery));
      const numbers = Array.from({ length: 200 }, (_, n) => n + 1);
      const ids = await Promise.all(numbers.map((n) => fanout.publish(firedEvent(owner, symbol, n))));
      await until(() => live.length === numbers.length, 'live deliveries');
      expect(live.map((delivery) => delivery.event.time - 1723161300000)).toEqual(numbers);
      expect(live.map((delivery) => delivery.id)).toEqual(ids);
      const kept = await fanout.history({ kind: 'owner', owner }, null, 500);
      expect(kept.map((delivery) => delivery.id)).toEqual(ids);
      const published = ids.filter((id) => id !== null);
      expect(published).toHaveLength(numbers.length);
      expect([...published].sort(compareDeliveryIds)).toEqual(published);
    });

    it('lets a subscriber that was away resume after its last id, without gap or duplicate', async () => {
      const { fanout, owner, symbol } = harness;
      const first: AlertDelivery[] = [];
      const subscription = await fanout.subscribe({ kind: 'owner', owner }, (delivery) =>
        first.push(delivery),
      );
      await fanout.publish(firedEvent(owner, symbol, 1));
      await until(() => first.length === 1, 'first delivery');
      const resumeAfter = subscription.lastId ?? '';
      await subscription.close();

      await fanout.publish(firedEvent(owner, symbol, 2));
      await fanout.publish(firedEvent(owner, symbol, 3, true));
      await fanout.publish(firedEvent(owner, symbol, 4));

      const resumed: AlertDelivery[] = [];
      await fanout.subscribe({ kind: 'owner', owner }, (delivery) => resumed.push(delivery), { resumeAfter });
      await fanout.publish(firedEvent(owner, symbol, 5));
      await until(() => resumed.length === 3, 'catch-up then live');
      expect(resumed.map((delivery) => delivery.event.time - 1723161300000)).toEqual([2, 4, 5]);
      const ids = resumed.map((delivery) => delivery.id);
      expect([...ids].sort()).toEqual(ids);
    });

    it('after losing its store, rebuilds history and de-duplication from the journal: same ids, exact resume, a re-publish not delivered again', async () => {
      const { owner, symbol } = harness;
      const ids: (string | null)[] = [];
      for (let n = 1; n <= 3; n += 1) ids.push(await harness.fanout.publish(firedEvent(owner, symbol, n)));
      const fanout = await harness.loseStore();

      const kept = await fanout.history({ kind: 'owner', owner }, null, 10);
      expect(kept.map((delivery) => delivery.id)).toEqual(ids);
      expect(kept[1]?.event).toEqual(firedEvent(owner, symbol, 2));
      const resumed: AlertDelivery[] = [];
      await fanout.subscribe({ kind: 'owner', owner }, (delivery) => resumed.push(delivery), {
        resumeAfter: ids[0] ?? '',
      });
      expect(await fanout.publish(firedEvent(owner, symbol, 2))).toBeNull();
      expect(await fanout.publish(firedEvent(owner, symbol, 3))).toBeNull();
      const fourth = await fanout.publish(firedEvent(owner, symbol, 4));
      await until(() => resumed.length >= 3, 'catch-up then live');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(resumed.map((delivery) => delivery.id)).toEqual([ids[1], ids[2], fourth]);
      expect(resumed.map((delivery) => delivery.event.time - 1723161300000)).toEqual([2, 3, 4]);
    });

    it('pages history in id order after a given id', async () => {
      const { fanout, owner, symbol } = harness;
      const ids: (string | null)[] = [];
      for (let n = 1; n <= 5; n += 1) ids.push(await fanout.publish(firedEvent(owner, symbol, n)));
      const page = await fanout.history({ kind: 'symbol', venue: 'binance', symbol }, ids[1] ?? null, 2);
      expect(page.map((delivery) => delivery.id)).toEqual([ids[2], ids[3]]);
    });
  });
}
