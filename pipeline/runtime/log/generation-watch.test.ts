import { describe, expect, it } from 'vitest';
import { GenerationWatch } from './generation-watch.js';

const generation = (generationId: number) => ({ groupId: 'g', generationId, memberId: 'm-1' });

describe('GenerationWatch', () => {
  it('is pending until the first join, then resolves with that join', async () => {
    const watch = new GenerationWatch();
    const waiting = watch.current();
    watch.joined(generation(3));
    await expect(waiting).resolves.toEqual(generation(3));
    await expect(watch.current()).resolves.toEqual(generation(3));
  });

  it('a rebalance makes callers from then on wait for the next join; earlier answers keep theirs', async () => {
    const watch = new GenerationWatch();
    watch.joined(generation(3));
    const before = watch.current();
    watch.rebalancing();
    const during = watch.current();
    watch.joined(generation(4));
    await expect(before).resolves.toEqual(generation(3));
    await expect(during).resolves.toEqual(generation(4));
  });

  it('once closed, pending and later callers are refused with NXR_GROUP_MOVED (no member, no generation), not retryable', async () => {
    const watch = new GenerationWatch();
    const pending = watch.current();
    watch.closed('g');
    const refused = { code: 'NXR_GROUP_MOVED', retryable: false, details: { groupId: 'g' } };
    await expect(pending).rejects.toMatchObject(refused);
    await expect(watch.current()).rejects.toMatchObject(refused);
    watch.joined(generation(5));
    await expect(watch.current()).rejects.toMatchObject(refused);
  });
});
