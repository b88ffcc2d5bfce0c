import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyst } from './analyst/analyst.js';
import { createDiscordBot, type DiscordBot } from './discord-bot.js';
import { botFixture } from './testing/bot-fixture.js';
import { type FakeDiscord, nextSnowflake, startFakeDiscord } from './testing/fake-discord.js';
import { startFakeOpenAI } from './testing/fake-openai.js';
import { memoryDiscordState } from './testing/memory-discord-state.js';

const guildId = nextSnowflake();
const channelId = nextSnowflake();
const askerId = nextSnowflake();

describe('/ask opens a thread where follow-ups continue the conversation (real discord.js, real openai SDK)', () => {
  let discord: FakeDiscord;
  let bot: DiscordBot;
  let model: Awaited<ReturnType<typeof startFakeOpenAI>>;
  let fixture: Awaited<ReturnType<typeof botFixture>>;
  const last = () => fixture.klines.at(-1)?.close ?? 0;

  beforeAll(async () => {
    discord = await startFakeDiscord({ heartbeatMs: 1_000 });
    discord.addGuild({ id: guildId, name: 'traders', channelIds: [channelId], roles: [] });
    // every question: quote first, then answer with the quoted price and the question
    model = await startFakeOpenAI((request) => {
      const lastMessage = request.messages.at(-1);
      if (lastMessage?.role !== 'tool')
        return { toolCalls: [{ name: 'get_quote', arguments: { symbol: 'BTCUSDT' } }] };
      const price = (JSON.parse(lastMessage.content ?? '{}') as { price: number }).price;
      const question = request.messages.findLast((message) => message.role === 'user')?.content;
      return { content: `BTCUSDT is at ${price}. You said: ${question}` };
    });
    fixture = await botFixture();
    const conversations = memoryDiscordState().conversations;
    const analyst = createAnalyst({
      client: new OpenAI({ apiKey: model.apiKey, baseURL: model.baseURL, maxRetries: 0 }),
      model: 'gpt-4o',
      store: fixture.store,
      conversations,
      clock: fixture.deps.clock,
      staleAfterMs: 15 * 60_000,
    });
    const everyoneAsks = {
      async entitlementsFor() {
        const plan = await fixture.deps.entitlements.entitlementsFor('x');
        return { ...plan, askPerDay: 10 };
      },
    };
    bot = createDiscordBot(
      { token: discord.botToken, restApi: discord.restApi, guildIds: [guildId] },
      { ...fixture.deps, analyst, entitlements: everyoneAsks },
    );
    await bot.start();
  }, 60_000);
  afterAll(async () => {
    await bot?.close();
    await model?.close();
    await discord?.close();
    await fixture?.close();
  });

  it('answers /ask, opens a public thread for it, and answers a follow-up there with the earlier turns sent along', async () => {
    const reply = await discord.interact({
      userId: askerId,
      guildId,
      channelId,
      name: 'ask',
      options: { question: 'where is BTC?' },
    });
    // the thread hangs on the reply message: same id (as on Discord), opened once the answer is posted
    const threadId = reply.message?.id ?? '';
    await discord.waitFor(() => discord.threads.has(threadId), `a thread on the reply ${threadId}`);
    expect(discord.threads.get(threadId)).toMatchObject({
      name: 'ask: where is BTC?',
      parent_id: channelId,
      type: 11,
    });
    expect(reply.message?.content).toBe(`BTCUSDT is at ${last()}. You said: where is BTC?`);

    discord.message(threadId, guildId, 'and now?', askerId);
    const messages = await discord.waitForMessages(threadId, 1, 30_000);
    expect(messages[0]?.content).toBe(`BTCUSDT is at ${last()}. You said: and now?`);
    // the follow-up's first model request carries the /ask turn before it (same conversation: the thread)
    const followUp = model.requests.find((request) =>
      request.messages.some((message) => message.role === 'user' && message.content === 'and now?'),
    );
    expect(
      followUp?.messages
        .filter((message) => message.role === 'user' || message.role === 'assistant')
        .filter((message) => typeof message.content === 'string' && message.content !== '')
        .map((message) => [message.role, message.content]),
    ).toEqual([
      ['user', 'where is BTC?'],
      ['assistant', `BTCUSDT is at ${last()}. You said: where is BTC?`],
      ['user', 'and now?'],
    ]);

    // a message outside the bot's threads gets no answer
    const before = model.requests.length;
    discord.message(channelId, guildId, 'hello?', askerId);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(model.requests.length).toBe(before);
    expect(discord.channelMessages.get(channelId) ?? []).toEqual([]);
  }, 60_000);
});
