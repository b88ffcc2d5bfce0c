import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordBot, type DiscordBot } from './discord-bot.js';
import { botFixture } from './testing/bot-fixture.js';
import { type FakeDiscord, nextSnowflake, startFakeDiscord } from './testing/fake-discord.js';

const guildId = nextSnowflake();
const channelId = nextSnowflake();
const user = { userId: nextSnowflake(), guildId, channelId };

describe('the Discord bot on the real discord.js client against the local fake Discord', () => {
  let discord: FakeDiscord;
  let bot: DiscordBot;
  let fixture: Awaited<ReturnType<typeof botFixture>>;

  beforeAll(async () => {
    discord = await startFakeDiscord({ heartbeatMs: 1_000 });
    discord.addGuild({ id: guildId, name: 'traders', channelIds: [channelId], roles: [] });
    fixture = await botFixture();
    bot = createDiscordBot(
      {
        token: discord.botToken,
        restApi: discord.restApi,
        guildIds: [guildId],
        logger: { error: (m, f) => console.error(m, f) },
      },
      fixture.deps,
    );
    await bot.start();
  }, 60_000);
  afterAll(async () => {
    await bot?.close();
    await discord?.close();
    await fixture?.close();
  });

  it('identifies once, heartbeats, and registers its slash commands in the guild', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(discord.identifies).toBe(1);
    expect(discord.heartbeats).toBeGreaterThan(0);
    const names = (discord.commands.get(guildId) ?? []).map((command) => command.name);
    expect(names).toEqual([
      'price',
      'bars',
      'indicator',
      'chart',
      'alerts',
      'why',
      'replay',
      'link',
      'plan',
      'ask',
      'watchlist',
      'note',
      'strategy',
    ]);
    expect(discord.commands.get('global')).toBeUndefined();
  });

  it('/price answers at once with the last close of the real klines and its as-of time', async () => {
    const reply = await discord.interact({ ...user, name: 'price', options: { symbol: 'BTCUSDT' } });
    const last = fixture.klines.at(-1);
    expect(reply.callbackType).toBe(4);
    expect(reply.deferredAfterMs).toBeLessThan(3_000);
    const embed = reply.message?.embeds[0] as {
      title: string;
      description: string;
      fields: { name: string; value: string }[];
    };
    expect(embed.title).toBe(`BTCUSDT ${last?.close}`);
    expect(embed.description).toBe('as of 2024-08-09T00:09:59.999Z');
    expect(embed.fields.find((field) => field.name === 'venue')?.value).toBe('binance-um');
  });

  it('/chart defers, then edits the reply with a PNG attached to the embed', async () => {
    const reply = await discord.interact({
      ...user,
      name: 'chart',
      options: { symbol: 'BTCUSDT', indicators: 'sma(5)', count: 30 },
    });
    expect(reply.callbackType).toBe(5);
    const [png] = reply.message?.attachments ?? [];
    expect(png?.name).toBe('BTCUSDT-1m.png');
    expect(png?.data.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png?.data.readUInt32BE(16)).toBe(1000);
    const embed = reply.message?.embeds[0] as { image: { url: string }; fields: { value: string }[] };
    expect(embed.image.url).toBe('attachment://BTCUSDT-1m.png');
    expect(embed.fields[0]?.value).toBe('sma(5)');
  });

  it('autocompletes symbols and indicator specs', async () => {
    const symbols = await discord.interact({
      ...user,
      name: 'price',
      options: { symbol: 'btc' },
      focused: 'symbol',
    });
    expect(symbols.callbackType).toBe(8);
    expect(symbols.choices).toEqual([{ name: 'BTCUSDT (binance-um)', value: 'binance-um:BTCUSDT' }]);
    const specs = await discord.interact({
      ...user,
      name: 'chart',
      options: { symbol: 'BTCUSDT', indicators: 'sma(20);rs' },
      focused: 'indicators',
    });
    expect(specs.choices.map((choice) => choice.value)).toEqual(['sma(20);rsi(14)']);
  });

  it('splits a long /bars table into messages of at most 2,000 characters, code blocks closed in each', async () => {
    const reply = await discord.interact({
      ...user,
      name: 'bars',
      options: { symbol: 'BTCUSDT', count: 30 },
    });
    await discord.waitForMessages(`interaction:${reply.interactionId}`, 2);
    const all = (discord.channelMessages.get(`interaction:${reply.interactionId}`) ?? []).map(
      (message) => message.content,
    );
    expect(all.length).toBeGreaterThan(1);
    expect(all.at(-1)).toContain('08-09T00:09');
    for (const content of all) {
      expect(content.length).toBeLessThanOrEqual(2_000);
      expect((content.match(/```/g) ?? []).length % 2).toBe(0);
    }
  });

  it('refuses /alerts before /link (only the user sees it), then adds, lists and removes a rule once linked', async () => {
    const before = await discord.interact({ ...user, name: 'alerts', subcommand: 'list' });
    expect(before.message?.flags).toBe(64);
    expect(before.message?.content).toContain('link your Nexural account first');
    const wrong = await discord.interact({ ...user, name: 'link', options: { key: 'nxr_wrong' } });
    expect(wrong.message?.content).toContain('not valid');
    const linked = await discord.interact({ ...user, name: 'link', options: { key: 'nxr_test_alice' } });
    expect(linked.message?.content).toBe('Linked to Nexural account `alice`. The key itself is not stored.');
    const added = await discord.interact({
      ...user,
      name: 'alerts',
      subcommand: 'add',
      options: { symbol: 'BTCUSDT', rule: 'price crossing_up 61000 on 1m' },
    });
    const id = added.message?.content.match(/`(dc-[0-9a-f]+)`/)?.[1] ?? '';
    expect(id).not.toBe('');
    const stored = await fixture.store.getAlertRule('alice', id);
    expect(stored).toMatchObject({
      symbol: 'BTCUSDT',
      interval: '1m',
      source: { kind: 'price' },
      condition: { operator: 'crossing_up', value: 61000 },
    });
    const list = await discord.interact({ ...user, name: 'alerts', subcommand: 'list' });
    expect(list.message?.content).toContain(id);
    const removed = await discord.interact({
      ...user,
      name: 'alerts',
      subcommand: 'remove',
      options: { id },
    });
    expect(removed.message?.content).toBe(`Removed rule \`${id}\`.`);
    expect(await fixture.store.getAlertRule('alice', id)).toBeNull();
  });

  it('says the analyst is not configured when no model key is set', async () => {
    const reply = await discord.interact({ ...user, name: 'ask', options: { question: 'where is BTC?' } });
    // only the asker sees it: the deferred public reply is replaced by an ephemeral follow-up
    expect(reply.deleted).toBe(true);
    expect(reply.followUps.map(({ content, flags }) => ({ content, flags }))).toEqual([
      { content: 'The analyst is not configured (set OPENAI_API_KEY).', flags: 64 },
    ]);
  });
});
