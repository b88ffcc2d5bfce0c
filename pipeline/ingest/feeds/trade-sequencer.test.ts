import { describe, expect, it } from 'vitest';
import type { FeedTrade } from './feed-messages.js';
import { type BackfillTrades, type SequencerEvents, TradeSequencer } from './trade-sequencer.js';

const trade = (id: number): FeedTrade => ({
  id: BigInt(id),
  raw: {
    venue: 'test',
    symbol: 'X',
    tradeId: String(id),
    time: 1_723_161_300_000 + id,
    price: '1',
    size: '1',
    side: 'buy',
  },
});

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

function sequencer(backfill: BackfillTrades, events: SequencerEvents = {}, maxBackfillTrades = 1000) {
  const emitted: number[] = [];
  const seq = new TradeSequencer({
    backfill,
    emit: (emittedTrade) => emitted.push(Number(emittedTrade.id)),
    events,
    maxBackfillTrades,
    attempts: 3,
    backoff: { baseMs: 1, maxMs: 2 },
  });
  return { seq, emitted };
}

/** A venue that knows every trade id; serves them in reverse to prove the sequencer sorts. */
const venue: BackfillTrades = async (_symbol, from, to) =>
  range(Number(from), Number(to)).reverse().map(trade);

describe('TradeSequencer', () => {
  it('emits contiguous trades as they come and drops ids already emitted', () => {
    const duplicates: bigint[] = [];
    const { seq, emitted } = sequencer(venue, { duplicate: (_symbol, id) => duplicates.push(id) });
    for (const id of [5, 6, 7, 6, 7, 8]) seq.accept('X', trade(id));
    expect(emitted).toEqual([5, 6, 7, 8]);
    expect(duplicates).toEqual([6n, 7n]);
  });

  it('fills a gap from the venue before the live trades that revealed it, in id order', async () => {
    const gaps: string[] = [];
    const { seq, emitted } = sequencer(venue, { gap: (_symbol, from, to) => gaps.push(`${from}-${to}`) });
    for (const id of [1, 2, 6, 7]) seq.accept('X', trade(id));
    // arrives while the backfill runs: waits behind it
    seq.accept('X', trade(8));
    await seq.idle();
    expect(emitted).toEqual(range(1, 8));
    expect(gaps).toEqual(['3-5']);
  });

  it('handles a second gap among the trades that waited for the first', async () => {
    const { seq, emitted } = sequencer(venue);
    for (const id of [1, 4, 5, 9, 10]) seq.accept('X', trade(id));
    await seq.idle();
    expect(emitted).toEqual(range(1, 10));
  });

  it('retries a failing backfill, then moves past the hole it could not fill', async () => {
    let calls = 0;
    const unfilled: string[] = [];
    const { seq, emitted } = sequencer(
      async () => {
        calls++;
        throw new Error('HTTP 503');
      },
      { unfilled: (_symbol, from, to, reason) => unfilled.push(`${from}-${to}: ${reason}`) },
    );
    for (const id of [1, 4, 5]) seq.accept('X', trade(id));
    await seq.idle();
    expect(calls).toBe(3);
    expect(emitted).toEqual([1, 4, 5]);
    expect(unfilled).toEqual(['2-3: backfill failed: HTTP 503']);
  });

  it('does not fetch a gap larger than maxBackfillTrades', async () => {
    let calls = 0;
    const unfilled: string[] = [];
    const { seq, emitted } = sequencer(
      async (...args) => {
        calls++;
        return venue(...args);
      },
      { unfilled: (_symbol, _from, _to, reason) => unfilled.push(reason) },
      10,
    );
    for (const id of [1, 100]) seq.accept('X', trade(id));
    await seq.idle();
    expect(calls).toBe(0);
    expect(emitted).toEqual([1, 100]);
    expect(unfilled).toEqual(['a gap of 98 trades is more than maxBackfillTrades (10)']);
  });

  it('fetches a tail gap the venue announced (heartbeat last trade id) if it is still missing a hint later', async () => {
    const { seq, emitted } = sequencer(venue);
    seq.accept('X', trade(1));
    seq.expectThrough('X', 3n);
    expect(emitted).toEqual([1]);
    seq.expectThrough('X', 3n);
    await seq.idle();
    expect(emitted).toEqual([1, 2, 3]);
  });

  it('keeps symbols apart', async () => {
    const { seq, emitted } = sequencer(venue);
    seq.accept('X', trade(1));
    seq.accept('Y', trade(50));
    seq.accept('Y', trade(51));
    expect(seq.lastTradeId('X')).toBe(1n);
    expect(seq.lastTradeId('Y')).toBe(51n);
    expect(emitted).toEqual([1, 50, 51]);
  });
});
