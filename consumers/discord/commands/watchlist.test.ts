import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordBot, type DiscordBot } from '../discord-bot.js';
import { botFixture } from '../testing/bot-fixture.js';
import { type FakeDiscord, nextSnowflake, startFakeDiscord } from '../testing/fake-discord.js';

const guildId = nextSnowflake();
const channelId = nextSnowflake();
const user = { userId: nextSnowflake(), guildId, channelId };

describe('/watchlist on the real discord.js client against the fake Discord, PGlite store', () => {
  let discord: FakeDiscord;
  let bot: DiscordBot;
  let fixture: Awaited<ReturnType<typeof botFixture>>;
  const watchlist = (subcommand: string, options: Record<string, string> = {}) =>
    discord.interact({ ...user, name: 'watchlist', subcommand, options }, { timeoutMs: 30_000 });

  beforeAll(async () => {
    discord = await startFakeDiscord({ heartbeatMs: 1_000 });
    discord.addGuild({ id: guildId, name: 'traders', channelIds: [channelId], roles: [] });
    fixture = await botFixture();
    bot = createDiscordBot(
      { token: discord.botToken, restApi: discord.restApi, guildIds: [guildId] },
      fixture.deps,
    );
    await bot.start();
  }, 120_000);
  afterAll(async () => {
    await bot?.close();
    await discord?.close();
    await fixture?.close();
  });

  it('is registered with show, add and remove', async () => {
    const registered = await waitFor(() =>
      (discord.commands.get(guildId) ?? []).find((command) => command.name === 'watchlist'),
    );
    const subcommands = (registered as { options: { name: string }[] }).options.map((sub) => sub.name);
    expect(subcommands).toEqual(['show', 'add', 'remove']);
  });

  it('tells an unlinked user to /link, only to them', async () => {
    const reply = await watchlist('show');
    expect(reply.message?.flags).toBe(64);
    expect(reply.message?.content).toBe(
      '⚠️ link your Nexural account first: /link key:<your API key> (only you see it)',
    );
  });

  it("adds to, shows and removes from the linked account's watchlist in the store", async () => {
    await discord.interact({ ...user, name: 'link', options: { key: 'nxr_test_alice' } });
    const empty = await watchlist('show');
    expect(empty.message?.content).toBe(
      'You have no watchlists. Add a symbol: /watchlist add symbol:BTCUSDT',
    );

    const added = await watchlist('add', { symbol: 'btcusdt' });
    expect(added.message?.content).toBe(
      'Added binance-um:BTCUSDT to watchlist `discord` (new).\n**Discord** (`discord`)\n  • binance-um:BTCUSDT',
    );
    const stored = await fixture.store.watchlistsOf('alice');
    expect(stored.map((list) => list.id)).toEqual(['discord']);
    expect(stored[0]?.sections[0]?.items.map((item) => `${item.venue}:${item.symbol}`)).toEqual([
      'binance-um:BTCUSDT',
    ]);
    expect(await fixture.store.watchlistsOf('bob')).toEqual([]);

    const again = await watchlist('add', { symbol: 'BTCUSDT' });
    expect(again.message?.content).toBe('binance-um:BTCUSDT is already on watchlist `discord`.');
    const shown = await watchlist('show');
    expect(shown.message?.content).toBe(
      '**Your watchlists** (1)\n**Discord** (`discord`)\n  • binance-um:BTCUSDT',
    );

    const removed = await watchlist('remove', { symbol: 'BTCUSDT' });
    expect(removed.message?.content).toBe(
      'Removed binance-um:BTCUSDT from watchlist `discord`.\n**Discord** (`discord`)\n  (empty)',
    );
    const history = await fixture.store.watchlistHistory('alice', 'discord');
    expect(history.map((change) => `${change.change} ${change.symbol}`)).toEqual([
      'entered BTCUSDT',
      'left BTCUSDT',
    ]);
  });

  it('names an unknown symbol, and a symbol not on the watchlist', async () => {
    const unknown = await watchlist('add', { symbol: 'DOGEUSDT' });
    expect(unknown.message?.flags).toBe(64);
    expect(unknown.message?.content).toBe('⚠️ unknown symbol "DOGEUSDT"; known: binance-um:BTCUSDT');
    const absent = await watchlist('remove', { symbol: 'ETHUSDT' });
    expect(absent.message?.content).toBe('⚠️ "ETHUSDT" is not on watchlist "discord"');
  });

  it('leaves a watchlist that alert rules follow to the API (the bot does not rewrite rules)', async () => {
    await watchlist('add', { symbol: 'BTCUSDT' });
    const rule = await discord.interact({
      ...user,
      name: 'alerts',
      subcommand: 'add',
      options: { symbol: 'BTCUSDT', rule: 'price crossing_up 61000 on 1m' },
    });
    const ruleId = rule.message?.content.match(/`(dc-[0-9a-f]+)`/)?.[1] ?? '';
    await fixture.store.setRuleWatchlist('alice', ruleId, 'discord');
    const refused = await watchlist('remove', { symbol: 'BTCUSDT' });
    expect(refused.message?.content).toBe(
      `⚠️ watchlist "discord" is followed by alert rule(s) ${ruleId}; change it in the dashboard or with PUT /v1/watchlists/discord so they follow too`,
    );
    const still = await fixture.store.getWatchlist('alice', 'discord');
    expect(still?.sections[0]?.items.map((item) => item.symbol)).toEqual(['BTCUSDT']);
  });
});

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
