import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordBot, type DiscordBot } from '../discord-bot.js';
import { botFixture } from '../testing/bot-fixture.js';
import { type FakeDiscord, nextSnowflake, startFakeDiscord } from '../testing/fake-discord.js';
import { noteTitle } from './note.js';

const guildId = nextSnowflake();
const channelId = nextSnowflake();
const user = { userId: nextSnowflake(), guildId, channelId };

describe('/note on the real discord.js client against the fake Discord, PGlite store', () => {
  let discord: FakeDiscord;
  let bot: DiscordBot;
  let fixture: Awaited<ReturnType<typeof botFixture>>;
  const note = (subcommand: string, options: Record<string, string>) =>
    discord.interact({ ...user, name: 'note', subcommand, options }, { timeoutMs: 30_000 });

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

  it('tells an unlinked user to /link, only to them', async () => {
    const reply = await note('search', { query: 'support' });
    expect(reply.message?.flags).toBe(64);
    expect(reply.message?.content).toBe(
      '⚠️ link your Nexural account first: /link key:<your API key> (only you see it)',
    );
  });

  it('saves a note for the linked account with the stored bars as its snapshot, then finds it', async () => {
    await discord.interact({ ...user, name: 'link', options: { key: 'nxr_test_alice' } });
    const last = fixture.klines.at(-1);
    const saved = await note('add', {
      text: 'BTCUSDT held the 61k support after the sweep #support #btc\nwatch the next retest',
    });
    const id = saved.message?.content.match(/`(note_[0-9a-f]+)`/)?.[1] ?? '';
    expect(saved.message?.content).toBe(
      `Saved note \`${id}\` on binance-um:BTCUSDT (30 1m bars kept, last close ${last?.close} at 2024-08-09T00:09:59.999Z) · tags support, btc: **BTCUSDT held the 61k support after the sweep #support #btc**`,
    );
    const stored = await fixture.store.getNote('alice', id);
    expect(stored?.anchor).toMatchObject({ venue: 'binance-um', symbol: 'BTCUSDT', interval: '1m' });
    expect(stored?.snapshot.bars.map((bar) => bar.close)).toEqual(fixture.klines.map((bar) => bar.close));
    expect(stored?.snapshot.indicators).toHaveLength(26);
    expect(stored?.body).toBe(
      'BTCUSDT held the 61k support after the sweep #support #btc\nwatch the next retest',
    );
    expect(await fixture.store.getNote('bob', id)).toBeNull();

    await note('add', { text: 'funding flipped negative overnight', symbol: 'BTCUSDT' });
    const found = await note('search', { query: 'retest' });
    expect(found.message?.content).toMatch(
      new RegExp(`^\\*\\*Notes matching "retest"\\*\\* \\(1\\)\\n\`${id}\` \\*\\*BTCUSDT held`),
    );
    expect(found.message?.content).toContain('**retest**');
    const both = await note('search', { query: 'BTCUSDT' });
    expect(both.message?.content).toContain('(2)');
    const none = await note('search', { query: 'ethereum' });
    expect(none.message?.content).toBe('No notes of yours match "ethereum".');
  });

  it('names an unknown symbol and asks for one when the text names none', async () => {
    const unknown = await note('add', { text: 'looks weak', symbol: 'DOGEUSDT' });
    expect(unknown.message?.content).toBe('⚠️ unknown symbol "DOGEUSDT"; known: binance-um:BTCUSDT');
    const unanchored = await note('add', { text: 'the market looks weak' });
    expect(unanchored.message?.content).toBe(
      '⚠️ a note is anchored to a symbol: add symbol:BTCUSDT, or name a stored symbol in the text',
    );
    expect(await fixture.store.listNotes('alice')).toHaveLength(2);
  });

  it('titles a note with its first line cut at a word', () => {
    const long = `${'momentum '.repeat(12)}fades`;
    expect(noteTitle(long)).toBe(`${'momentum '.repeat(8).trim()}…`);
    expect(noteTitle('short\nbody')).toBe('short');
  });
});
