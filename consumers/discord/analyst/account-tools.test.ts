import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlStrategyStore } from '../../../pipeline/store/sql-strategy-store.js';
import { noteBodySchema } from '../../../schemas/research.js';
import { parseStrategy } from '../../../schemas/strategy.js';
import { closeEmaStrategy } from '../../strategy/testing/xrpeth.js';
import { botFixture } from '../testing/bot-fixture.js';
import { type ModelScript, startFakeOpenAI } from '../testing/fake-openai.js';
import { memoryDiscordState } from '../testing/memory-discord-state.js';
import { createAnalyst } from './analyst.js';

const t0 = Date.parse('2024-08-09T00:00:00Z');
const min = 60_000;

describe("the analyst's account tools: strategy performance and notes of the linked user", () => {
  let fixture: Awaited<ReturnType<typeof botFixture>>;
  beforeAll(async () => {
    fixture = await botFixture();
    await fixture.db.query("INSERT INTO users (id) VALUES ('alice'), ('bob') ON CONFLICT DO NOTHING");
    const strategies = sqlStrategyStore(fixture.db);
    const strategy = parseStrategy({ ...closeEmaStrategy, interval: '1m', startingEquity: 10_000 });
    await strategies.putStrategy({ id: 'alice-ema', owner: 'alice', strategy, enabled: true });
    const fill = { strategyId: 'alice-ema', owner: 'alice', symbol: 'XRPETH', positionSide: 'long' } as const;
    await strategies.recordFills([
      {
        ...fill,
        seq: 1,
        time: t0 + min,
        side: 'buy',
        quantity: 1,
        price: 600,
        fee: 0.6,
        reason: 'entry',
        pnl: null,
      },
      {
        ...fill,
        seq: 2,
        time: t0 + 4 * min,
        side: 'sell',
        quantity: 1,
        price: 650,
        fee: 0.65,
        reason: 'signal',
        pnl: 48.75,
      },
    ]);
    await strategies.recordEquity('alice-ema', 'alice', [
      { time: t0 + 2 * min - 1, equity: 9_999.4, position: 1 },
      { time: t0 + 3 * min - 1, equity: 10_020, position: 1 },
      { time: t0 + 5 * min - 1, equity: 10_048.75, position: 0 },
    ]);
    const anchor = { venue: 'binance-um', symbol: 'BTCUSDT', interval: '1m', eventTime: t0 + 2 * min };
    const snapshot = { bars: [], indicators: [], takenAt: t0 + 3 * min };
    await fixture.store.createNote(
      'alice',
      'n-breakout',
      noteBodySchema.parse({
        title: 'Breakout above 62k',
        body: 'Buyers absorbed the asks.',
        tags: ['btc'],
        anchor,
      }),
      snapshot,
    );
    await fixture.store.createNote(
      'bob',
      'n-bob',
      noteBodySchema.parse({ title: 'Breakout of bob', body: 'not alice', anchor }),
      snapshot,
    );
  }, 60_000);
  afterAll(() => fixture?.close());

  async function ask(script: ModelScript, owner: string | null) {
    const model = await startFakeOpenAI(script);
    try {
      const analyst = createAnalyst({
        client: new OpenAI({ apiKey: model.apiKey, baseURL: model.baseURL, maxRetries: 0 }),
        model: 'gpt-4o',
        store: fixture.store,
        conversations: memoryDiscordState().conversations,
        research: fixture.store,
        strategies: sqlStrategyStore(fixture.db),
        clock: { now: () => t0 + 10 * min },
        staleAfterMs: 15 * min,
      });
      const answer = await analyst.ask({ conversation: 'c1:u1', owner, text: 'how am I doing?' });
      return { answer, model };
    } finally {
      await model.close();
    }
  }

  const bothTools: ModelScript = (request) => {
    const results = request.messages.filter((message) => message.role === 'tool');
    if (results.length === 0)
      return {
        toolCalls: [
          { name: 'get_strategy_performance', arguments: { strategyId: null } },
          { name: 'search_notes', arguments: { query: 'breakout', tag: null, limit: 5 } },
        ],
      };
    if (results[0]?.content?.includes('"error"')) return { content: 'Link your account first: /link' };
    const [performance] = (
      JSON.parse(results[0]?.content ?? '{}') as { strategies: { total_return_pct: number; asOf: string }[] }
    ).strategies;
    return {
      content: `alice-ema returned ${performance?.total_return_pct.toFixed(2)}% (as of ${performance?.asOf}); your note "Breakout above 62k" agrees.`,
    };
  };

  it("returns the linked user's strategy metrics (as of the newest equity point) and own notes; the answer passes grounding", async () => {
    const { answer, model } = await ask(bothTools, 'alice');
    // by definition: 10 048.75 / 10 000 − 1 over the whole run; one round trip, a winner
    expect(answer).toBe(
      'alice-ema returned 0.49% (as of 2024-08-09T00:04:59.999Z); your note "Breakout above 62k" agrees.',
    );
    const [performance, notes] = model.toolResults(1);
    expect(performance).toEqual({
      strategies: [
        expect.objectContaining({
          id: 'alice-ema',
          interval: '1m',
          startingEquity: 10_000,
          fills: 2,
          trades: 1,
          win_rate: 1,
          total_return_pct: 0.4875,
          asOf: '2024-08-09T00:04:59.999Z',
          ageMinutes: 5,
          stale: false,
        }),
      ],
    });
    expect(performance?.strategies).toEqual([
      expect.objectContaining({ total_return: expect.closeTo(0.004875, 12) }),
    ]);
    expect(notes).toEqual({
      query: 'breakout',
      notes: [
        expect.objectContaining({
          id: 'n-breakout',
          title: 'Breakout above 62k',
          tags: ['btc'],
          anchor: 'binance-um:BTCUSDT 1m at 2024-08-09T00:02:00Z',
        }),
      ],
    });
    expect(model.requests[0]?.tools?.map((tool) => tool.function.name)).toContain('search_notes');
  });

  it('answers "not linked" for an unlinked user instead of anyone\'s data', async () => {
    const { answer, model } = await ask(bothTools, null);
    expect(answer).toBe('Link your account first: /link');
    expect(model.toolResults(1)).toEqual([
      { error: 'the user has not linked a Nexural account (/link)' },
      { error: 'the user has not linked a Nexural account (/link)' },
    ]);
  });
});
