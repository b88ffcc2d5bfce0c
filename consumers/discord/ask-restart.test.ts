import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlDiscordState } from '../../pipeline/store/sql-discord.js';
import { createAnalyst } from './analyst/analyst.js';
import { createDiscordBot, type DiscordBot } from './discord-bot.js';
import { botFixture } from './testing/bot-fixture.js';
import { type FakeDiscord, nextSnowflake, startFakeDiscord } from './testing/fake-discord.js';
import { startFakeOpenAI } from './testing/fake-openai.js';

const guildId = nextSnowflake();
const channelId = nextSnowflake();
const askerId = nextSnowflake();

describe('a restarted bot on the same store: the thread conversation and the /ask quota survive (real discord.js, PGlite)', () => {
  let discord: FakeDiscord;
  let model: Awaited<ReturnType<typeof startFakeOpenAI>>;
  let fixture: Awaited<ReturnType<typeof botFixture>>;
  const bots: DiscordBot[] = [];

  beforeAll(async () => {
    discord = await startFakeDiscord({ heartbeatMs: 1_000 });
    discord.addGuild({ id: guildId, name: 'traders', channelIds: [channelId], roles: [] });
    model = await startFakeOpenAI((request) => {
      const lastMessage = request.messages.at(-1);
      if (lastMessage?.role !== 'tool')
        return { toolCalls: [{ name: 'get_quote', arguments: { symbol: 'BTCUSDT' } }] };
      const price = (JSON.parse(lastMessage.content ?? '{}') as { price: number }).price;
      const question = request.messages.findLast((message) => message.role === 'user')?.content;
      return { content: `BTCUSDT is at ${price}. You said: ${question}` };
    });
    fixture = await botFixture();
  }, 60_000);
  afterAll(async () => {
    for (const bot of bots) await bot.close();
    await model?.close();
    await discord?.close();
    await fixture?.close();
  });

  /** A new bot process: its own discord.js client, analyst and SQL ports, on the one database. */
  async function startBot(): Promise<DiscordBot> {
    const state = sqlDiscordState(fixture.db);
    const threeADay = {
      async entitlementsFor() {
        return { ...(await fixture.deps.entitlements.entitlementsFor('x')), askPerDay: 3 };
      },
    };
    const analyst = createAnalyst({
      client: new OpenAI({ apiKey: model.apiKey, baseURL: model.baseURL, maxRetries: 0 }),
      model: 'gpt-4o',
      store: fixture.store,
      conversations: state.conversations,
      clock: fixture.deps.clock,
      staleAfterMs: 15 * 60_000,
      // ~2 question/answer pairs: older turns become the summary
      tokenBudget: 28,
    });
    const bot = createDiscordBot(
      { token: discord.botToken, restApi: discord.restApi, guildIds: [guildId] },
      { ...fixture.deps, analyst, askQuota: state.askQuota, entitlements: threeADay },
    );
    bots.push(bot);
    await bot.start();
    return bot;
  }

  const storedTurns = async (conversation: string) =>
    (
      await fixture.db.query<{ turns: { role: string; content: string }[] }>(
        'SELECT turns FROM discord_conversations WHERE conversation = $1',
        [conversation],
      )
    ).rows[0]?.turns ?? [];

  it('continues the thread from the stored turns (older ones summarised) and keeps counting the quota', async () => {
    const first = await startBot();
    const reply = await discord.interact({
      userId: askerId,
      guildId,
      channelId,
      name: 'ask',
      options: { question: 'where is BTC?' },
    });
    const threadId = reply.message?.id ?? '';
    await discord.waitFor(() => discord.threads.has(threadId), `a thread on the reply ${threadId}`);
    discord.message(threadId, guildId, 'and now?', askerId);
    await discord.waitForMessages(threadId, 1, 30_000);
    // the older turns no longer fit the budget: the store holds a summary of them, then the newest turns
    const turns = await storedTurns(threadId);
    expect(turns[0]).toMatchObject({ role: 'summary' });
    expect(turns[0]?.content).toContain('where is BTC?');
    expect(turns.at(-1)).toMatchObject({ role: 'assistant', content: expect.stringContaining('and now?') });

    await first.close();
    bots.splice(bots.indexOf(first), 1);
    await startBot();

    // the restarted bot knows its thread (GUILD_CREATE lists it) and answers from the stored conversation
    const before = model.requests.length;
    discord.message(threadId, guildId, 'once more?', askerId);
    const messages = await discord.waitForMessages(threadId, 2, 30_000);
    expect(messages[1]?.content).toContain('You said: once more?');
    const continued = model.requests.slice(before)[0]?.messages ?? [];
    expect(
      continued.find((message) => message.role === 'system' && message.content?.startsWith('Earlier'))
        ?.content,
    ).toContain('where is BTC?');
    expect(continued.some((message) => message.role === 'user' && message.content === 'and now?')).toBe(true);

    // 3 of 3 questions taken before and after the restart: the 4th is refused in the thread and as /ask
    discord.message(threadId, guildId, 'and again?', askerId);
    const refusedInThread = await discord.waitForMessages(threadId, 3, 30_000);
    expect(refusedInThread[2]?.content).toBe(
      'You asked 3 of 3 questions today (plan free); more tomorrow (UTC).',
    );
    const refused = await discord.interact({
      userId: askerId,
      guildId,
      channelId,
      name: 'ask',
      options: { question: 'one more?' },
    });
    // deferred publicly (an /ask may take a while), the refusal replaces the public reply with a private one
    expect(refused.callbackType).toBe(5);
    expect(refused.deleted).toBe(true);
    expect(refused.message).toBeNull();
    expect(refused.followUps.map(({ content, flags }) => ({ content, flags }))).toEqual([
      { content: 'You asked 3 of 3 questions today (plan free); more tomorrow (UTC).', flags: 64 },
    ]);
    expect(discord.threads.size).toBe(1); // a refused /ask opens no thread
    const { rows } = await fixture.db.query<{ asked: number }>(
      'SELECT asked FROM discord_ask_usage WHERE account = $1',
      [`discord:${askerId}`],
    );
    expect(rows).toEqual([{ asked: 3 }]);
  }, 120_000);
});
