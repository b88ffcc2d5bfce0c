import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botFixture } from '../testing/bot-fixture.js';
import { type ModelScript, startFakeOpenAI } from '../testing/fake-openai.js';
import { memoryDiscordState } from '../testing/memory-discord-state.js';
import { createAnalyst, REFUSAL } from './analyst.js';

describe('the grounded analyst on the real openai SDK against a scripted local model', () => {
  let fixture: Awaited<ReturnType<typeof botFixture>>;
  beforeAll(async () => {
    fixture = await botFixture();
  }, 60_000);
  afterAll(() => fixture?.close());

  async function ask(script: ModelScript, question: string, now?: number) {
    const model = await startFakeOpenAI(script);
    const conversations = memoryDiscordState().conversations;
    try {
      const analyst = createAnalyst({
        client: new OpenAI({ apiKey: model.apiKey, baseURL: model.baseURL, maxRetries: 0 }),
        model: 'gpt-4o',
        store: fixture.store,
        conversations,
        clock: { now: () => now ?? fixture.deps.clock.now() },
        staleAfterMs: 15 * 60_000,
      });
      const answer = await analyst.ask({ conversation: 'c1:u1', owner: null, text: question });
      return { answer, model, conversations, analyst };
    } finally {
      await model.close();
    }
  }

  const last = () => fixture.klines.at(-1)?.close ?? 0;
  const quoteThen =
    (answer: (price: number) => string): ModelScript =>
    (request) => {
      const tool = request.messages.findLast((message) => message.role === 'tool');
      if (!tool) return { toolCalls: [{ name: 'get_quote', arguments: { symbol: 'BTCUSDT' } }] };
      return { content: answer((JSON.parse(tool.content ?? '{}') as { price: number }).price) };
    };

  it('answers from the quote tool: the SDK sends the tool result, the price and its as-of time reach the user', async () => {
    const { answer, model } = await ask(
      quoteThen((price) => `BTCUSDT last traded at ${price} (as of 2024-08-09T00:09:59.999Z).`),
      'What is BTC doing?',
    );
    expect(answer).toBe(`BTCUSDT last traded at ${last()} (as of 2024-08-09T00:09:59.999Z).`);
    expect(model.requests).toHaveLength(2);
    expect(model.requests[0]?.model).toBe('gpt-4o');
    expect(model.requests[0]?.tools?.map((tool) => tool.function.name)).toEqual([
      'get_quote',
      'get_bars',
      'get_indicator',
      'get_alerts',
      'get_market_movers',
      'get_strategy_performance',
      'search_notes',
    ]);
    expect(model.toolResults(1)).toEqual([
      expect.objectContaining({
        symbol: 'BTCUSDT',
        venue: 'binance-um',
        price: last(),
        asOf: '2024-08-09T00:09:59.999Z',
        stale: false,
      }),
    ]);
  });

  it('ranks the market movers over a window from stored final bars, each figure with its as-of time', async () => {
    const { answer, model } = await ask((request) => {
      const tool = request.messages.findLast((message) => message.role === 'tool');
      if (!tool)
        return {
          toolCalls: [{ name: 'get_market_movers', arguments: { interval: '1m', hours: 1, count: 3 } }],
        };
      const result = JSON.parse(tool.content ?? '{}') as {
        topMovers: { symbol: string; changePct: number }[];
      };
      const top = result.topMovers[0];
      return { content: `${top?.symbol} moved ${top?.changePct.toFixed(2)}% in the last hour.` };
    }, 'what moved?');
    // by definition over the 30 klines in the window: first open → last close, quote volume summed
    const first = fixture.klines[0];
    const lastBar = fixture.klines.at(-1);
    const changePct = (((lastBar?.close ?? 0) - (first?.open ?? 1)) / (first?.open ?? 1)) * 100;
    const quoteVolume = fixture.klines.reduce((sum, bar) => sum + bar.quoteVolume, 0);
    expect(model.toolResults(1)).toEqual([
      {
        interval: '1m',
        hours: 1,
        symbols: 1,
        topMovers: [
          {
            symbol: 'BTCUSDT',
            venue: 'binance-um',
            open: first?.open,
            close: lastBar?.close,
            changePct: Number(changePct.toFixed(4)),
            quoteVolume,
          },
        ],
        volumeLeaders: [expect.objectContaining({ symbol: 'BTCUSDT', quoteVolume })],
        asOf: '2024-08-09T00:09:59.999Z',
        ageMinutes: 1,
        stale: false,
      },
    ]);
    expect(answer).toBe(`BTCUSDT moved ${changePct.toFixed(2)}% in the last hour.`);
  });

  it('rejects an invented price, asks once more, and sends the corrected answer', async () => {
    let answers = 0;
    const { answer, model } = await ask(
      quoteThen((price) =>
        answers++ === 0 ? 'BTCUSDT is at 65000.00 right now.' : `BTCUSDT is at ${price}.`,
      ),
      'price of BTCUSDT?',
    );
    expect(answer).toBe(`BTCUSDT is at ${last()}.`);
    const correction = model.requests[2]?.messages.at(-1);
    expect(correction?.content).toBe(
      'Your answer stated 65000.00, which no tool returned. Answer again using only numbers from the tool results.',
    );
  });

  it('refuses when the model invents a number twice', async () => {
    const { answer, model } = await ask(
      quoteThen(() => 'BTCUSDT will hit 70123.45 tomorrow.'),
      'where will BTC be tomorrow?',
    );
    expect(answer).toBe(REFUSAL);
    expect(model.requests).toHaveLength(3);
  });

  it('says the data is stale when the newest bar is older than the threshold', async () => {
    const lastClose = fixture.klines.at(-1)?.closeTime ?? 0;
    const { answer } = await ask(
      quoteThen((price) => `BTCUSDT is at ${price}.`),
      'BTC?',
      lastClose + 2 * 3_600_000,
    );
    expect(answer).toBe(
      `BTCUSDT is at ${last()}.\n\n⚠️ Stale data: the newest data is 120 min old (as of 2024-08-09T00:09:59.999Z).`,
    );
  });

  it('keeps the conversation: the second question is sent with the first question and answer', async () => {
    const model = await startFakeOpenAI(quoteThen((price) => `BTCUSDT is at ${price}.`));
    try {
      const analyst = createAnalyst({
        client: new OpenAI({ apiKey: model.apiKey, baseURL: model.baseURL, maxRetries: 0 }),
        model: 'gpt-4o',
        store: fixture.store,
        conversations: memoryDiscordState().conversations,
        clock: fixture.deps.clock,
        staleAfterMs: 15 * 60_000,
      });
      await analyst.ask({ conversation: 'c9:u9', owner: null, text: 'BTC price?' });
      await analyst.ask({ conversation: 'c9:u9', owner: null, text: 'and now?' });
      const third = model.requests[2]?.messages.map((message) => [message.role, message.content]);
      expect(third?.slice(1, 4)).toEqual([
        ['user', 'BTC price?'],
        ['assistant', `BTCUSDT is at ${last()}.`],
        ['user', 'and now?'],
      ]);
    } finally {
      await model.close();
    }
  });
});
