import { describe, expect, it } from 'vitest';
import type { EffectLedgerStore } from '../../schemas/ports/effect-ledger.js';

export interface EffectLedgerHarness {
  readonly ledgers: EffectLedgerStore;
  cleanup(): Promise<void>;
}

/** The effect ledger's semantics, run against every store adapter. */
export function effectLedgerContract(name: string, open: () => Promise<EffectLedgerHarness>): void {
  describe(`effect ledger contract: ${name}`, () => {
    const withLedgers = async (test: (ledgers: EffectLedgerStore) => Promise<void>) => {
      const harness = await open();
      try {
        await test(harness.ledgers);
      } finally {
        await harness.cleanup();
      }
    };

    it('performs an effect once per key and returns the recorded result on a repeat', () =>
      withLedgers(async (ledgers) => {
        const ledger = ledgers.forConsumer('alert-log');
        let calls = 0;
        const effect = async () => ({ sent: ++calls });
        const source = { topic: 'nexural.alerts', partition: 2, offset: '41' };
        expect(await ledger.perform('alert:a1', effect, source)).toEqual({
          kind: 'performed',
          result: { sent: 1 },
          attempt: 1,
        });
        expect(await ledger.perform('alert:a1', effect, source)).toEqual({
          kind: 'already-done',
          result: { sent: 1 },
        });
        expect(calls).toBe(1);
        const entry = await ledger.get('alert:a1');
        expect(entry).toMatchObject({ state: 'done', attempts: 1, result: { sent: 1 }, source });
      }));

    it('keeps keys apart per consumer', () =>
      withLedgers(async (ledgers) => {
        await ledgers.forConsumer('a').perform('k', async () => 'a');
        const outcome = await ledgers.forConsumer('b').perform('k', async () => 'b');
        expect(outcome).toEqual({ kind: 'performed', result: 'b', attempt: 1 });
      }));

    it('leaves a failed effect started and calls it again with the same idempotency key and attempt 2', () =>
      withLedgers(async (ledgers) => {
        const ledger = ledgers.forConsumer('webhook');
        const calls: { idempotencyKey: string; attempt: number }[] = [];
        await expect(
          ledger.perform('hook:7', async (call) => {
            calls.push(call);
            throw new Error('HTTP 503');
          }),
        ).rejects.toThrow('HTTP 503');
        expect((await ledger.get('hook:7'))?.state).toBe('started');
        const outcome = await ledger.perform('hook:7', async (call) => {
          calls.push(call);
          return 'ok';
        });
        expect(outcome).toEqual({ kind: 'performed', result: 'ok', attempt: 2 });
        expect(calls).toEqual([
          { idempotencyKey: 'webhook:hook:7', attempt: 1 },
          { idempotencyKey: 'webhook:hook:7', attempt: 2 },
        ]);
      }));

    it('lists done effects in the order they were first started, in pages', () =>
      withLedgers(async (ledgers) => {
        const ledger = ledgers.forConsumer('log');
        for (const key of ['c', 'a', 'b']) await ledger.perform(key, async () => key.toUpperCase());
        await ledger.perform('d', async () => Promise.reject(new Error('down'))).catch(() => null);
        const all = await ledger.list();
        expect(all.map((entry) => [entry.effectKey, entry.result])).toEqual([
          ['c', 'C'],
          ['a', 'A'],
          ['b', 'B'],
        ]);
        const page = await ledger.list({ afterKey: 'c', limit: 1 });
        expect(page.map((entry) => entry.effectKey)).toEqual(['a']);
      }));

    it('performs a batch with one claim: new keys run in order, done keys return their result, a repeated key runs once', () =>
      withLedgers(async (ledgers) => {
        const ledger = ledgers.forConsumer('batch');
        await ledger.perform('b', async () => 'B-before');
        const calls: string[] = [];
        const item = (key: string, offset: string) => ({
          effectKey: key,
          effect: async ({ attempt }: { attempt: number }) => {
            calls.push(`${key}#${attempt}`);
            return key.toUpperCase();
          },
          source: { topic: 'nexural.alerts', partition: 0, offset },
        });
        const outcomes = await ledger.performBatch([
          item('c', '1'),
          item('b', '2'),
          item('a', '3'),
          item('c', '4'),
        ]);
        expect(outcomes).toEqual([
          { kind: 'performed', result: 'C', attempt: 1 },
          { kind: 'already-done', result: 'B-before' },
          { kind: 'performed', result: 'A', attempt: 1 },
          { kind: 'already-done', result: 'C' },
        ]);
        expect(calls).toEqual(['c#1', 'a#1']);
        expect((await ledger.list()).map((entry) => [entry.effectKey, entry.result])).toEqual([
          ['b', 'B-before'],
          ['c', 'C'],
          ['a', 'A'],
        ]);
        expect(await ledger.get('a')).toMatchObject({
          state: 'done',
          attempts: 1,
          source: { topic: 'nexural.alerts', partition: 0, offset: '3' },
        });
        expect(await ledger.performBatch([item('a', '3'), item('c', '1')])).toEqual([
          { kind: 'already-done', result: 'A' },
          { kind: 'already-done', result: 'C' },
        ]);
        expect(calls).toEqual(['c#1', 'a#1']);
      }));

    it('on a failing effect in a batch records the ones before it, leaves it started and releases the ones after it uncalled', () =>
      withLedgers(async (ledgers) => {
        const ledger = ledgers.forConsumer('batch-fail');
        await ledger.perform('z', async () => Promise.reject(new Error('down'))).catch(() => null);
        const calls: string[] = [];
        const ok = (key: string) => ({
          effectKey: key,
          effect: async ({ attempt }: { attempt: number }) => {
            calls.push(`${key}#${attempt}`);
            return key;
          },
        });
        const failing = {
          effectKey: 'y',
          effect: async ({ attempt }: { attempt: number }) => {
            calls.push(`y#${attempt}`);
            throw new Error('HTTP 503');
          },
        };
        await expect(ledger.performBatch([ok('x'), failing, ok('w'), ok('z')])).rejects.toThrow('HTTP 503');
        expect(calls).toEqual(['x#1', 'y#1']);
        expect(await ledger.get('x')).toMatchObject({ state: 'done', result: 'x' });
        expect(await ledger.get('y')).toMatchObject({ state: 'started', attempts: 1 });
        expect(await ledger.get('w')).toBeNull();
        expect(await ledger.get('z')).toMatchObject({ state: 'started', attempts: 1 });
        const outcomes = await ledger.performBatch([ok('x'), ok('y'), ok('w'), ok('z')]);
        expect(outcomes.map((outcome) => outcome.kind)).toEqual([
          'already-done',
          'performed',
          'performed',
          'performed',
        ]);
        expect(calls.slice(2)).toEqual(['y#2', 'w#1', 'z#2']);
      }));

    it('keeps a resume position per consumer and input, replaced on each save', () =>
      withLedgers(async (ledgers) => {
        const ledger = ledgers.forConsumer('channel-reader');
        expect(await ledger.position('alertsLive')).toBeNull();
        await ledger.savePosition('alertsLive', '1733300000000-0');
        await ledger.savePosition('alertsLive', '1733300000000-7');
        expect(await ledger.position('alertsLive')).toBe('1733300000000-7');
        expect(await ledgers.forConsumer('other').position('alertsLive')).toBeNull();
      }));

    it('refuses an empty or over-long effect key naming the consumer', () =>
      withLedgers(async (ledgers) => {
        await expect(ledgers.forConsumer('x').perform('', async () => 1)).rejects.toThrow(
          'consumer "x": effect key must be 1–512 characters, got 0',
        );
      }));
  });
}
